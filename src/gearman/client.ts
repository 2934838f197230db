/**
 * A Gearman client over several servers, like gear's Client (docs/contract.md "Client flow"):
 * round-robin submits, JOB_CREATED matched FIFO per connection, the next server on error.
 */
import { pino, type Logger } from "pino";
import { TypedEmitter } from "../util/emitter.js";
import { ClientJob } from "./client-job.js";
import { argAt, type Packet } from "./codec.js";
import { GearmanConnection, type ConnectionStatus, type GearmanConnectionOptions, type ServerAddress } from "./connection.js";
import { PacketType, type PacketTypeNumber } from "./constants.js";
import { GearmanClosedError, GearmanConnectionError, GearmanServerError, GearmanTimeoutError } from "./errors.js";

export { ClientJob, type ClientJobResult } from "./client-job.js";

export interface GearmanClientOptions {
  servers: ServerAddress[];
  /** Sent as SET_CLIENT_ID on connect when given. */
  clientId?: string;
  /** Ask for WORK_EXCEPTION (OPTION_REQ exceptions); otherwise gearmand sends WORK_FAIL. @default false */
  exceptions?: boolean;
  /** @default GearmanConnection defaults */
  connection?: Omit<GearmanConnectionOptions, "logger">;
  /** @default a silent logger */
  logger?: Logger;
}

export interface SubmitOptions {
  /** Coalescing key; "" never coalesces (docs/contract.md "Coalescing by unique id"). @default "" */
  unique?: string;
  /** @default "normal" */
  priority?: "normal" | "high" | "low";
  /** @default false */
  background?: boolean;
  /** Per server attempt, until JOB_CREATED. @default 30000 */
  timeoutMs?: number;
}

export interface JobStatus {
  known: boolean;
  running: boolean;
  numerator: number;
  denominator: number;
}

/** A request whose reply (JOB_CREATED, STATUS_RES, OPTION_RES or ERROR) comes in wire order. */
interface Pending {
  /** Runs synchronously in the packet handler, so WORK_* right behind JOB_CREATED is not missed. */
  onReply(p: Packet): void;
  onError(e: Error): void;
  abandoned: boolean;
}

interface ClientConn {
  readonly conn: GearmanConnection;
  readonly server: string;
  readonly pending: Pending[];
  readonly jobs: Map<string, Set<ClientJob>>;
}

const HANDLE_MEMORY = 10_000;

const SUBMIT_TYPES: Record<`${NonNullable<SubmitOptions["priority"]>}:${"fg" | "bg"}`, PacketTypeNumber> = {
  "normal:fg": PacketType.SUBMIT_JOB,
  "normal:bg": PacketType.SUBMIT_JOB_BG,
  "high:fg": PacketType.SUBMIT_JOB_HIGH,
  "high:bg": PacketType.SUBMIT_JOB_HIGH_BG,
  "low:fg": PacketType.SUBMIT_JOB_LOW,
  "low:bg": PacketType.SUBMIT_JOB_LOW_BG,
};

export class GearmanClient extends TypedEmitter<{ status: [{ server: string; status: ConnectionStatus }] }> {
  readonly #opts: GearmanClientOptions;
  readonly #log: Logger;
  readonly #conns: ClientConn[];
  #rr = 0;
  /** Which server each recent job was created on, so GET_STATUS goes there (bounded). */
  readonly #handleServer = new Map<string, ClientConn>();
  #closing: Promise<void> | undefined;

