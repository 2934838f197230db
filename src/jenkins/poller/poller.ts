/**
 * Turns Jenkins into changes and build events, asking the master only for what changed
 * (docs/architecture.md "Polling", docs/master-cost.md). Every build on the master, whoever
 * started it, is reported started and finished, once each, also across a restart (ledger.ts).
 *
 * Each cycle (every `intervalMs`): the queue (O(queued items)) and the two executor counts of
 * ComputerSet. A queue item that left is looked up once (a start); counts that fall say some
 * builds ended, and the likeliest ones are read until the fall is explained; counts that rise
 * or change otherwise, and every `nodesRefreshMs`, bring the full node listing. Jobs: a
 * names-only listing every `jobsRefreshMs`, the details listing every `jobDetailsRefreshMs`
 * (with nextBuildNumber, the safety net for builds that came and went unseen). No request
 * lists a build field of every job. The executor picture is kept true in reconcile.ts.
 */
import type { Logger } from "pino";
import pino from "pino";

import { BoundedSet, coerceError, TypedEmitter } from "../../util/index.js";
import type { JobDetails, JobInfo, NodeInfo, QueueItem, ReportedBuild } from "../types.js";
import { BuildTracker } from "./build-tracker.js";
import { buildRefFromUrl } from "./diff.js";
import { ExecutorModel } from "./executor-model.js";
import { JobWatch } from "./job-watch.js";
import { LabelWatch } from "./label-watch.js";
import { BuildLedger } from "./ledger.js";
import { QueueFollow, type QueueStart } from "./queue-follow.js";
import { checkFlyweights, fullListing, reconcile, type PictureDeps } from "./reconcile.js";
import { POLLER_DEFAULTS, type PollerClient, type PollerEvents, type PollerOptions, type PollerSettings } from "./types.js";

export type { BuildEventMeta, PollerClient, PollerEvents, PollerOptions } from "./types.js";
export { rankEndCandidates } from "./reconcile.js";

