/**
 * Every build on the master, from its start to its end, reported once each (and across a
 * restart through the ledger): the poller's queue follower and executor picture tell it which
 * builds started and which may have ended; it reads each such build once and says so.
 * The node of a build is resolved here, once, for every listener (ReportedBuild.node).
 */
import type { Logger } from "pino";
import PQueue from "p-queue";

import { BoundedMap, BoundedSet, coerceError } from "../../util/index.js";
import type { BuildInfo, QueueItem, ReportedBuild } from "../types.js";
import { buildKey, buildRefFromUrl, type BuildRef } from "./diff.js";
import type { ExecutorModel } from "./executor-model.js";
import type { BuildLedger } from "./ledger.js";
import type { BuildEventMeta, PollerClient } from "./types.js";

export interface Tracked {
  readonly ref: BuildRef;
  info: ReportedBuild;
  readonly pipeline: boolean;
  /** An earlier process already published this build's end (it is reported again only to the bridge). */
  readonly endPublished: boolean;
  /** Probes that found it still building after its executor looked free. */
  probes: number;
  /** When the last such probe read it (0: never). */
  probedAt: number;
}

export interface TrackerDeps {
  client: Pick<PollerClient, "getBuild" | "getBuildByUrl">;
  ledger: BuildLedger;
  model: ExecutorModel;
  isPipeline(job: string): boolean;
  started(b: ReportedBuild, meta: BuildEventMeta): void;
  finished(b: ReportedBuild, meta: BuildEventMeta): void;
  /** A running build answers 404: it was deleted before it finished (no end can be read). */
  gone(b: ReportedBuild): void;
  error(e: Error): void;
  logger: Logger;
  concurrency: number;
  maxMissedPerJob: number;
}

/** Finished build keys remembered, so a build is never reported twice by one process. */
const MEMORY = 20_000;

export class BuildTracker {
  readonly #d: TrackerDeps;
  readonly #tracked = new Map<string, Tracked>();
  readonly #done = new BoundedSet<string>(MEMORY);
  /** Node hints by URL, and by queue id until the URL is known: the node the caller pinned a build to. */
  readonly #hints = new Map<string, string>();
  readonly #queueHints = new BoundedMap<number, string>(MEMORY);
  /** Each job's estimated duration, from the last of its builds read (for ranking builds that may have ended). */
  readonly #estimates = new BoundedMap<string, number>(MEMORY);
  /** True while the first full listing of a first-ever start is reported: those builds' starts are owed. */
  #firstListing: boolean;

  constructor(d: TrackerDeps) {
    this.#d = d;
    this.#firstListing = !d.ledger.initialized;
  }

  get size(): number {
    return this.#tracked.size;
  }

  tracked(): IterableIterator<Tracked> {
    return this.#tracked.values();
  }

  has(key: string): boolean {
    return this.#tracked.has(key) || this.#done.has(key);
  }