  constructor(opts: GearmanClientOptions) {
    super();
    this.#opts = opts;
    this.#log = (opts.logger ?? pino({ level: "silent" })).child({ component: "gearman-client" });
    this.#conns = opts.servers.map((addr) => {
      const conn = new GearmanConnection(addr, { ...opts.connection, logger: this.#log });
      const cc: ClientConn = { conn, server: conn.address, pending: [], jobs: new Map() };
      conn.on("status", (s, err) => this.#onStatus(cc, s, err));
      conn.on("packet", (p) => this.#onPacket(cc, p));
      conn.on("error", (e) => this.#log.warn({ err: e }, "gearman client connection error"));
      return cc;
    });
  }

  start(): void {
    if (this.#closing) return;
    for (const cc of this.#conns) cc.conn.start();
  }

  /** Resolves once any server is connected. @throws GearmanTimeoutError */
  waitConnected(timeoutMs = 5000): Promise<void> {
    if (this.#conns.some((c) => c.conn.connected)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onStatus = ({ status }: { status: ConnectionStatus }): void => {
        if (status !== "connected") return;
        clearTimeout(timer);
        this.off("status", onStatus);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off("status", onStatus);
        reject(new GearmanTimeoutError(`no gearman server connected within ${timeoutMs} ms`));
      }, timeoutMs);
      this.on("status", onStatus);
    });
  }

  /**
   * Submits a job; resolves at JOB_CREATED. Tries each connected server in round-robin
   * order until one accepts. @throws GearmanConnectionError | GearmanServerError | GearmanTimeoutError
   */
  async submit(fn: string, data: Buffer | string, opts: SubmitOptions = {}): Promise<ClientJob> {
    if (this.#closing) throw new GearmanClosedError("gearman client is closed");
    const unique = opts.unique ?? "";
    const background = opts.background ?? false;
    const type = SUBMIT_TYPES[`${opts.priority ?? "normal"}:${background ? "bg" : "fg"}`];
    const timeoutMs = opts.timeoutMs ?? 30_000;
    let lastErr: Error | undefined;
    for (const cc of this.#rotation()) {
      try {
        return await this.#request(cc, type, [fn, unique, data], timeoutMs, (p) => {
          const job = new ClientJob({ handle: argAt(p, 0).toString("utf8"), fn, unique, background, server: cc.server });
          this.#rememberHandle(job.handle, cc);
          if (!background) {
            let set = cc.jobs.get(job.handle);
            if (!set) cc.jobs.set(job.handle, (set = new Set()));
            set.add(job);
          }
          return job;
        });
      } catch (e) {
        lastErr = e as Error;
        this.#log.warn({ server: cc.server, err: lastErr }, "submit failed; trying the next server");
      }
    }
    throw lastErr ?? new GearmanConnectionError(`no gearman server connected (of ${this.#conns.length})`);
  }

  /** GET_STATUS, on the server that holds the job if known. */
  async getStatus(handle: string, timeoutMs = 30_000): Promise<JobStatus> {
    if (this.#closing) throw new GearmanClosedError("gearman client is closed");
    const known = this.#handleServer.get(handle);
    const cc = known?.conn.connected ? known : this.#rotation()[0];
    if (!cc) throw new GearmanConnectionError("no gearman server connected");
    return this.#request(cc, PacketType.GET_STATUS, [handle], timeoutMs, (p) => {
      const [, known, running, num, den] = p.args.map((a) => a.toString("latin1"));
      return { known: known === "1", running: running === "1", numerator: Number(num) || 0, denominator: Number(den) || 0 };
    });
  }

  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#conns.map((cc) => cc.conn.close())).then(() => undefined);
    return this.#closing;
  }

  #rememberHandle(handle: string, cc: ClientConn): void {
    this.#handleServer.delete(handle);
    this.#handleServer.set(handle, cc);
    if (this.#handleServer.size > HANDLE_MEMORY) {
      const oldest = this.#handleServer.keys().next();
      if (!oldest.done) this.#handleServer.delete(oldest.value);
    }
  }

  /** Connected connections, starting at the round-robin cursor. */
  #rotation(): ClientConn[] {
    const n = this.#conns.length;
    const start = this.#rr;
    this.#rr = n === 0 ? 0 : (this.#rr + 1) % n;
    const out: ClientConn[] = [];
    for (let i = 0; i < n; i++) {
      const cc = this.#conns[(start + i) % n];
      if (cc?.conn.connected === true) out.push(cc);
    }
    return out;
  }

  #request<T>(
    cc: ClientConn,
    type: PacketTypeNumber,
    args: ReadonlyArray<Buffer | string>,
    timeoutMs: number,
    map: (p: Packet) => T,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        abandoned: false,
        onReply: (p) => {
          clearTimeout(timer);
          if (!entry.abandoned) resolve(map(p));
        },
        onError: (e) => {
          clearTimeout(timer);
          if (!entry.abandoned) reject(e);
        },
      };
      // The entry stays in the FIFO after a timeout: its reply will still come, in order.
      const timer = setTimeout(() => {
        entry.abandoned = true;
        reject(new GearmanTimeoutError(`no reply from ${cc.server} within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!cc.conn.send(type, args)) {
        clearTimeout(timer);
        reject(new GearmanConnectionError(`not connected to ${cc.server}`));
        return;
      }
      cc.pending.push(entry);
    });
  }

  #onStatus(cc: ClientConn, status: ConnectionStatus, err?: Error): void {
    if (status === "connected") {
      if (this.#opts.clientId !== undefined) cc.conn.send(PacketType.SET_CLIENT_ID, [this.#opts.clientId]);
      if (this.#opts.exceptions) {
        cc.conn.send(PacketType.OPTION_REQ, ["exceptions"]);
        cc.pending.push({ abandoned: false, onReply: () => undefined, onError: (e) => this.#log.warn({ err: e }, "OPTION_REQ exceptions refused") });
      }
    } else if (status === "disconnected" || status === "closed") {
      const e =
        status === "closed"
          ? new GearmanClosedError("gearman client is closed")
          : new GearmanConnectionError(`connection to ${cc.server} lost`, { cause: err });
      for (const p of cc.pending.splice(0)) p.onError(e);
      const jobs = [...cc.jobs.values()];
      cc.jobs.clear();
      for (const set of jobs) for (const j of set) j.markDisconnected();
    }
    this.safeEmit("status", { server: cc.server, status });
  }

  #onPacket(cc: ClientConn, p: Packet): void {
    switch (p.type) {
      case PacketType.JOB_CREATED:
      case PacketType.STATUS_RES:
      case PacketType.OPTION_RES:
      case PacketType.ERROR: {
        const head = cc.pending.shift();
        if (!head) {
          this.#log.warn({ type: p.type }, "gearman reply without a request; ignoring");
          return;
        }
        if (p.type === PacketType.ERROR) {
          head.onError(new GearmanServerError(p.args[0]?.toString("utf8") ?? "", p.args[1]?.toString("utf8") ?? ""));
        } else head.onReply(p);
        return;
      }
      case PacketType.WORK_DATA:
      case PacketType.WORK_WARNING:
      case PacketType.WORK_STATUS:
      case PacketType.WORK_COMPLETE:
      case PacketType.WORK_FAIL:
      case PacketType.WORK_EXCEPTION: {
        // gearmand appends a NUL to a WORK_FAIL converted from WORK_EXCEPTION (docs/contract.md "WORK_EXCEPTION reaches Zuul as WORK_FAIL").
        const handle = argAt(p, 0).toString("utf8").replace(/\0+$/, "");
        const set = cc.jobs.get(handle);
        if (!set) return;
        let ended = false;
        for (const j of set) ended = j.handlePacket(p) || ended;
        if (ended) cc.jobs.delete(handle);
        return;
      }
      default:
        this.#log.debug({ type: p.type }, "ignoring unexpected packet");
    }
  }
}
