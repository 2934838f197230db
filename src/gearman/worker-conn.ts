/**
 * One server connection of a GearmanWorker and what gearmand holds for it: the functions
 * registered there, the jobs it runs, its grab state. Registrations change by diff, and a
 * function with a job running on this connection keeps its registration until the job ends
 * (docs/contract.md "Packets", "CANT_DO and RESET_ABILITIES requeue a running job").
 */
import type { ConnectionStatus, GearmanConnection } from "./connection.js";
import { PacketType } from "./constants.js";
import type { WorkerJob } from "./job.js";

/** Registration packets sent, counted into the worker's stats. */
export interface RegistrationCounts {
  canDoSent: number;
  cantDoSent: number;
  resetSent: number;
}

export class WorkerConn {
  readonly conn: GearmanConnection;
  readonly server: string;
  status: ConnectionStatus = "disconnected";
  everConnected = false;
  /** What gearmand has registered for this connection. */
  readonly registered = new Set<string>();
  readonly jobs = new Map<string, WorkerJob>();
  readonly #runningByFn = new Map<string, number>();
  /** A GRAB_JOB_UNIQ is outstanding. */
  grabbing = false;
  /** PRE_SLEEP sent and no NOOP since: do not grab until woken. */
  sleeping = false;
  readonly #counts: RegistrationCounts;

  constructor(conn: GearmanConnection, counts: RegistrationCounts) {
    this.conn = conn;
    this.server = conn.address;
    this.#counts = counts;
  }

  /** Fresh connection: gearmand knows nothing of us. */
  register(clientId: string, functions: ReadonlySet<string>): void {
    this.registered.clear();
    this.grabbing = false;
    this.sleeping = false;
    this.conn.send(PacketType.SET_CLIENT_ID, [clientId]);
    // Harmless on a fresh connection; keeps the connection's state known even if a server
    // kept state across a half-open reconnect.
    this.conn.send(PacketType.RESET_ABILITIES);
    this.#counts.resetSent++;
    for (const f of functions) {
      this.conn.send(PacketType.CAN_DO, [f]);
      this.registered.add(f);
      this.#counts.canDoSent++;
    }
  }

  /** The connection is gone: its jobs are requeued by gearmand (marked lost here), our view of it resets. */
  drop(): void {
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    this.#runningByFn.clear();
    this.registered.clear();
    this.grabbing = false;
    this.sleeping = false;
    for (const j of jobs) j.markLost();
  }

  /** Brings the registrations to the desired set, by diff. `only` limits the check to one name. */
  sync(want: ReadonlySet<string>, only?: string): void {
    if (!this.conn.connected) return;
    if (want.size === 0 && this.jobs.size === 0 && this.registered.size > 0) {
      this.conn.send(PacketType.RESET_ABILITIES);
      this.#counts.resetSent++;
      this.registered.clear();
      return;
    }
    let added = false;
    if (only === undefined) {
      for (const f of want) {
        if (this.registered.has(f)) continue;
        this.conn.send(PacketType.CAN_DO, [f]);
        this.registered.add(f);
        this.#counts.canDoSent++;
        added = true;
      }
    }
    const candidates = only === undefined ? [...this.registered] : this.registered.has(only) ? [only] : [];
    for (const f of candidates) {
      if (want.has(f) || (this.#runningByFn.get(f) ?? 0) > 0) continue;
      this.conn.send(PacketType.CANT_DO, [f]);
      this.registered.delete(f);
      this.#counts.cantDoSent++;
    }
    // gearmand does not wake a sleeping worker for a function registered after PRE_SLEEP.
    if (added) this.sleeping = false;
  }

  /** A job was assigned on this connection. */
  started(job: WorkerJob): void {
    this.jobs.set(job.handle, job);
    this.#runningByFn.set(job.functionName, (this.#runningByFn.get(job.functionName) ?? 0) + 1);
  }

  /** A job of this connection ended (complete or fail); false if it was not (or no longer) ours. */
  ended(job: WorkerJob): boolean {
    if (this.jobs.get(job.handle) !== job) return false;
    this.jobs.delete(job.handle);
    const left = (this.#runningByFn.get(job.functionName) ?? 1) - 1;
    if (left > 0) this.#runningByFn.set(job.functionName, left);
    else this.#runningByFn.delete(job.functionName);
    return true;
  }
}
