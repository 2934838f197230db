/**
 * Job logic of the embedded Gearman server, mirroring gearmand 1.1.20 (docs/contract.md "gearmand semantics the sidecar relies on"):
 * submit with coalescing, per-function priority queues, NOOP wake-ups, grabs, WORK_*
 * relaying, requeue on worker loss or CANT_DO, lazy drop of abandoned jobs.
 *
 * Grab order across a connection's functions: most recently registered first, like
 * gearmand 1.1.20's gearman_server_job_take(); priority applies within one function.
 */
import { createHash } from "node:crypto";
import { argAt, encode, type Packet } from "./codec.js";
import { PacketType } from "./constants.js";
import { FunctionState, MAX_UNIQUE_BYTES, PRIORITIES, type Job, type ServerConn, type SubmitRequest, type SubmitResult, type WorkType } from "./server-model.js";

const NOOP = encode("RES", PacketType.NOOP);

export class ServerCore {
  readonly functions = new Map<string, FunctionState>();
  readonly jobs = new Map<string, Job>();
  readonly #handlePrefix: string;
  #counter = 0;
  queuedTotal = 0;
  runningTotal = 0;

  constructor(handleHost: string) {
    this.#handlePrefix = `H:${handleHost}:`;
  }

  fn(name: string): FunctionState {
    let f = this.functions.get(name);
    if (!f) this.functions.set(name, (f = new FunctionState(name)));
    return f;
  }

  // ---- registration -------------------------------------------------------------------

  /** CAN_DO / CAN_DO_TIMEOUT (the timeout is ignored). Duplicates count twice (docs/contract.md "Duplicate CAN_DO counts twice"). */
  canDo(conn: ServerConn, name: string): void {
    const f = this.fn(name);
    const n = conn.registrations.get(f) ?? 0;
    conn.registrations.set(f, n + 1);
    if (n === 0) conn.grabOrder.push(f);
    f.workers.set(conn, n + 1);
    f.workerCount++;
  }

  /** CANT_DO: removes every registration of `name` and requeues its jobs running here (docs/contract.md "CANT_DO and RESET_ABILITIES requeue a running job"). */
  cantDo(conn: ServerConn, name: string): void {
    const f = this.functions.get(name);
    if (!f || !conn.registrations.has(f)) return;
    this.#unregister(conn, f);
    const idx = conn.grabOrder.indexOf(f);
    if (idx >= 0) conn.grabOrder.splice(idx, 1);
    for (const job of [...conn.workerJobs].reverse()) if (job.fn === f) this.#requeue(job);
  }

  /** RESET_ABILITIES: drops all registrations; requeues every job running here (docs/contract.md "CANT_DO and RESET_ABILITIES requeue a running job"). */
  resetAbilities(conn: ServerConn): void {
    for (const f of conn.registrations.keys()) this.#unregister(conn, f);
    conn.registrations.clear();
    conn.grabOrder.length = 0;
    for (const job of [...conn.workerJobs].reverse()) this.#requeue(job);
  }

