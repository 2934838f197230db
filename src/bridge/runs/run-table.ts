/**
 * The runs in flight, indexed by Gearman unique id, queue id and build URL, and their records
 * in the state file. Every phase change goes through `move()`, which keeps the indexes and the
 * record in step: a record is written before the trigger (so a crash after it is looked up
 * rather than triggered again), when the queue id is known, and when the build started.
 */
import type { Logger } from "pino";

import type { BuildRun, RunPhase } from "./run.js";
import type { InFlightRecord, StateStore } from "./state-file.js";

export class RunTable {
  readonly #store: StateStore;
  readonly #log: Logger;
  readonly #runs = new Map<string, BuildRun>();
  readonly #byQueue = new Map<number, BuildRun>();
  readonly #byUrl = new Map<string, BuildRun>();
  /** The keys each run is indexed under, so a phase change never leaves a stale entry. */
  readonly #keys = new Map<BuildRun, { queueId: number | null; url: string | null }>();

  constructor(store: StateStore, log: Logger) {
    this.#store = store;
    this.#log = log;
  }

  get size(): number {
    return this.#runs.size;
  }

  all(): BuildRun[] {
    return [...this.#runs.values()];
  }

  get(unique: string): BuildRun | undefined {
    return this.#runs.get(unique);
  }

  byQueue(id: number): BuildRun | undefined {
    return this.#byQueue.get(id);
  }

  byUrl(url: string): BuildRun | undefined {
    return this.#byUrl.get(url);
  }

  /** The record a restarted sidecar finds for a unique id. */
  record(unique: string): InFlightRecord | undefined {
    return this.#store.get(unique);
  }

  records(): InFlightRecord[] {
    return this.#store.all();
  }

  add(run: BuildRun): void {
    this.#runs.set(run.unique, run);
    this.#index(run);
  }

  /** Changes the run's phase; resolves once its record is on disk when the phase is one a restart must know. */
  async move(run: BuildRun, phase: RunPhase): Promise<void> {
    this.#unindex(run);
    run.phase = phase;
    if (this.#runs.get(run.unique) === run) this.#index(run);
    const rec = toRecord(run);
    if (rec !== null) await this.#store.put(rec).catch((e: unknown) => this.#log.error({ err: e }, "state file write failed"));
  }

  /** The run is reported (or handed back): out of the table; `forget` drops its record too (else it stays for adoption). */
  remove(run: BuildRun, forget: boolean): void {
    if (this.#runs.get(run.unique) === run) this.#runs.delete(run.unique);
    this.#unindex(run);
    if (forget) this.forget(run.unique);
  }

  /** Drops a record (written in the background). */
  forget(unique: string): void {
    this.#store.delete(unique).catch((e: unknown) => this.#log.error({ err: e }, "state file write failed"));
  }

  #index(run: BuildRun): void {
    const queueId = run.queueId;
    const url = run.build?.url ?? null;
    if (queueId !== null) this.#byQueue.set(queueId, run);
    if (url !== null) this.#byUrl.set(url, run);
    this.#keys.set(run, { queueId, url });
  }

  #unindex(run: BuildRun): void {
    const k = this.#keys.get(run);
    if (k === undefined) return;
    this.#keys.delete(run);
    if (k.queueId !== null && this.#byQueue.get(k.queueId) === run) this.#byQueue.delete(k.queueId);
    if (k.url !== null && this.#byUrl.get(k.url) === run) this.#byUrl.delete(k.url);
  }
}

function toRecord(run: BuildRun): InFlightRecord | null {
  const p = run.phase;
  const base = { unique: run.unique, uuid: run.uuid, fn: run.fn, job: run.job, grabbedAt: run.grabbedAt };
  switch (p.kind) {
    case "triggering":
    case "uncertain":
      return { ...base, node: p.node, phase: "triggering", queueId: null, buildUrl: null, number: null };
    case "queued":
      return { ...base, node: p.node, phase: "queued", queueId: p.queueId, buildUrl: null, number: null };
    case "running":
      return { ...base, node: p.node, phase: "running", queueId: p.queueId, buildUrl: p.build.url, number: p.build.number };
    default:
      return null;
  }
}
