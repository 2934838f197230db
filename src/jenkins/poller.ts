/**
 * Turns Jenkins snapshots into changes and build events (spec §2.9, contract §7): every build
 * on the master, whoever started it, is reported once started and once finished, in that order.
 *
 * One cycle: GET the queue, GET the computer tree (in that order, so a build whose item has left
 * the queue is already on an executor), and every `jobsEveryCycles` the job list. On top of that
 * at most one GET per started and one per finished build; re-checks of builds that left their
 * executor but still say `building` are capped per cycle. So the request count does not grow
 * with the number of jobs, nodes or running builds. Three ways to see a build:
 *  1. a new `currentExecutable` on an executor;
 *  2. a queue item that vanished while no build with its queue id was seen (a build shorter than
 *     one interval): GET /queue/item/<id> -> executable -> the build;
 *  3. the safety net: the job list's lastBuild numbers jumped past builds never reported.
 */
import type { Logger } from "pino";
import pino from "pino";
import { coerceError, TypedEmitter } from "../util/index.js";
import { buildKey, buildRefFromUrl, diffJobs, diffNodes, jobFullNameFromUrl, missedBuildNumbers, runningBuilds, type BuildRef } from "./diff.js";
import { mapLimit } from "./limit.js";
import type { PollerClient, PollerEvents, PollerOptions, Tracked } from "./poller-types.js";
import type { BuildInfo, JobInfo, NodeInfo, QueueItem } from "./types.js";

export type { PollerClient, PollerEvents, PollerOptions } from "./poller-types.js";

/** A LeftItem whose executable is still null is re-read this many cycles before it is given up. */
const MAX_LOOKUP_ATTEMPTS = 30;
/** Finished build keys and queue ids remembered (to never report twice). */
const MEMORY = 20_000;

export class JenkinsPoller extends TypedEmitter<PollerEvents> {
  readonly #client: PollerClient;
  readonly #intervalMs: number;
  readonly #jobsEvery: number;
  readonly #log: Logger;
  readonly #maxRechecks: number;
  readonly #maxLookups: number;
  readonly #maxMissed: number;
  readonly #concurrency: number;

  #jobs = new Map<string, JobInfo>();
  #jobsLoaded = false;
  #nodes = new Map<string, NodeInfo>();
  #queue = new Map<number, QueueItem>();
  readonly #tracked = new Map<string, Tracked>();
  readonly #finished = new Set<string>();
  readonly #queueIds = new Set<number>();
  readonly #lookups = new Map<number, { item: QueueItem; attempts: number }>();
  /**
   * Queue items a caller triggered and asked us to follow (watchQueueItem), by id, with the
   * number of the last queue GET started before the watch began (#queueFetches).
   */
  readonly #watched = new Map<number, { item: QueueItem; after: number }>();
  /** Queue GETs started so far. */
  #queueFetches = 0;
  readonly #lastBuild = new Map<string, number | null>();

  #cycleNo = 0;
  #healthy = false;
  #healthKnown = false;
  #lastSuccessAt: number | null = null;
  #running = false;
  #timer: NodeJS.Timeout | null = null;
  #inflight: Promise<void> | null = null;

  constructor(client: PollerClient, o: PollerOptions = {}) {
    super();
    this.#client = client;
    this.#intervalMs = o.intervalMs ?? 2000;
    this.#jobsEvery = Math.max(1, o.jobsEveryCycles ?? 5);
    this.#log = o.logger ?? pino({ level: "silent" });
    this.#maxRechecks = o.maxRechecksPerCycle ?? 20;
    this.#maxLookups = o.maxLookupsPerCycle ?? 50;
    this.#maxMissed = o.maxMissedPerJob ?? 20;
    this.#concurrency = o.concurrency ?? 8;
  }

  get jobs(): ReadonlyMap<string, JobInfo> {
    return this.#jobs;
  }

  get nodes(): ReadonlyMap<string, NodeInfo> {
    return this.#nodes;
  }

