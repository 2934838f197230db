/**
 * A Gearman worker over several servers, one connection each
 * (docs/contract.md "Worker flow", "Packets"). Registrations change by diff and never drop a
 * function with a job running on that connection; outstanding grabs + running jobs across all
 * servers never exceed capacity.
 */
import { pino, type Logger } from "pino";
import { TypedEmitter } from "../util/emitter.js";
import { argAt, type Packet } from "./codec.js";
import { GearmanConnection, type ConnectionStatus, type GearmanConnectionOptions, type ServerAddress } from "./connection.js";
import { PacketType } from "./constants.js";
import { GearmanServerError } from "./errors.js";
import { WorkerJob } from "./job.js";
import { WorkerConn } from "./worker-conn.js";

export interface GearmanWorkerOptions {
  /** Sent as SET_CLIENT_ID on every connection (shown by the admin `workers` command). */
  clientId: string;
  servers: ServerAddress[];
  /** Jobs in flight plus outstanding grabs, summed over all servers; `Infinity` for no bound. @default 1 */
  capacity?: number;
  /**
   * Outstanding GRAB_JOB_UNIQ packets allowed at once over all servers, whatever runs; null for
   * no such bound. A caller that owns the capacity of several jobs (the bridge) sets it to the
   * free slots not yet claimed, so that a job ending or lost never frees a grab by itself.
   * @default null
   */
  grabBudget?: number | null;
  /** Options for each server connection. @default GearmanConnection defaults */
  connection?: Omit<GearmanConnectionOptions, "logger">;
  /** @default a silent logger */
  logger?: Logger;
}

export interface WorkerStats {
  canDoSent: number;
  cantDoSent: number;
  resetSent: number;
  grabsSent: number;
  jobsAssigned: number;
  reconnects: number;
}

type WorkerEvents = {
  job: [WorkerJob];
  status: [{ server: string; status: ConnectionStatus }];
  error: [Error];
};

export class GearmanWorker extends TypedEmitter<WorkerEvents> {
  readonly #clientId: string;
  readonly #log: Logger;
  readonly #conns: WorkerConn[];
  #functions = new Set<string>();
  #capacity: number;
  #grabBudget: number | null;
  #rr = 0;
  #closing: Promise<void> | undefined;
  readonly #stats: WorkerStats = { canDoSent: 0, cantDoSent: 0, resetSent: 0, grabsSent: 0, jobsAssigned: 0, reconnects: 0 };