export class JenkinsPoller extends TypedEmitter<PollerEvents> {
  readonly #client: PollerClient;
  readonly #s: PollerSettings;
  readonly #log: Logger;
  readonly #ledger: BuildLedger;
  readonly #model = new ExecutorModel();
  readonly #jobs: JobWatch;
  readonly #tracker: BuildTracker;
  readonly #queue: QueueFollow;
  /** Queue ids of builds reported started (an item gone from the queue with one of them started). */
  readonly #queueIds = new BoundedSet<number>(20_000);
  readonly #wanted = new Map<string, string>();
  /** What reconcile.ts needs of the poller's parts. */
  readonly #picture: PictureDeps;
  #lastNames = 0;
  #lastDetails = 0;
  #lastNodes = 0;
  #forceNodes = false;
  #healthy = false;
  #healthKnown = false;
  #overdue = false;
  #lastSuccessAt: number | null = null;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #inflight: Promise<void> | null = null;
  readonly #onOverdue = (e: { overdue: boolean; request: { method: string; url: string; waitingMs: number } | null }): void => {
    this.#overdue = e.overdue;
    if (e.overdue) {
      const r = e.request;
      this.#setHealth(false, new Error(`Jenkins has not answered ${r ? `${r.method} ${r.url} for ${r.waitingMs} ms` : "a request"}: it looks hung`), true);
    }
  };

  constructor(client: PollerClient, o: PollerOptions = {}) {
    super();
    this.#client = client;
    this.#s = { ...POLLER_DEFAULTS, ...definedOnly(o) };
    this.#log = o.logger ?? pino({ level: "silent" });
    this.#ledger = o.ledger ?? BuildLedger.memory();
    const error = (e: Error): void => {
      this.#log.warn({ err: e }, "a Jenkins read failed; it is tried again next cycle");
      this.safeEmit("error", e);
    };
    this.#tracker = new BuildTracker({
      client,
      ledger: this.#ledger,
      model: this.#model,
      isPipeline: (job) => this.#jobs.isPipeline(job),
      started: (b, meta) => {
        if (b.queueId !== null) this.#queueIds.add(b.queueId);
        this.safeEmit("buildStarted", b, meta);
      },
      finished: (b, meta) => this.safeEmit("buildFinished", b, meta),
      gone: (b) => this.safeEmit("buildGone", b),
      error,
      logger: this.#log,
      concurrency: this.#s.concurrency,
      maxMissedPerJob: this.#s.maxMissedPerJob,
    });
    this.#jobs = new JobWatch({
      client,
      ledger: this.#ledger,
      catchUp: (jobs) => this.#tracker.catchUp(jobs),
      changed: (d) => {
        for (const name of d.removed) for (const t of [...this.#tracker.tracked()]) if (t.ref.jobFullName === name) this.#tracker.drop(t.ref.key);
        this.safeEmit("jobs", d);
      },
      error,
      logger: this.#log,
      concurrency: this.#s.concurrency,
      maxMissedPerJob: this.#s.maxMissedPerJob,
      maxJobReadsPerRefresh: this.#s.maxJobReadsPerRefresh,
      detailsTtlMs: this.#s.jobDetailsTtlMs,
      now: () => Date.now(),
    });
    this.#picture = {
      client,
      model: this.#model,
      tracker: this.#tracker,
      unplaced: () => this.#queue.unplaced,
      listNodes: async () => {
        const nodes = await client.listNodes();
        this.#lastNodes = Date.now();
        this.#forceNodes = false;
        return nodes;
      },
      emitNodes: () => this.#emitNodes(),
      fullListing: () => fullListing(this.#picture),
      followedCount: () => this.#queue.followedCount,
      lookUpFollowed: async () => this.#started(await this.#queue.lookUpFollowed()),
      log: this.#log,
      owed: { since: null, graceMs: this.#s.owedGraceMs ?? 3 * this.#s.intervalMs },
      labels: new LabelWatch({ client, model: this.#model, logger: this.#log, concurrency: this.#s.concurrency, maxPerCycle: this.#s.maxLabelReadsPerCycle }),
    };
    this.#queue = new QueueFollow({
      client,
      knownQueueId: (id) => this.#queueIds.has(id),
      isPipeline: (job) => this.#jobs.isPipeline(job),
      changed: (item) => this.safeEmit("queueItem", item),
      gone: (id, job) => this.safeEmit("queueItemGone", { id, job }),
      error,
      logger: this.#log,
      concurrency: this.#s.concurrency,
      lookupBudgetMs: this.#s.intervalMs / 2,
    });
  }

  get jobs(): ReadonlyMap<string, JobInfo> {
    return this.#jobs.jobs;
  }

  get nodes(): ReadonlyMap<string, NodeInfo> {
    return this.#model.nodes;
  }

  /** The live queue items of the last snapshot, by id. */
  get queue(): ReadonlyMap<number, QueueItem> {
    return this.#queue.snapshot;
  }

  /** Builds reported started and not yet finished. */
  get runningBuilds(): ReportedBuild[] {
    return [...this.#tracker.tracked()].map((t) => t.info);
  }

  get healthy(): boolean {
    return this.#healthy;
  }

  get lastSuccessAt(): number | null {
    return this.#lastSuccessAt;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#client.on("overdue", this.#onOverdue);
    this.#schedule(0);
  }

  /** Stops the timer and waits for the cycle in flight (bounded by the client's timeouts); writes the ledger out. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#client.off("overdue", this.#onOverdue);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inflight;
    await this.#ledger.flush();
  }

  /** Runs one cycle now (or joins the one in flight). Never rejects: failures go to `error` and `health`. */
  pollOnce(): Promise<void> {
    this.#inflight ??= this.#cycle().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  /**
   * Follow a queue item the caller triggered: its changes are emitted, its build reported even
   * if it comes and goes between polls. `node`: where the caller pinned it (Jenkins names no
   * node for a Pipeline run).
   */
  follow(queueId: number, jobFullName: string, node?: string): void {
    this.#queue.follow(queueId, jobFullName);
    if (node !== undefined) this.#tracker.hintQueue(queueId, node);
  }

  unfollow(queueId: number): void {
    this.#queue.unfollow(queueId);
  }

  /** Report this build (again) on the next cycle, started and, when done, finished: for a caller adopting it after a restart. */
  track(url: string, node?: string): void {
    this.#wanted.set(url, node ?? "");
    if (node !== undefined) this.#tracker.hint(url, node);
  }

  /** A build the caller pinned to `node` (used when Jenkins does not say where it ran: Pipeline runs). */
  hint(url: string, node: string): void {
    this.#tracker.hint(url, node);
  }

  /** A job's parameter definitions, read again when older than `maxAgeMs` (the details TTL by default). */
  async jobDetails(fullName: string, maxAgeMs?: number): Promise<JobDetails | null> {
    const d = await this.#jobs.details(fullName, maxAgeMs);
    // The build the caller is about to start ranks on its job's estimate (reconcile.ts).
    if (d !== null) this.#tracker.noteEstimate(d.fullName, d.estimatedDuration);
    return d;
  }

  /** Ask for the full node listing on the next cycle (a caller saw the picture disagree with Jenkins). */
  refreshNodes(): void {
    this.#forceNodes = true;
  }

  /** The caller took the node offline (OFFLINE_NODE_WHEN_COMPLETE): the picture says so now, not at the next listing. */
  markOffline(node: string, reason: string): void {
    this.#model.markOffline(node, reason);
    this.#emitNodes();
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const t0 = Date.now();
      this.pollOnce()
        .catch((e: unknown) => this.#log.error({ err: e }, "poll cycle failed unexpectedly"))
        .finally(() => this.#schedule(Math.max(0, this.#s.intervalMs - (Date.now() - t0))));
    }, ms);
  }

  async #cycle(): Promise<void> {
    const t0 = performance.now();
    const r0 = this.#client.requestCount;
    try {
      const now = Date.now();
      let listedNodes = false;
      if (!this.#jobs.loaded) {
        // Start-up: jobs first (registration can begin), then every node, then what the
        // ledger says was running when the last process stopped.
        await this.#jobs.refreshDetails();
        this.#lastDetails = this.#lastNames = now;
        await fullListing(this.#picture);
        this.#tracker.endFirstListing();
        await this.#tracker.reopen();
        listedNodes = true;
      }
      await this.#started(await this.#queue.cycle());
      await this.#wantedBuilds();
      if (this.#model.stale) this.#log.debug({ why: this.#model.staleWhy }, "the picture is stale: listing every node");
      this.#picture.labels.follow(this.#jobs.jobs);
      if (!listedNodes) await reconcile(this.#picture, this.#forceNodes || this.#model.stale || now - this.#lastNodes >= this.#s.nodesRefreshMs);
      if (this.#tracker.pipelines > 0) await checkFlyweights(this.#picture);
      if (now - this.#lastDetails >= this.#s.jobDetailsRefreshMs) {
        this.#lastDetails = this.#lastNames = now;
        await this.#jobs.refreshDetails();
      } else if (now - this.#lastNames >= this.#s.jobsRefreshMs) {
        this.#lastNames = now;
        await this.#jobs.refreshNames();
      }
      this.#lastSuccessAt = Date.now();
      if (!this.#client.overdue) this.#setHealth(true);
    } catch (e) {
      const err = coerceError(e);
      this.#log.warn({ err }, "Jenkins poll failed; keeping the last state, retrying next cycle");
      this.safeEmit("error", err);
      this.#setHealth(false, err, this.#overdue);
    }
    this.#emitNodes();
    this.safeEmit("cycle", { ms: Math.round(performance.now() - t0), requests: this.#client.requestCount - r0 });
  }

  /** Builds that started from queue items: ours pinned ones from the item alone, the others read. */
  async #started(starts: readonly QueueStart[]): Promise<void> {
    const ours = starts.filter((s) => s.ours && (s.item === null || !this.#tracker.startFromItem(s.ref, s.item)));
    await this.#tracker.want(ours.map((s) => s.ref));
    await this.#tracker.learn(starts.filter((s) => !s.ours).map((s) => s.ref));
  }

  #emitNodes(): void {
    const d = this.#model.takeChanges();
    if (d !== null) this.safeEmit("nodes", { all: [...this.#model.nodes.values()], ...d });
  }

  async #wantedBuilds(): Promise<void> {
    if (this.#wanted.size === 0) return;
    const refs = [...this.#wanted.keys()].flatMap((url) => {
      const ref = buildRefFromUrl(url);
      return ref === null ? [] : [ref];
    });
    this.#wanted.clear();
    await this.#tracker.want(refs);
  }

  #setHealth(healthy: boolean, error?: Error, overdue = false): void {
    if (this.#healthKnown && healthy === this.#healthy) return;
    this.#healthKnown = true;
    this.#healthy = healthy;
    this.safeEmit("health", error === undefined ? { healthy, overdue } : { healthy, error, overdue });
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#log.error({ event, err: coerceError(error) }, "poller listener threw; ignored");
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
