/**
 * The admin API over plain HTTP, meant for loopback: health, readiness, status, Prometheus metrics, event
 * replay, drain and resume. The daemon supplies the data through `AdminHandlers`; this file only speaks HTTP.
 *
 *   GET  /                 200        the status page (HTML; see status-page.ts)
 *   GET  /healthz          200 | 503  {ok, detail?}
 *   GET  /readyz           200 | 503  {ready, reasons}
 *   GET  /status           200        the daemon's status JSON
 *   GET  /metrics          200        Prometheus text format
 *   GET  /events?since=N&limit=M      replayed events (404 when the daemon offers no replay)
 *   POST /drain  {quietDown?: boolean} 200 drain state
 *   POST /resume           200        drain state
 *
 * When a token is set, POST requests need `Authorization: Bearer <token>` (else 401). A token is required
 * to listen beyond loopback. POST requests that carry an `Origin` header (sent by web browsers) are refused
 * with 403, so a web page cannot drain the sidecar through a browser on the same machine.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import pino, { type Logger } from "pino";

import { describeError } from "../util/errors.js";
import type { DrainStatus, ReadyStatus, SidecarStatus } from "../bridge/index.js";
import { checkBearer, isLoopbackHost } from "./auth.js";
import { AdminConfigError, AdminListenError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import { statusPage } from "./status-page.js";

/** The status JSON (one exported type, also read by the CLI). */
export type AdminStatus = SidecarStatus;

export interface AdminHandlers {
  health(): { ok: boolean; detail?: string };
  ready(): ReadyStatus;
  status(): AdminStatus;
  /** Starts (or continues) draining; returns the drain state. */
  drain(o: { quietDown: boolean }): Promise<DrainStatus>;
  resume(): Promise<DrainStatus>;
  /** Events with a sequence number above `since`, at most `limit`. */
  events?(since: number, limit: number): unknown;
}

export interface AdminServerOptions {
  /** Address to listen on; anything but loopback requires `token`. */
  host: string;
  /** 0 = any free port (see `start()`'s result). */
  port: number;
  /** Bearer token required for POST requests; null = none (loopback only). */
  token: string | null;
  handlers: AdminHandlers;
  metrics: Metrics;
  /** quietDown for a POST /drain whose body does not say (config `drain.quietDown`). @default false */
  defaultQuietDown?: boolean;
  /** @default a silent logger */
  logger?: Logger;
}

/** Largest POST body read. */
const MAX_BODY_BYTES = 64 * 1024;
/** Default and maximum `limit` of GET /events. */
const EVENTS_LIMIT = { default: 100, max: 10_000 } as const;

const ROUTES = {
  "/": "GET",
  "/healthz": "GET",
  "/readyz": "GET",
  "/status": "GET",
  "/metrics": "GET",
  "/events": "GET",
  "/drain": "POST",
  "/resume": "POST",
} as const;
type RoutePath = keyof typeof ROUTES;

/** An answer to send, raised from inside a handler. */
class HttpAnswer extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = "HttpAnswer";
    this.status = status;
    this.headers = headers;
  }
}

