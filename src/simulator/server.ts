/**
 * The HTTP shell: parses requests, applies faults (status, latency, down, hang, held trigger answers),
 * authenticates, checks crumbs on POST, dispatches to the Jenkins routes or the /__sim/ hooks, adds
 * X-Jenkins headers, counts each answer in the cost model, and keeps a bounded request log.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { CRUMB_FIELD } from "./auth.js";
import type { CostMeter, CostModel } from "./cost.js";
import { type Reply, type SimReq, html, parseForm, readBody } from "./http.js";
import { withMeter } from "./render.js";
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
  readonly cost: CostModel;
}

/** A request that arrived during a hang, kept in arrival order with its body (as a socket buffer keeps it). */
interface Held {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** null when the client went away before its request was complete: never processed. */
  readonly body: Promise<Buffer | null>;
}

/** What a Jenkins request produced; `delayMs` holds the answer back (holdTriggers). */
interface Dispatched {
  readonly reply: Reply;
  readonly extra: Record<string, string>;
  readonly meter: CostMeter;
  readonly delayMs: number;
}

/** `job/a/job/b/build` or `.../buildWithParameters`: the two trigger endpoints (docs/jenkins-rest.md "Triggering a build"). */
function isTrigger(method: string, segs: readonly string[]): boolean {
  if (method !== "POST" || segs.length < 3 || segs.length % 2 === 0) return false;
  for (let i = 0; i < segs.length - 1; i += 2) if (segs[i] !== "job") return false;
  const last = segs[segs.length - 1];
  return last === "build" || last === "buildWithParameters";
}