  /** The live queue items of the last snapshot, by id. */
  get queue(): ReadonlyMap<number, QueueItem> {
    return this.#queue;
  }

  /** Builds reported started and not yet finished. */
  get runningBuilds(): BuildInfo[] {
    return [...this.#tracked.values()].flatMap((t) => (t.started && t.info ? [t.info] : []));
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
    this.#schedule(0);
  }

  /** Stops the timer and waits for the cycle in flight (bounded by the client's timeouts). */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inflight;
  }

  /** Runs one cycle now (or joins the one in flight). Never rejects: failures go to `error` and `health`. */
  pollOnce(): Promise<void> {
    this.#inflight ??= this.#cycle().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  /** Fetches the job list, emits `jobs` on changes, and runs the safety net for unreported builds. */
  async refreshJobs(): Promise<void> {
    const list = await this.#client.listJobs();
    const d = diffJobs(this.#jobs, list);
    const first = !this.#jobsLoaded;
    this.#jobs = new Map(list.map((j) => [j.fullName, j]));
    this.#jobsLoaded = true;
    if (first || d.added.length + d.changed.length + d.removed.length > 0) this.safeEmit("jobs", d);
    const missed: { job: string; number: number }[] = [];
    for (const j of list) {
      // On the first load nothing is history we owe; a job created later owes its builds from #1.
      const prev = this.#lastBuild.has(j.fullName) ? this.#lastBuild.get(j.fullName) : first ? undefined : null;
      for (const n of missedBuildNumbers(prev, j.lastBuildNumber, this.#maxMissed)) {
        const key = buildKey(j.fullName, n);
        if (!this.#tracked.has(key) && !this.#finished.has(key)) missed.push({ job: j.fullName, number: n });
      }
      this.#lastBuild.set(j.fullName, j.lastBuildNumber);
    }
    for (const name of d.removed) this.#lastBuild.delete(name);
    const found = await mapLimit(missed, this.#concurrency, (m) => this.#guard(() => this.#client.getBuild(m.job, m.number)));
    for (const b of found) if (b) this.#adopt(b);
  }

  #schedule(ms: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      const t0 = Date.now();
      this.pollOnce()
        .catch((e: unknown) => this.#log.error({ err: e }, "poll cycle failed unexpectedly"))
        .finally(() => this.#schedule(Math.max(0, this.#intervalMs - (Date.now() - t0))));
    }, ms);
  }

  /**
   * Follows a queue item the caller just triggered, even if no poll ever sees it queued (with no
   * quiet period it can start and finish between two polls): its build is then reported, started
   * and finished, within a cycle or two rather than by the job-list safety net. One lookup request
   * for such a build, as for any item that left the queue unseen.
   */
  watchQueueItem(id: number, jobFullName: string, jobUrl: string): void {
    if (this.#queueIds.has(id) || this.#lookups.has(id) || this.#queue.has(id)) return;
    const item: QueueItem = {
      id,
      state: "buildable",
      why: null,
      stuck: false,
      cancelled: false,
      executable: null,
      jobName: jobFullName.split("/").pop() ?? jobFullName,
      jobUrl,
      params: {},
      inQueueSince: Date.now(),
    };
    this.#watched.set(id, { item, after: this.#queueFetches });
  }

  async #cycle(): Promise<void> {
    const t0 = performance.now();
    const r0 = this.#client.requestCount;
    try {
      const fetchNo = ++this.#queueFetches;
      const queue = await this.#client.listQueue();
      const nodes = await this.#client.listNodes();
      // Builds new on an executor are reported (buildStarted) before the node picture changes
      // (nodes): a listener counting free executors then already knows which busy executor runs
      // which of its builds, instead of counting a just-started build twice for a moment.
      const nodesChanged = this.#applyNodes(nodes);
      this.#markExecutors(runningBuilds(nodes));
      await this.#startNew();
      if (nodesChanged) this.safeEmit("nodes", nodesChanged);
      this.#applyQueue(queue, fetchNo);
      await this.#processLookups();
      await this.#checkFinished();
      if (this.#cycleNo % this.#jobsEvery === 0 || !this.#jobsLoaded) await this.refreshJobs();
      this.#cycleNo++;
      this.#lastSuccessAt = Date.now();
      this.#setHealth(true);
    } catch (e) {
      const err = coerceError(e);
      this.#log.warn({ err: err.message }, "Jenkins poll failed; keeping the last state, retrying next cycle");
      this.safeEmit("error", err);
      this.#setHealth(false, err);
    }
    this.safeEmit("cycle", { ms: Math.round(performance.now() - t0), requests: this.#client.requestCount - r0 });
  }

  #setHealth(healthy: boolean, error?: Error): void {
    if (this.#healthKnown && healthy === this.#healthy) return;
    this.#healthKnown = true;
    this.#healthy = healthy;
    this.safeEmit("health", error === undefined ? { healthy } : { healthy, error });
  }

  /** Takes the new node picture; returns the `nodes` event to emit, or null when nothing changed. */
  #applyNodes(nodes: NodeInfo[]): PollerEvents["nodes"][0] | null {
    const d = diffNodes(this.#nodes, nodes);
    const first = this.#cycleNo === 0 && this.#lastSuccessAt === null;
    this.#nodes = new Map(nodes.map((n) => [n.name, n]));
    return first || d.changed.length > 0 || d.removed.length > 0 ? { all: nodes, ...d } : null;
  }

  #markExecutors(seen: Map<string, BuildRef>): void {
    for (const t of this.#tracked.values()) t.onExecutor = seen.has(t.ref.key);
    for (const [key, ref] of seen) {
      if (this.#finished.has(key) || this.#tracked.has(key)) continue;
      this.#tracked.set(key, { ref, started: false, onExecutor: true, startedCycle: this.#cycleNo, checks: 0, lastCheck: 0, info: null });
    }
  }

  async #startNew(): Promise<void> {
    const todo = [...this.#tracked.values()].filter((t) => !t.started);
    const got = await mapLimit(todo, this.#concurrency, (t) => this.#guard(() => this.#client.getBuildByUrl(t.ref.url)));
    todo.forEach((t, i) => {
      const b = got[i];
      if (b === null) {
        this.#log.warn({ build: t.ref.url }, "build on an executor answers 404; dropped");
        this.#forget(t.ref.key);
      } else if (b !== undefined) {
        this.#emitStarted(t, b);
        if (b.done) this.#emitFinished(t, b);
      }
    });
  }

  /** `fetchNo`: which queue GET `queue` came from. */
  #applyQueue(queue: QueueItem[], fetchNo: number): void {
    const next = new Map(queue.map((q) => [q.id, q]));
    for (const [id, item] of this.#queue) {
      if (!next.has(id) && !this.#queueIds.has(id) && !this.#lookups.has(id)) this.#lookups.set(id, { item, attempts: 0 });
    }
    for (const [id, { item, after }] of this.#watched) {
      if (next.has(id)) continue; // still queued: followed like any other item from here on
      // Watched while this snapshot's GET was in flight: the trigger may have landed after
      // Jenkins answered it, so its absence says nothing yet. The next snapshot decides (this
      // race cost one needless GET /queue/item/N per build in a third of the bench runs).
      if (after >= fetchNo) continue;
      this.#watched.delete(id);
      if (!this.#queueIds.has(id) && !this.#lookups.has(id)) this.#lookups.set(id, { item, attempts: 0 });
    }
    this.#queue = next;
  }

  /** Items that left the queue without their build being seen: the build may have come and gone. */
  async #processLookups(): Promise<void> {
    const batch = [...this.#lookups].filter(([id]) => !this.#queueIds.has(id)).slice(0, this.#maxLookups);
    for (const [id] of this.#lookups) if (this.#queueIds.has(id)) this.#lookups.delete(id);
    const found = await mapLimit(batch, this.#concurrency, async ([id, entry]) =>
      this.#guard(async (): Promise<BuildInfo | null> => {
        const item = await this.#client.getQueueItem(id);
        if (item === null) {
          this.#lookups.delete(id);
          const job = jobFullNameFromUrl(entry.item.jobUrl);
          return job === null ? null : this.#client.findBuildByQueueId(job, id);
        }
        if (item.state === "left" && item.cancelled) {
          this.#lookups.delete(id);
          return null;
        }
        if (item.state !== "left" || item.executable === null) {
          // Still queued after all, or the executable:null window before the build exists.
          if (++entry.attempts >= MAX_LOOKUP_ATTEMPTS) this.#lookups.delete(id);
          return null;
        }
        this.#lookups.delete(id);
        const ref = buildRefFromUrl(item.executable.url, item.executable.number);
        if (ref !== null && (this.#tracked.has(ref.key) || this.#finished.has(ref.key))) return null;
        return this.#client.getBuildByUrl(item.executable.url);
      }),
    );
    for (const b of found) if (b) this.#adopt(b);
  }

  async #checkFinished(): Promise<void> {
    const gone = [...this.#tracked.values()].filter((t) => t.started && !t.onExecutor && t.startedCycle !== this.#cycleNo);
    const fresh = gone.filter((t) => t.checks === 0);
    const again = gone
      .filter((t) => t.checks > 0)
      .sort((a, b) => a.lastCheck - b.lastCheck)
      .slice(0, this.#maxRechecks);
    const todo = [...fresh, ...again];
    const got = await mapLimit(todo, this.#concurrency, (t) => this.#guard(() => this.#client.getBuildByUrl(t.ref.url)));
    todo.forEach((t, i) => {
      const b = got[i];
      if (b === undefined) return;
      if (b === null) {
        this.#log.warn({ build: t.ref.url }, "running build vanished (404) before it finished; no finish event");
        this.#forget(t.ref.key);
        this.#remember(this.#finished, t.ref.key);
      } else if (b.done) {
        this.#emitFinished(t, b);
      } else {
        t.checks++;
        t.lastCheck = performance.now();
        t.info = b;
      }
    });
  }

  /** A build found by a queue lookup or the safety net: report it like one seen on an executor. */
  #adopt(b: BuildInfo): void {
    const ref = buildRefFromUrl(b.url, b.number) ?? { key: buildKey(b.jobFullName, b.number), url: b.url, jobFullName: b.jobFullName, number: b.number };
    if (this.#tracked.get(ref.key)?.started || this.#finished.has(ref.key)) return;
    const t: Tracked = { ref, started: false, onExecutor: false, startedCycle: this.#cycleNo, checks: 0, lastCheck: 0, info: null };
    this.#tracked.set(ref.key, t);
    this.#emitStarted(t, b);
    if (b.done) this.#emitFinished(t, b);
  }

  #emitStarted(t: Tracked, b: BuildInfo): void {
    t.started = true;
    t.startedCycle = this.#cycleNo;
    t.info = b;
    if (b.queueId !== null) this.#remember(this.#queueIds, b.queueId);
    this.safeEmit("buildStarted", b);
  }

  #emitFinished(t: Tracked, b: BuildInfo): void {
    this.#forget(t.ref.key);
    this.#remember(this.#finished, t.ref.key);
    this.safeEmit("buildFinished", b);
  }

  #forget(key: string): void {
    this.#tracked.delete(key);
  }

  #remember<T>(set: Set<T>, v: T): void {
    set.add(v);
    if (set.size > MEMORY) set.delete(set.values().next().value as T);
  }

  /** Runs one per-build request; a failure is reported and retried next cycle, the cycle goes on. */
  async #guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (e) {
      const err = coerceError(e);
      this.#log.warn({ err: err.message }, "Jenkins build request failed; retrying next cycle");
      this.safeEmit("error", err);
      return undefined;
    }
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#log.error({ event, err: coerceError(error).message }, "poller listener threw; ignored");
  }
}
