/**
 * State records that no job in flight owns (their Gearman job went away: a gearmand restart
 * loses every foreign job, or another sidecar took it). They stay for adoption, listed as
 * orphaned after a while, and are dropped after `ttlMs` unowned (counted from when they became
 * unowned, or from start for records restored from the file, never from the grab).
 */
import type { Logger } from "pino";

import type { RunTable } from "./run-table.js";
import type { InFlightRecord } from "./state-file.js";

export interface Orphan {
  unique: string;
  job: string;
  number: number | null;
  phase: InFlightRecord["phase"];
  queueId: number | null;
  buildUrl: string | null;
  unownedMs: number;
}

/**
 * Is the orphan's build still on the master, by the poll picture: a build on an executor, or
 * an item in the queue; one with neither (it finished, or its trigger never took effect)
 * counts only while its job may still come back (`windowMs`).
 */
export function stillOnMaster(o: Orphan, picture: { running: ReadonlySet<string>; queued: (id: number) => boolean }, windowMs: number): boolean {
  if (o.buildUrl !== null && picture.running.has(o.buildUrl)) return true;
  if (o.queueId !== null && picture.queued(o.queueId)) return true;
  return o.buildUrl === null && o.unownedMs < windowMs;
}

export class Orphans {
  readonly #runs: RunTable;
  readonly #log: Logger;
  readonly #unownedSince = new Map<string, number>();

  constructor(runs: RunTable, log: Logger) {
    this.#runs = runs;
    this.#log = log;
  }

  /** Records restored from the file count as unowned from now. */
  restored(now: number): void {
    for (const r of this.#runs.records()) this.#unownedSince.set(r.unique, now);
  }

  /** Unowned records, unowned for at least `minAgeMs`. */
  list(now: number, minAgeMs: number): Orphan[] {
    const out: Orphan[] = [];
    const present = new Set<string>();
    for (const r of this.#runs.records()) {
      present.add(r.unique);
      if (this.#runs.get(r.unique) !== undefined) {
        this.#unownedSince.delete(r.unique);
        continue;
      }
      let since = this.#unownedSince.get(r.unique);
      if (since === undefined) this.#unownedSince.set(r.unique, (since = now));
      if (now - since >= minAgeMs) out.push({ unique: r.unique, job: r.job, number: r.number, phase: r.phase, queueId: r.queueId, buildUrl: r.buildUrl, unownedMs: now - since });
    }
    for (const u of [...this.#unownedSince.keys()]) if (!present.has(u)) this.#unownedSince.delete(u);
    return out;
  }

  /** Drops records unowned for longer than `ttlMs`; returns their unique ids. */
  sweep(now: number, ttlMs: number): string[] {
    const dropped: string[] = [];
    for (const o of this.list(now, ttlMs)) {
      this.#log.warn({ job: o.job, number: o.number, unique: o.unique }, "dropping a build kept for adoption: its Gearman job never came back");
      this.#runs.forget(o.unique);
      dropped.push(o.unique);
    }
    return dropped;
  }
}