function isRoute(p: string): p is RoutePath {
  return Object.hasOwn(ROUTES, p);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY_BYTES) throw new HttpAnswer(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(b);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpAnswer(400, "request body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new HttpAnswer(400, "request body must be a JSON object");
  return body as Record<string, unknown>;
}

function intParam(url: URL, name: string, fallback: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new HttpAnswer(400, `${name} must be a non-negative integer, got "${raw}"`);
  return Math.min(Number(raw), max);
}

export class AdminServer {
  readonly #o: AdminServerOptions;
  readonly #log: Logger;
  #server: Server | null = null;
  #address: { host: string; port: number } | null = null;
  #closing: Promise<void> | null = null;

  /** @throws AdminConfigError for a bad port, an empty token, or a non-loopback host without a token */
  constructor(o: AdminServerOptions) {
    if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new AdminConfigError(`admin port ${o.port} is out of range 0-65535`);
    if (o.token !== null && o.token.trim() === "") throw new AdminConfigError("admin token is empty; give a token or none");
    if (!isLoopbackHost(o.host) && o.token === null) {
      throw new AdminConfigError(`refusing to serve the admin API on ${o.host}, beyond loopback, without a token; set an admin token file or listen on 127.0.0.1`);
    }
    this.#o = o;
    this.#log = (o.logger ?? pino({ level: "silent" })).child({ component: "admin" });
    o.metrics.readinessFrom(() => o.handlers.ready().ready);
  }

  /** Base URL, e.g. "http://127.0.0.1:8099/" (the real port once started). */
  get url(): string {
    const a = this.#address ?? { host: this.#o.host, port: this.#o.port };
    return `http://${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}/`;
  }

  /** Listens; resolves with the bound address. @throws AdminListenError */
  async start(): Promise<{ host: string; port: number }> {
    if (this.#server !== null) throw new AdminConfigError("admin server already started");
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 }, (req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        this.#log.error({ err: e }, "admin request failed");
        if (!res.headersSent) sendJson(res, 500, { error: describeError(e) });
        else res.destroy();
      });
    });
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(new AdminListenError(this.#o.host, this.#o.port, { cause: e }));
      server.once("error", onError);
      server.listen(this.#o.port, this.#o.host, () => {
        server.off("error", onError);
        resolve();
      });
    }).catch((e: unknown) => {
      this.#server = null;
      throw e;
    });
    server.on("error", (e) => this.#log.error({ err: e }, "admin server error"));
    const addr = server.address() as AddressInfo;
    this.#address = { host: addr.address, port: addr.port };
    this.#log.info({ url: this.url }, "admin API listening");
    return { ...this.#address };
  }

  /** Stops listening and closes every connection; idempotent. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    const server = this.#server;
    if (server === null) return Promise.resolve();
    this.#closing = new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return this.#closing;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://admin.invalid");
    const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, "") : url.pathname;
    this.#log.debug({ method: req.method, path }, "admin request");
    try {
      if (!isRoute(path)) {
        throw new HttpAnswer(404, `no such endpoint ${path}; try ${Object.entries(ROUTES).map(([p, m]) => `${m} ${p}`).join(", ")}`);
      }
      const want = ROUTES[path];
      const method = req.method === "HEAD" ? "GET" : req.method;
      if (method !== want) {
        throw new HttpAnswer(405, `${req.method ?? "?"} not allowed on ${path}; use ${want}`, { allow: want === "GET" ? "GET, HEAD" : "POST" });
      }
      if (want === "POST") this.#authorize(req);
      await this.#route(path, url, req, res);
    } catch (e) {
      if (!(e instanceof HttpAnswer)) throw e;
      sendJson(res, e.status, { error: e.message }, e.headers);
    }
  }

  #authorize(req: IncomingMessage): void {
    if (req.headers.origin !== undefined) throw new HttpAnswer(403, "requests from web browsers are refused");
    const token = this.#o.token;
    if (token !== null && !checkBearer(req.headers.authorization, token)) {
      throw new HttpAnswer(401, "missing or wrong bearer token", { "www-authenticate": 'Bearer realm="jenkins-gearman-sidecar"' });
    }
  }

  async #route(path: RoutePath, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const h = this.#o.handlers;
    switch (path) {
      case "/": {
        const p = statusPage();
        res.writeHead(200, p.headers);
        res.end(p.body);
        return;
      }
      case "/healthz": {
        const r = h.health();
        return sendJson(res, r.ok ? 200 : 503, r);
      }
      case "/readyz": {
        const r = h.ready();
        return sendJson(res, r.ready ? 200 : 503, r);
      }
      case "/status":
        return sendJson(res, 200, h.status());
      case "/metrics": {
        const text = await this.#o.metrics.render();
        res.writeHead(200, { "content-type": this.#o.metrics.contentType, "cache-control": "no-store" });
        res.end(text);
        return;
      }
      case "/events": {
        if (h.events === undefined) throw new HttpAnswer(404, "event replay is not available");
        const since = intParam(url, "since", 0, Number.MAX_SAFE_INTEGER);
        const limit = Math.max(1, intParam(url, "limit", EVENTS_LIMIT.default, EVENTS_LIMIT.max));
        return sendJson(res, 200, h.events(since, limit));
      }
      case "/drain": {
        const body = await readJsonBody(req);
        const q = body["quietDown"];
        if (q !== undefined && typeof q !== "boolean") throw new HttpAnswer(400, "quietDown must be true or false");
        const quietDown = q ?? this.#o.defaultQuietDown ?? false;
        this.#log.info({ quietDown }, "drain requested");
        return sendJson(res, 200, await h.drain({ quietDown }));
      }
      case "/resume": {
        await readJsonBody(req);
        this.#log.info("resume requested");
        return sendJson(res, 200, await h.resume());
      }
    }
  }
}