  #unregister(conn: ServerConn, f: FunctionState): void {
    f.workerCount -= f.workers.get(conn) ?? 0;
    f.workers.delete(conn);
    conn.registrations.delete(f);
  }

  // ---- clients ------------------------------------------------------------------------

  submit(conn: ServerConn, req: SubmitRequest): SubmitResult {
    if (Buffer.byteLength(req.unique) > MAX_UNIQUE_BYTES) {
      return { error: { code: "ARGUMENT_TOO_LARGE", text: "Unique value too large" } };
    }
    const f = this.fn(req.fn);
    // A unique of "-" coalesces on identical payload; "" never coalesces (docs/contract.md "Coalescing by unique id").
    const key =
      req.unique === "" ? undefined : req.unique === "-" ? `\0-${createHash("sha1").update(req.data).digest("base64")}` : req.unique;
    const existing = key === undefined ? undefined : f.uniques.get(key);
    if (existing) {
      // Same handle; the new payload is discarded (docs/contract.md "Coalescing by unique id").
      if (!req.background) this.#attach(conn, existing);
      return { handle: existing.handle };
    }
    const max = f.maxQueue[req.priority];
    if (max > 0 && f.queued + f.running >= max) return { error: { code: "QUEUE_ERROR", text: "Job queue is full" } };
    const job: Job = {
      handle: `${this.#handlePrefix}${++this.#counter}`,
      fn: f,
      unique: req.unique,
      key,
      data: req.data,
      reducer: req.reducer ?? "",
      priority: req.priority,
      background: req.background,
      clients: new Set(),
      worker: undefined,
      numerator: "0",
      denominator: "0",
      ignore: false,
      retries: 0,
    };
    this.jobs.set(job.handle, job);
    if (key !== undefined) f.uniques.set(key, job);
    if (!req.background) this.#attach(conn, job);
    this.#enqueue(job);
    return { handle: job.handle };
  }

  #attach(conn: ServerConn, job: Job): void {
    job.clients.add(conn);
    conn.clientJobs.add(job);
  }

  /** `cancel job`: clients get WORK_FAIL, the job is flagged and dropped lazily (docs/contract.md "Admin status and workers"). */
  cancel(handle: string): boolean {
    const job = this.jobs.get(handle);
    if (!job) return false;
    if (job.ignore) return true;
    const fail = encode("RES", PacketType.WORK_FAIL, [job.handle]);
    for (const c of job.clients) {
      c.send(fail);
      c.clientJobs.delete(job);
    }
    job.clients.clear();
    this.#ignore(job);
    return true;
  }

  #ignore(job: Job): void {
    job.ignore = true;
    if (job.key !== undefined && job.fn.uniques.get(job.key) === job) job.fn.uniques.delete(job.key);
  }

  /** Finds a live job by unique id across functions (GET_STATUS_UNIQUE; rare, so a scan). */
  byUnique(unique: string): Job | undefined {
    for (const f of this.functions.values()) {
      const j = f.uniques.get(unique);
      if (j) return j;
    }
    return undefined;
  }

  // ---- workers ------------------------------------------------------------------------

  /** GRAB_JOB*: the next live job for this connection, now running on it. */
  grab(conn: ServerConn): Job | undefined {
    conn.sleeping = false;
    conn.noopSent = false;
    for (let i = conn.grabOrder.length - 1; i >= 0; i--) {
      const f = conn.grabOrder[i];
      if (f === undefined || f.queued === 0) continue;
      for (const p of PRIORITIES) {
        const q = f.queues[p];
        for (let job = q.shift(); job !== undefined; job = q.shift()) {
          f.queued--;
          this.queuedTotal--;
          if (job.ignore) {
            // Abandoned or cancelled while queued: dropped here, as gearmand's grab does.
            this.#remove(job);
            continue;
          }
          job.worker = conn;
          conn.workerJobs.add(job);
          f.running++;
          this.runningTotal++;
          return job;
        }
      }
    }
    return undefined;
  }

  /** PRE_SLEEP: an immediate NOOP when work is already queued, else sleep (docs/contract.md "NOOP wakes every sleeping worker"). */
  preSleep(conn: ServerConn): void {
    for (const f of conn.registrations.keys()) {
      if (f.queued > 0) {
        conn.send(NOOP);
        return;
      }
    }
    conn.sleeping = true;
  }

  /**
   * A WORK_* packet; false when this connection does not own the job (the caller answers
   * ERROR JOB_NOT_FOUND, docs/contract.md "Only the owning connection may report").
   */
  work(conn: ServerConn, type: WorkType, p: Packet): boolean {
    const args = p.args;
    const handle = argAt(p, 0).toString("utf8");
    const job = this.jobs.get(handle);
    if (!job || job.worker !== conn) return false;
    if (type === PacketType.WORK_STATUS) {
      job.numerator = argAt(p, 1).toString("latin1");
      job.denominator = argAt(p, 2).toString("latin1");
    }
    if (job.clients.size > 0) {
      if (type === PacketType.WORK_EXCEPTION) {
        // Only clients with OPTION_REQ exceptions get WORK_EXCEPTION; the rest get WORK_FAIL,
        // whose body gearmand ends with a NUL (docs/contract.md "WORK_EXCEPTION reaches Zuul as WORK_FAIL").
        let exc: Buffer | undefined;
        let fail: Buffer | undefined;
        for (const c of job.clients) {
          if (c.exceptions) c.send((exc ??= encode("RES", type, args)));
          else c.send((fail ??= encode("RES", PacketType.WORK_FAIL, [`${handle}\0`])));
        }
      } else {
        const out = encode("RES", type, args);
        for (const c of job.clients) c.send(out);
      }
    }
    if (type === PacketType.WORK_COMPLETE || type === PacketType.WORK_FAIL || type === PacketType.WORK_EXCEPTION) {
      this.#stopRunning(job);
      this.#remove(job);
    }
    return true;
  }

  // ---- connection loss ----------------------------------------------------------------

  /** A connection closed: requeue its running jobs, detach it as client and worker. */
  disconnected(conn: ServerConn): void {
    for (const f of conn.registrations.keys()) this.#unregister(conn, f);
    conn.grabOrder.length = 0;
    // gearmand requeues newest first, so the order of several jobs reverses (docs/contract.md "Several jobs on one connection").
    for (const job of [...conn.workerJobs].reverse()) this.#requeue(job);
    for (const job of conn.clientJobs) {
      job.clients.delete(conn);
      // A queued foreground job with no client left is flagged and dropped lazily; a running
      // one keeps running and its results are dropped, as gearmand does.
      if (job.clients.size === 0 && !job.background && job.worker === undefined) this.#ignore(job);
    }
    conn.clientJobs.clear();
  }

  /** Back to the tail of its queue: retries++, status reset, clients not told (docs/contract.md "gearmand requeues a job whose connection drops"). */
  #requeue(job: Job): void {
    this.#stopRunning(job);
    job.retries++;
    job.numerator = "0";
    job.denominator = "0";
    if (job.ignore || (!job.background && job.clients.size === 0)) {
      this.#remove(job);
      return;
    }
    this.#enqueue(job);
  }

  #stopRunning(job: Job): void {
    const w = job.worker;
    if (!w) return;
    w.workerJobs.delete(job);
    job.worker = undefined;
    job.fn.running--;
    this.runningTotal--;
  }

  #enqueue(job: Job): void {
    const f = job.fn;
    f.queues[job.priority].push(job);
    f.queued++;
    this.queuedTotal++;
    // NOOP to every sleeping worker of the function, at most one per grab (docs/contract.md "NOOP wakes every sleeping worker").
    for (const c of f.workers.keys()) {
      if (c.sleeping && !c.noopSent) {
        c.noopSent = true;
        c.send(NOOP);
      }
    }
  }

  #remove(job: Job): void {
    this.jobs.delete(job.handle);
    if (job.key !== undefined && job.fn.uniques.get(job.key) === job) job.fn.uniques.delete(job.key);
    for (const c of job.clients) c.clientJobs.delete(job);
    job.clients.clear();
  }
}
