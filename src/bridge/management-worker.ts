/**
 * The management worker's lifetime (docs/contract.md "The management functions"): one worker
 * for stop:MASTER and set_description:MASTER, whose functions are registered only while no
 * other worker holds the master name (name-guard.ts), and checked again every 30 s while one
 * does. Two sidecars that register at once both find the name free; 2 s later the one whose
 * client id sorts last withdraws.
 */
import type { Logger } from "pino";

import { setDescriptionFunction, stopFunction } from "./functions.js";
import { NameGuard, type NameConflict } from "./name-guard.js";
import type { GearmanAdminPort, WorkerFactory, WorkerJobPort, WorkerPort } from "./ports.js";
import type { ServerConnectionStatus } from "./status.js";

/** How often the master-name check runs while another worker holds the name. */
const NAME_RECHECK_MS = 30_000;

export interface ManagementWorkerOptions {
  masterName: string;
  /** Client id prefix: the id is `${prefix}_manager-XXXXXX`, random per process. */
  clientIdPrefix: string;
  createWorker: WorkerFactory;
  /** Jobs in parallel (stop / set_description). */
  capacity: number;
  admin: GearmanAdminPort | null;
  onJob(job: WorkerJobPort): void;
  logger: Logger;
  now(): number;
  /** Aborted when the bridge closes: the withdraw check does not run after it. */
  signal: AbortSignal;
}

export class ManagementWorker {
  readonly clientId: string;
  readonly #o: ManagementWorkerOptions;
  readonly #guard: NameGuard;
  #worker: WorkerPort | null = null;
  #registered = false;
  #checkedAt = 0;

  constructor(o: ManagementWorkerOptions) {
    this.#o = o;
    this.clientId = `${o.clientIdPrefix}_manager-${Math.random().toString(36).slice(2, 8)}`;
    this.#guard = new NameGuard({ admin: o.admin, master: o.masterName, ownClientId: this.clientId, logger: o.logger });
  }

  /** Other workers registering this master's functions. */
  get conflicts(): readonly NameConflict[] {
    return this.#guard.conflicts;
  }

  /** Opens the worker and registers the functions unless the name is taken. */
  async start(): Promise<void> {
    const w = this.#o.createWorker(this.clientId, { capacity: this.#o.capacity });
    w.on("job", (job) => this.#o.onJob(job));
    w.start();
    this.#worker = w;
    await this.#register();
  }

  /** Once per poll cycle: while another worker holds the name, check again every 30 s. */
  async onCycle(): Promise<void> {
    if (this.#guard.conflicts.length > 0 && this.#o.now() - this.#checkedAt >= NAME_RECHECK_MS) await this.#register();
  }

  serverStatus(): ServerConnectionStatus[] {
    return this.#worker?.serverStatus() ?? [];
  }

  async close(): Promise<void> {
    await this.#worker?.close();
  }

  /** Registers stop:/set_description: unless another worker holds the master name; checks once more after registering. */
  async #register(): Promise<void> {
    const w = this.#worker;
    if (w === null) return;
    this.#checkedAt = this.#o.now();
    const before = await this.#guard.check(false);
    if (before.length > 0) return;
    w.setFunctions([stopFunction(this.#o.masterName), setDescriptionFunction(this.#o.masterName)]);
    this.#registered = true;
    // Two sidecars starting at once both found the name free: the later client id withdraws.
    setTimeout(() => {
      if (this.#o.signal.aborted) return;
      this.#guard
        .check(true)
        .then((after) => {
          if (after.length > 0 && this.#registered) {
            w.setFunctions([]);
            this.#registered = false;
            this.#checkedAt = this.#o.now();
          }
        })
        .catch(() => undefined);
    }, 2000).unref();
  }
}