const readIfBody = (req: IncomingMessage): Promise<Buffer> =>
  req.method === "POST" || req.method === "PUT" ? readBody(req) : Promise.resolve(Buffer.alloc(0));

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
  readonly #held: Held[] = [];
  #releasing = false;
  #holdTriggersMs = 0;
  #closed = false;

  constructor(opts: ShellOptions) {
    this.#opts = opts;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => this.#fail(req, res, e));
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
    if (this.#closed) return;
    this.#fault = f;
    // Down after a hang is a stopped Jenkins that was killed: what it held is lost, not processed.
    if (f?.down === true) for (const h of this.#held.splice(0)) h.res.destroy();
    if (f?.down === true && this.#listening) await this.#stop();
    else if (f?.down !== true && !this.#listening) await this.listen();
    if (f?.hang !== true) this.#release();
  }

  /** Answers of build/buildWithParameters wait this long (the trigger itself takes effect at once); 0 ends it. */
  holdTriggers(ms: number): void {
    this.#holdTriggersMs = Number.isFinite(ms) && ms > 0 ? ms : 0;
  }

  async #stop(): Promise<void> {
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const h of this.#held.splice(0)) h.res.destroy();
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
    this.#record(req.method ?? "GET", req.url ?? "/", r.status);
    // A client that gave up (a hang, a held trigger) gets nothing; the request has taken effect anyway.
    if (res.destroyed || req.socket.destroyed) return;
    const headers: Record<string, string> = { "X-Jenkins": this.#opts.version, "X-Jenkins-Session": this.#session, ...extra, ...(r.headers ?? {}) };
    const body = r.body ?? "";
    headers["Content-Length"] = String(Buffer.byteLength(body));
    res.writeHead(r.status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }

  #fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    if (!res.headersSent) this.#write(req, res, html(500, e instanceof Error ? e.message : String(e)));
    else res.destroy();
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
    if (this.#env === null) throw new Error("simulator not ready");
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname.startsWith("/__sim/")) return this.#hook(req, res, url);
    if (this.#fault?.hang === true || this.#held.length > 0 || this.#releasing) {
      this.#held.push({ req, res, url, body: readIfBody(req).catch(() => null) });
      return;
    }
    const latency = this.#fault?.latencyMs;
    if (latency !== undefined && latency > 0) await this.#sleep(latency);
    await this.#deliver(req, res, this.#dispatch(req, url, await readIfBody(req)));
  }

  async #hook(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const body = await readIfBody(req);
    let segs: string[];
    try {
      segs = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent);
    } catch {
      return this.#write(req, res, html(400, "Bad URL encoding"));
    }
    const base = { method: req.method ?? "GET", query: url.searchParams, form: parseForm(body, req.headers["content-type"]), rawBody: body.toString("utf8"), contentType: req.headers["content-type"] ?? null, referer: req.headers.referer ?? null };
    this.#write(req, res, await this.#opts.hooks({ ...base, segs: segs.slice(1), user: null }));
  }

  /** Processes the requests held during a hang, in arrival order, each at once (their answers may wait). */
  #release(): void {
    if (this.#releasing) return;
    this.#releasing = true;
    const run = async (): Promise<void> => {
      while (this.#held.length > 0 && this.#fault?.hang !== true) {
        const h = this.#held.shift() as Held;
        const body = await h.body;
        if (body === null) continue;
        try {
          const d = this.#dispatch(h.req, h.url, body);
          this.#deliver(h.req, h.res, d).catch((e: unknown) => this.#fail(h.req, h.res, e));
        } catch (e) {
          this.#fail(h.req, h.res, e);
        }
      }
    };
    run().finally(() => {
      this.#releasing = false;
    }).catch(() => undefined);
  }

  async #deliver(req: IncomingMessage, res: ServerResponse, d: Dispatched): Promise<void> {
    d.meter.finish(req.method === "HEAD" ? 0 : Buffer.byteLength(d.reply.body ?? ""));
    if (d.delayMs > 0) await this.#sleep(d.delayMs);
    this.#write(req, res, d.reply, d.extra);
  }

  /** A Jenkins request, synchronously: faults, context path, auth, crumb, route; counted in the cost model. */
  #dispatch(req: IncomingMessage, url: URL, body: Buffer): Dispatched {
    const env = this.#env;
    if (env === null) throw new Error("simulator not ready");
    const method = req.method ?? "GET";
    const cost = this.#opts.cost;
    const rawSegs = url.pathname.split("/").filter((s) => s !== "");
    const early = (reply: Reply): Dispatched => ({ reply, extra: {}, meter: cost.begin(method, rawSegs, url.searchParams), delayMs: 0 });
    const fault = this.#fault;
    if (fault?.html === true) return early(html(fault.status ?? 500, "Simulated failure"));
    if (fault?.status !== undefined) return early({ status: fault.status, headers: { "Content-Type": "text/plain;charset=utf-8" }, body: "Simulated failure" });
    let path = url.pathname;
    if (this.#contextPath !== "/") {
      if (!path.startsWith(this.#contextPath) && `${path}/` !== this.#contextPath) return early(html(404, "Not Found"));
      path = `/${path.slice(this.#contextPath.length)}`;
    }
    let segs: string[];
    try {
      segs = path.split("/").filter((s) => s !== "").map(decodeURIComponent);
    } catch {
      return early(html(400, "Bad URL encoding"));
    }
    const meter = cost.begin(method, segs, url.searchParams);
    const done = (reply: Reply, extra: Record<string, string> = {}): Dispatched => ({ reply, extra, meter, delayMs: isTrigger(method, segs) ? this.#holdTriggersMs : 0 });
    const form = parseForm(body, req.headers["content-type"]);
    const auth = env.auth.authenticate(req.headers);
    if (!auth.ok) return done(auth.reply);
    const sim: SimReq = { method, query: url.searchParams, form, rawBody: body.toString("utf8"), contentType: req.headers["content-type"] ?? null, referer: req.headers.referer ?? null, segs, user: auth.user };
    if (!env.auth.canRead(auth.user)) return done(env.auth.denied(auth.user, "hudson.model.Hudson.Read"));
    if (method === "POST") {
      const denied = env.auth.checkCrumb(auth.user, auth.viaToken, req.headers, form.get(CRUMB_FIELD)?.[0] ?? url.searchParams.get(CRUMB_FIELD));
      if (denied !== null) return done(denied);
    }
    const extra: Record<string, string> = {};
    const reply = withMeter(meter, () => route(env, sim, (c) => (extra["Set-Cookie"] = c), env.auth.sessionOf(req.headers.cookie)));
    return done(reply, extra);
  }
}
