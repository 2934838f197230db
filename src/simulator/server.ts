/**
 * The HTTP shell: parses requests, applies faults, authenticates, checks crumbs on POST, dispatches to the
 * Jenkins routes or the /__sim/ hooks, adds X-Jenkins headers, and keeps a bounded request log.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CRUMB_FIELD } from "./auth.js";
import { type Reply, type SimReq, html, parseForm, readBody } from "./http.js";
import type { Env } from "./routes-common.js";
import { route } from "./routes.js";
import type { SimFault, SimRequest } from "./types.js";

const LOG_CAPACITY = 100_000;

export interface ShellOptions {
  readonly host: string;
  readonly port: number;
  readonly version: string;
  readonly logRequests: boolean;
  readonly now: () => number;
  readonly hooks: (req: SimReq) => Promise<Reply>;
}

export class SimServer {
  readonly #opts: ShellOptions;
  readonly #server: Server;
  readonly #session = randomBytes(4).toString("hex");
  readonly #log: SimRequest[] = [];
  #logStart = 0;
  #fault: SimFault | null = null;
  #env: Env | null = null;
  #contextPath = "/";
  #port = 0;
  #listening = false;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(opts: ShellOptions) {
    this.#opts = opts;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        if (!res.headersSent) this.#write(req, res, html(500, e instanceof Error ? e.message : String(e)));
        else res.destroy();
      });
    });
    this.#server.keepAliveTimeout = 5000;
  }

  get port(): number {
    return this.#port;
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.#server.once("error", onError);
      this.#server.listen(this.#port === 0 ? this.#opts.port : this.#port, this.#opts.host, () => {
        this.#server.off("error", onError);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
    this.#listening = true;
    return this.#port;
  }

  attach(env: Env): void {
    this.#env = env;
    this.#contextPath = new URL(env.root).pathname;
  }

  async setFault(f: SimFault | null): Promise<void> {
    this.#fault = f;
    if (f?.down === true && this.#listening) await this.#stop();
    else if (f?.down !== true && !this.#listening) await this.listen();
  }

  async #stop(): Promise<void> {
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    if (this.#listening) await this.#stop();
  }

  requestLog(): SimRequest[] {
    return [...this.#log.slice(this.#logStart), ...this.#log.slice(0, this.#logStart)];
  }

  clearRequestLog(): void {
    this.#log.length = 0;
    this.#logStart = 0;
  }

  #record(method: string, path: string, status: number): void {
    if (!this.#opts.logRequests) return;
    const entry = { method, path, status, at: this.#opts.now() };
    if (this.#log.length < LOG_CAPACITY) this.#log.push(entry);
    else {
      this.#log[this.#logStart] = entry;
      this.#logStart = (this.#logStart + 1) % LOG_CAPACITY;
    }
  }

  #write(req: IncomingMessage, res: ServerResponse, r: Reply, extra: Record<string, string> = {}): void {
    const headers: Record<string, string> = { "X-Jenkins": this.#opts.version, "X-Jenkins-Session": this.#session, ...extra, ...(r.headers ?? {}) };
    const body = r.body ?? "";
    headers["Content-Length"] = String(Buffer.byteLength(body));
    res.writeHead(r.status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
    this.#record(req.method ?? "GET", req.url ?? "/", r.status);
  }

  async #sleep(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.add(t);
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const env = this.#env;
    if (env === null) throw new Error("simulator not ready");
    const url = new URL(req.url ?? "/", "http://localhost");
    let path = url.pathname;
    const isHook = path.startsWith("/__sim/");
    const fault = this.#fault;
    if (!isHook && fault !== null) {
      if (fault.latencyMs !== undefined && fault.latencyMs > 0) await this.#sleep(fault.latencyMs);
      if (fault.html === true) return this.#write(req, res, html(fault.status ?? 500, "Simulated failure"));
      if (fault.status !== undefined) return this.#write(req, res, { status: fault.status, headers: { "Content-Type": "text/plain;charset=utf-8" }, body: "Simulated failure" });
    }
    const method = req.method ?? "GET";
    const body = method === "POST" || method === "PUT" ? await readBody(req) : Buffer.alloc(0);
    if (!isHook && this.#contextPath !== "/") {
      if (!path.startsWith(this.#contextPath) && `${path}/` !== this.#contextPath) return this.#write(req, res, html(404, "Not Found"));
      path = `/${path.slice(this.#contextPath.length)}`;
    }
    let segs: string[];
    try {
      segs = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
    } catch {
      return this.#write(req, res, html(400, "Bad URL encoding"));
    }
    const form = parseForm(body, req.headers["content-type"]);
    const base = { method, query: url.searchParams, form, rawBody: body.toString("utf8"), contentType: req.headers["content-type"] ?? null, referer: req.headers.referer ?? null };
    if (isHook) return this.#write(req, res, await this.#opts.hooks({ ...base, segs: segs.slice(1), user: null }));

    const auth = env.auth.authenticate(req.headers);
    if (!auth.ok) return this.#write(req, res, auth.reply);
    const sim: SimReq = { ...base, segs, user: auth.user };
    if (!env.auth.canRead(auth.user)) return this.#write(req, res, env.auth.denied(auth.user, "hudson.model.Hudson.Read"));
    if (method === "POST") {
      const denied = env.auth.checkCrumb(auth.user, auth.viaToken, req.headers, form.get(CRUMB_FIELD)?.[0] ?? url.searchParams.get(CRUMB_FIELD));
      if (denied !== null) return this.#write(req, res, denied);
    }
    const extra: Record<string, string> = {};
    const reply = route(env, sim, (c) => (extra["Set-Cookie"] = c), env.auth.sessionOf(req.headers.cookie));
    this.#write(req, res, reply, extra);
  }
}
