/**
 * The poller's list of jobs (docs/master-cost.md): a names-only listing to see new and deleted
 * jobs, a details listing (labels, disabled flags, nextBuildNumber) on a slower cadence, one
 * GET per job that is new, and a job's parameter definitions read when the sidecar is about to
 * run it, kept for a while.
 */
import type { Logger } from "pino";
import PQueue from "p-queue";

import { coerceError } from "../../util/index.js";
import type { JobDetails, JobInfo } from "../types.js";
import { sameJob, type JobsDiff } from "./diff.js";
import type { BuildLedger } from "./ledger.js";
import type { PollerClient } from "./types.js";

export interface JobWatchDeps {
  client: Pick<PollerClient, "listJobs" | "getJob">;
  ledger: BuildLedger;
  /** Jobs whose last build number is known: the tracker reads the builds nobody saw. */
  catchUp(jobs: { job: string; last: number }[]): Promise<void>;
  changed(d: JobsDiff): void;
  error(e: Error): void;
  logger: Logger;
  concurrency: number;
  maxMissedPerJob: number;
  maxJobReadsPerRefresh: number;
  detailsTtlMs: number;
  now(): number;
}

export class JobWatch {
  readonly #d: JobWatchDeps;
  #jobs = new Map<string, JobInfo>();
  readonly #details = new Map<string, { d: JobDetails; at: number }>();
  #loaded = false;

  constructor(d: JobWatchDeps) {
    this.#d = d;
  }

  get jobs(): ReadonlyMap<string, JobInfo> {
    return this.#jobs;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  isPipeline(job: string): boolean {
    return this.#jobs.get(job)?.isPipeline ?? false;
  }

  /** Every job with its registration fields and nextBuildNumber; the safety net runs on it. */
  async refreshDetails(): Promise<void> {
    const list = await this.#d.client.listJobs("details");
    const first = !this.#loaded;
    const d = this.#apply(list, true);
    const ledger = this.#d.ledger;
    const owedFrom = ledger.initialized;
    for (const j of list) {
      // On a first-ever start nothing before now is owed; a job new since then owes its builds.
      if (!ledger.knows(j.fullName)) ledger.baseline(j.fullName, owedFrom ? 0 : Math.max(0, (j.nextBuildNumber ?? 1) - 1));
    }
    for (const name of d.removed) ledger.forget(name);
    ledger.markInitialized();
    if (first || d.added.length + d.changed.length + d.removed.length > 0) this.#d.changed(d);
    await this.#d.catchUp(list.flatMap((j) => (j.nextBuildNumber !== null ? [{ job: j.fullName, last: j.nextBuildNumber - 1 }] : [])));
  }

  /** New and deleted jobs; a new job is read on its own (or, when there are many, the details listing is). */
  async refreshNames(): Promise<void> {
    const list = await this.#d.client.listJobs("names");
    const names = new Set(list.map((j) => j.fullName));
    const added = list.filter((j) => !this.#jobs.has(j.fullName));
    const removed = [...this.#jobs.keys()].filter((n) => !names.has(n));
    if (added.length === 0 && removed.length === 0) return;
    if (added.length > this.#d.maxJobReadsPerRefresh) {
      await this.refreshDetails();
      return;
    }
    const q = new PQueue({ concurrency: this.#d.concurrency });
    // A job that fails to read is not added: the next listing finds it new again.
    const read = await q.addAll(added.map((j) => () => this.#read(j.fullName).catch((e: unknown) => (this.#d.error(coerceError(e)), null))));
    const fresh = read.filter((j): j is JobDetails => j !== null);
    const next = new Map(this.#jobs);
    for (const name of removed) next.delete(name);
    for (const j of fresh) next.set(j.fullName, toJobInfo(j));
    this.#jobs = next;
    for (const name of removed) {
      this.#d.ledger.forget(name);
      this.#details.delete(name);
    }
    for (const j of fresh) this.#d.ledger.baseline(j.fullName, 0);
    this.#d.changed({ added: fresh.map(toJobInfo), changed: [], removed });
    await this.#d.catchUp(fresh.flatMap((j) => (j.nextBuildNumber !== null ? [{ job: j.fullName, last: j.nextBuildNumber - 1 }] : [])));
  }

  /**
   * A job with its parameter definitions, as recent as `maxAgeMs` (the details TTL by default);
   * a changed label or disabled flag seen here is applied at once. null when Jenkins has no such job.
   */
  async details(fullName: string, maxAgeMs = this.#d.detailsTtlMs): Promise<JobDetails | null> {
    const hit = this.#details.get(fullName);
    if (hit !== undefined && this.#d.now() - hit.at <= maxAgeMs) return hit.d;
    const d = await this.#read(fullName);
    const old = this.#jobs.get(fullName);
    if (d === null) {
      if (old !== undefined) {
        this.#jobs = new Map([...this.#jobs].filter(([k]) => k !== fullName));
        this.#d.changed({ added: [], changed: [], removed: [fullName] });
      }
      return null;
    }
    const info = toJobInfo(d);
    if (old === undefined || !sameJob(old, info)) {
      this.#jobs = new Map(this.#jobs).set(fullName, info);
      this.#d.changed(old === undefined ? { added: [info], changed: [], removed: [] } : { added: [], changed: [info], removed: [] });
    }
    return d;
  }

  async #read(fullName: string): Promise<JobDetails | null> {
    const d = await this.#d.client.getJob(fullName);
    if (d === null) this.#details.delete(fullName);
    else this.#details.set(fullName, { d, at: this.#d.now() });
    return d;
  }

  /** Replaces the list; `full`: the listing has every field (else only names: known jobs keep theirs). */
  #apply(list: readonly JobInfo[], full: boolean): JobsDiff {
    const d: JobsDiff = { added: [], changed: [], removed: [] };
    const next = new Map<string, JobInfo>();
    for (const j of list) {
      const old = this.#jobs.get(j.fullName);
      if (old === undefined) d.added.push(j);
      else if (full && !sameJob(old, j)) d.changed.push(j);
      next.set(j.fullName, full || old === undefined ? j : old);
    }
    for (const name of this.#jobs.keys()) if (!next.has(name)) d.removed.push(name);
    for (const name of d.removed) this.#details.delete(name);
    this.#jobs = next;
    this.#loaded = true;
    return d;
  }
}

function toJobInfo(d: JobDetails): JobInfo {
  return {
    fullName: d.fullName,
    name: d.name,
    url: d.url,
    className: d.className,
    buildable: d.buildable,
    disabled: d.disabled,
    labelExpression: d.labelExpression,
    nextBuildNumber: d.nextBuildNumber,
    isPipeline: d.isPipeline,
  };
}