  /** Pipeline runs being followed: their flyweights are checked every cycle. */
  get pipelines(): number {
    let n = 0;
    for (const t of this.#tracked.values()) if (t.pipeline) n++;
    return n;
  }

  /** The node a caller pinned a build to, used when Jenkins does not say (a Pipeline run). */
  hint(url: string, node: string): void {
    this.#hints.set(url, node);
  }

  /** The node a caller pinned the build of a queue item to. */
  hintQueue(queueId: number, node: string): void {
    this.#queueHints.set(queueId, node);
  }

  /** A job's estimated duration, learnt elsewhere (its details): builds that start from a queue item get it. */
  noteEstimate(job: string, estimatedDuration: number): void {
    if (estimatedDuration > 0) this.#estimates.set(job, estimatedDuration);
  }

  /** The first full listing of a first-ever start has been reported. */
  endFirstListing(): void {
    this.#firstListing = false;
  }

  /** Builds known to have started and not reported yet: read each, and report it. */
  async learn(refs: readonly BuildRef[]): Promise<void> {
    const todo = refs.filter((r) => !this.has(r.key));
    const got = await this.#each(todo, (r) => this.#d.client.getBuildByUrl(r.url));
    todo.forEach((r, i) => {
      const b = got[i];
      if (b === null) {
        this.#d.logger.warn({ build: r.url }, "a build that started answers 404: deleted already; not reported");
        this.#d.ledger.settle(r.jobFullName, r.number);
      } else if (b !== undefined) this.report(b);
    });
  }

  /**
   * Builds a caller waits for (the sidecar's own, after a restart or a queue look-up): like
   * learn(), but a build this process already reported finished is read and reported once more,
   * both events marked published, so the caller hears its end without a second publication.
   */
  async want(refs: readonly BuildRef[]): Promise<void> {
    // Followed already: tell the caller again (it may have come after the first report).
    for (const r of refs) {
      const t = this.#tracked.get(r.key);
      if (t !== undefined) this.#d.started(t.info, { published: true });
    }
    const todo = refs.filter((r) => !this.#tracked.has(r.key));
    const got = await this.#each(todo, (r) => this.#d.client.getBuildByUrl(r.url));
    todo.forEach((r, i) => {
      const b = got[i];
      if (b === null || b === undefined) {
        if (b === null) this.#d.ledger.settle(r.jobFullName, r.number);
        return;
      }
      if (!this.#done.has(r.key) || !b.done) {
        this.#done.delete(r.key);
        this.report(b);
        return;
      }
      const info = this.#resolve(b, this.#d.isPipeline(r.jobFullName));
      this.#d.started(info, { published: true });
      this.#d.finished(info, { published: true });
    });
  }

  /**
   * A build of the caller's that started from a queue item it pinned to a node: reported from
   * the LeftItem alone (its URL, number and parameters; the node it was pinned to), without
   * reading the build, which the end reads anyway. false when that is not enough (no pin, a
   * Pipeline run, a build already followed): the caller reads it.
   */
  startFromItem(ref: BuildRef, item: QueueItem): boolean {
    const node = this.#queueHints.get(item.id);
    if (node === undefined || this.#d.isPipeline(ref.jobFullName) || this.#tracked.has(ref.key) || this.#done.has(ref.key)) return false;
    this.report({
      jobFullName: ref.jobFullName,
      number: ref.number,
      url: ref.url,
      building: true,
      result: null,
      duration: 0,
      estimatedDuration: this.#estimates.get(ref.jobFullName) ?? -1,
      timestamp: Date.now(),
      builtOn: node,
      queueId: item.id,
      description: null,
      parameters: item.params,
      done: false,
    });
    return true;
  }

  /** Reports a build read from Jenkins: started (once), and finished when it is done. */
  report(b: BuildInfo): void {
    const ref = buildRefFromUrl(b.url, b.number) ?? { key: buildKey(b.jobFullName, b.number), url: b.url, jobFullName: b.jobFullName, number: b.number };
    if (this.#done.has(ref.key)) return;
    let t = this.#tracked.get(ref.key);
    const l = this.#d.ledger;
    if (t === undefined) {
      const pipeline = this.#d.isPipeline(ref.jobFullName);
      const open = l.isOpen(ref.key);
      const settled = !this.#firstListing && !open && l.seen(ref.jobFullName, ref.number);
      t = { ref, info: this.#resolve(b, pipeline), pipeline, endPublished: settled, probes: 0, probedAt: 0 };
      this.#tracked.set(ref.key, t);
      const published = open || settled;
      if (!b.done && this.#d.model.holderOf(b.url) === null && t.info.node !== null) this.#d.model.place(b.url, b.number, t.info.node, pipeline);
      this.#d.started(t.info, { published });
      l.started(ref);
    } else {
      t.info = this.#resolve(b, t.pipeline, t.info.node);
    }
    if (b.done) this.#finish(t, b);
  }

  /**
   * Builds whose executor may be free: read each; report those done. Returns how many were done.
   * A build whose estimate is known is read for its state alone (what it started with stays).
   */
  async probe(list: readonly Tracked[]): Promise<number> {
    const got = await this.#each(list, async (t) => {
      if (t.info.estimatedDuration <= 0) return this.#d.client.getBuildByUrl(t.ref.url);
      const s = await this.#d.client.getBuildByUrl(t.ref.url, "state");
      return s === null ? null : { ...s, estimatedDuration: t.info.estimatedDuration, queueId: t.info.queueId, description: t.info.description, parameters: t.info.parameters };
    });
    let ended = 0;
    list.forEach((t, i) => {
      const b = got[i];
      if (b === undefined || !this.#tracked.has(t.ref.key)) return;
      if (b === null) {
        this.#d.logger.warn({ build: t.ref.url }, "a running build was deleted (404) before it finished; no end event can be published");
        this.#forget(t);
        this.#d.ledger.finished(t.ref);
        this.#d.gone(t.info);
        ended++;
      } else if (b.done) {
        this.#finish(t, b);
        ended++;
      } else {
        t.probes++;
        t.probedAt = Date.now();
        t.info = this.#resolve(b, t.pipeline, t.info.node);
      }
    });
    return ended;
  }

  /** The safety net: build numbers up to each job's last one that nobody reported. */
  async catchUp(jobs: readonly { job: string; last: number }[]): Promise<void> {
    const todo: { job: string; number: number }[] = [];
    for (const { job, last } of jobs) {
      for (const n of this.#d.ledger.missing(job, last, this.#d.maxMissedPerJob)) if (!this.has(buildKey(job, n))) todo.push({ job, number: n });
    }
    if (todo.length === 0) return;
    this.#d.logger.info({ builds: todo.length }, "reading builds that no poll saw (started and ended between polls, or while the sidecar was down)");
    const got = await this.#each(todo, (m) => this.#d.client.getBuild(m.job, m.number));
    todo.forEach((m, i) => {
      const b = got[i];
      if (b === null) this.#d.ledger.settle(m.job, m.number);
      else if (b !== undefined) this.report(b);
    });
  }

  /** Builds reported started by an earlier process and not seen on an executor now: they may have ended meanwhile. */
  async reopen(): Promise<void> {
    const refs = this.#d.ledger.openBuilds().filter((r) => !this.has(r.key) && this.#d.model.holderOf(r.url) === null);
    if (refs.length === 0) return;
    const got = await this.#each(refs, (r) => this.#d.client.getBuildByUrl(r.url));
    refs.forEach((r, i) => {
      const b = got[i];
      if (b === null) {
        this.#d.logger.warn({ build: r.url }, "a build reported started before a restart is gone (404); no end can be reported");
        this.#d.ledger.finished(r);
      } else if (b !== undefined) this.report(b);
    });
  }

  /** Stop following a build (its job was deleted). */
  drop(key: string): void {
    const t = this.#tracked.get(key);
    if (t) this.#forget(t);
  }

  #finish(t: Tracked, b: BuildInfo): void {
    t.info = this.#resolve(b, t.pipeline, t.info.node);
    this.#forget(t);
    this.#d.finished(t.info, { published: t.endPublished });
    this.#d.ledger.finished(t.ref);
  }

  #forget(t: Tracked): void {
    this.#tracked.delete(t.ref.key);
    this.#hints.delete(t.ref.url);
    this.#d.model.vacate(t.ref.url);
    this.#done.add(t.ref.key);
  }

  /**
   * `builtOn` when Jenkins gives it (freestyle); else the agent whose executor runs it (a Pipeline
   * `node {}` block), the node the caller pinned it to, or the node of its flyweight ("" for the
   * built-in node, where Pipeline runs hold one; Pipeline runs have no builtOn).
   */
  #resolve(b: BuildInfo, pipeline: boolean, known: string | null = null): ReportedBuild {
    if (b.estimatedDuration > 0) this.#estimates.set(b.jobFullName, b.estimatedDuration);
    if (b.queueId !== null) {
      const h = this.#queueHints.get(b.queueId);
      if (h !== undefined) {
        this.#queueHints.delete(b.queueId);
        this.#hints.set(b.url, h);
      }
    }
    const holder = this.#d.model.holderOf(b.url);
    const node = b.builtOn ?? (pipeline ? (this.#d.model.agentOf(b.url) ?? this.#hints.get(b.url) ?? known ?? holder ?? "") : (holder ?? known ?? this.#hints.get(b.url) ?? null));
    return { ...b, node };
  }

  async #each<T, R>(items: readonly T[], f: (t: T) => Promise<R>): Promise<(R | undefined)[]> {
    const q = new PQueue({ concurrency: this.#d.concurrency });
    return q.addAll(items.map((item) => async () => {
      try {
        return await f(item);
      } catch (e) {
        this.#d.error(coerceError(e));
        return undefined;
      }
    }));
  }
}