  constructor(opts: GearmanWorkerOptions) {
    super();
    this.#clientId = opts.clientId;
    this.#capacity = checkCapacity(opts.capacity ?? 1);
    this.#grabBudget = opts.grabBudget === undefined || opts.grabBudget === null ? null : checkCapacity(opts.grabBudget);
    this.#log = (opts.logger ?? pino({ level: "silent" })).child({ component: "gearman-worker" });
    this.#conns = opts.servers.map((addr) => {
      const conn = new GearmanConnection(addr, { ...opts.connection, logger: this.#log });
      const cs = new WorkerConn(conn, this.#stats);
      conn.on("status", (s) => this.#onStatus(cs, s));
      conn.on("packet", (p) => this.#onPacket(cs, p));
      conn.on("error", (e) => this.safeEmit("error", e));
      return cs;
    });
  }

  /** The desired function set. */
  get functions(): ReadonlySet<string> {
    return this.#functions;
  }

  /** Jobs assigned and not yet completed, failed or lost. */
  get running(): number {
    let n = 0;
    for (const cs of this.#conns) n += cs.jobs.size;
    return n;
  }

  get outstandingGrabs(): number {
    let n = 0;
    for (const cs of this.#conns) if (cs.grabbing) n++;
    return n;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get grabBudget(): number | null {
    return this.#grabBudget;
  }

  start(): void {
    if (this.#closing) return;
    for (const cs of this.#conns) cs.conn.start();
  }

  /**
   * Sets the desired functions. Each connection gets CAN_DO for added names and CANT_DO for
   * removed ones, except a name with a job running on that connection: its CANT_DO waits
   * for the job to end (gearmand would requeue the job: docs/contract.md "CANT_DO and RESET_ABILITIES requeue a running job"). A job may still arrive for
   * a name just removed (a grab was in flight, or the name is still registered): callers
   * must cope.
   */
  setFunctions(names: Iterable<string>): void {
    this.#functions = new Set(names);
    for (const cs of this.#conns) cs.sync(this.#functions);
    this.#pump();
  }

  /** Sets the capacity. Lowering it below what is in use takes effect as jobs end. */
  setCapacity(n: number): void {
    this.#capacity = checkCapacity(n);
    this.#pump();
  }

  /** Sets the grab budget (see GearmanWorkerOptions.grabBudget); lowering it never cancels a grab already sent. */
  setGrabBudget(n: number | null): void {
    this.#grabBudget = n === null ? null : checkCapacity(n);
    this.#pump();
  }

  stats(): WorkerStats {
    return { ...this.#stats };
  }

  serverStatus(): { server: string; status: ConnectionStatus; functions: number; running: number }[] {
    return this.#conns.map((cs) => ({
      server: cs.server,
      status: cs.status,
      functions: cs.registered.size,
      running: cs.jobs.size,
    }));
  }

  /** Closes every connection; running jobs are marked lost (gearmand requeues them). */
  close(): Promise<void> {
    this.#closing ??= Promise.all(this.#conns.map((cs) => cs.conn.close())).then(() => undefined);
    return this.#closing;
  }

  #onStatus(cs: WorkerConn, status: ConnectionStatus): void {
    cs.status = status;
    if (status === "connected") {
      if (cs.everConnected) this.#stats.reconnects++;
      cs.everConnected = true;
      cs.register(this.#clientId, this.#functions);
    } else if (status === "disconnected" || status === "closed") {
      cs.drop();
    }
    this.safeEmit("status", { server: cs.server, status });
    if (status === "connected" || status === "disconnected") this.#pump();
  }

  #inUse(): number {
    let n = 0;
    for (const cs of this.#conns) n += cs.jobs.size + (cs.grabbing ? 1 : 0);
    return n;
  }

  /** Sends GRAB_JOB_UNIQ on idle connections, round-robin, while capacity and the grab budget allow. */
  #pump(): void {
    if (this.#closing || this.#functions.size === 0) return;
    const n = this.#conns.length;
    let inUse = this.#inUse();
    let grabs = this.outstandingGrabs;
    const budget = this.#grabBudget ?? Number.POSITIVE_INFINITY;
    for (let i = 0; i < n && inUse < this.#capacity && grabs < budget; i++) {
      const cs = this.#conns[(this.#rr + i) % n];
      if (cs === undefined || !cs.conn.connected || cs.grabbing || cs.sleeping || cs.registered.size === 0) continue;
      if (!cs.conn.send(PacketType.GRAB_JOB_UNIQ)) continue;
      cs.grabbing = true;
      this.#stats.grabsSent++;
      inUse++;
      grabs++;
    }
    this.#rr = n === 0 ? 0 : (this.#rr + 1) % n;
  }

  #onPacket(cs: WorkerConn, p: Packet): void {
    switch (p.type) {
      case PacketType.NO_JOB:
        if (!cs.grabbing) return;
        cs.grabbing = false;
        cs.sleeping = true;
        cs.conn.send(PacketType.PRE_SLEEP);
        this.#pump();
        return;
      case PacketType.NOOP:
        // Any state: a sleeping connection becomes idle and grabs when capacity allows; the
        // wake-up is remembered (sleeping=false) if capacity is full right now.
        if (cs.sleeping) {
          cs.sleeping = false;
          this.#pump();
        }
        return;
      case PacketType.JOB_ASSIGN:
      case PacketType.JOB_ASSIGN_UNIQ:
      case PacketType.JOB_ASSIGN_ALL:
        this.#onAssign(cs, p);
        return;
      case PacketType.ERROR: {
        const [code, text] = p.args;
        this.safeEmit("error", new GearmanServerError(code?.toString("utf8") ?? "", text?.toString("utf8") ?? ""));
        return;
      }
      default:
        this.#log.debug({ type: p.type }, "ignoring unexpected packet");
    }
  }

  #onAssign(cs: WorkerConn, p: Packet): void {
    cs.grabbing = false;
    cs.sleeping = false;
    const handle = argAt(p, 0).toString("utf8");
    const fn = argAt(p, 1).toString("utf8");
    const unique = p.type === PacketType.JOB_ASSIGN ? "" : argAt(p, 2).toString("utf8");
    const data = Buffer.from(argAt(p, p.args.length - 1)); // own the bytes, not a view of a big chunk
    const job = new WorkerJob({
      handle,
      functionName: fn,
      unique,
      data,
      server: cs.server,
      send: (type, args) => cs.conn.send(type, args),
      onEnd: (j) => this.#onJobEnd(cs, j),
    });
    cs.started(job);
    this.#stats.jobsAssigned++;
    this.safeEmit("job", job);
    this.#pump();
  }

  #onJobEnd(cs: WorkerConn, job: WorkerJob): void {
    if (!cs.ended(job)) return;
    cs.sync(this.#functions, job.functionName);
    this.#pump();
  }
}

function checkCapacity(n: number): number {
  if (n === Number.POSITIVE_INFINITY) return n;
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`gearman worker capacity must be an integer >= 0 or Infinity, got ${n}`);
  return n;
}
