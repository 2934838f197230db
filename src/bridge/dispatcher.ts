/**
 * Runs each grabbed `build:` job as a Jenkins build and reports it as the plugin did
 * (contract §3): WORK_DATA + WORK_STATUS at start, WORK_COMPLETE with `result` at the end for
 * every result; WORK_FAIL without a result (Zuul retries) only when the build could not run or
 * was lost. A build is never triggered twice for one Gearman unique id (state.ts).
 */
import type { Logger } from "pino";

import { delay, describeError } from "../util/index.js";
import { BadArgumentsError, NoFreeNodeError } from "./errors.js";
import { parseArguments, wantsOfflineWhenComplete } from "./arguments.js";
import { nodeOfBuild } from "../jenkins/index.js";
import type { BuildInfo, JenkinsPort, NodeInfo, PollerPort, QueueItem, WorkerJobPort } from "./ports.js";
import type { GroupWorker, Registrar } from "./registrar.js";
import { BuildRun, reportJson } from "./run.js";
import type { InFlightRecord, StateStore } from "./state.js";

export const OFFLINE_REASON = "Offline due to Gearman request";

export interface Outcome {
  fn: string;
  job: string;
  /** Jenkins result, or null for WORK_FAIL. */
  result: string | null;
  reason: string | null;
  ms: number;
}

export interface DispatcherOptions {
  masterName: string;
  jenkins: JenkinsPort;
  poller: PollerPort & { readonly queue?: ReadonlyMap<number, QueueItem> };
  registrar: Registrar;
  state: StateStore;
  /** A triggered build that has not started after this long is cancelled and failed. */
  buildStartTimeoutMs: number;
  /** How long a grabbed job waits for the node picture to show a free node before it is failed. @default 10000 */
  placementWaitMs?: number;
  logger: Logger;
  onOutcome?: (o: Outcome) => void;
  now?: () => number;
}

/** The self-label a NodeLabel parameter takes for a node: the built-in node is `built-in`. */
export function nodeParameterValue(node: string): string {
  return node === "" ? "built-in" : node;
}

export class Dispatcher {
  readonly #o: DispatcherOptions;
  readonly #runs = new Map<string, BuildRun>();
  readonly #byQueue = new Map<number, BuildRun>();
  readonly #byUrl = new Map<string, BuildRun>();
  readonly #now: () => number;
  readonly #log: Logger;

  constructor(o: DispatcherOptions) {
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#log = o.logger;
  }

  get inFlight(): number {
    return this.#runs.size;
  }

  runs(): BuildRun[] {
    return [...this.#runs.values()];
  }

  /** A `build:` job was assigned to a group's worker. */
  onJob(job: WorkerJobPort, group: GroupWorker): void {
    this.#start(job, group).catch((e: unknown) => {
      this.#log.error({ err: e, fn: job.functionName }, "unexpected error running a job; failing it so Zuul retries");
      job.fail();
    });
  }

  async #start(job: WorkerJobPort, group: GroupWorker): Promise<void> {
    const unique = job.unique !== "" ? job.unique : job.handle;
    const log = this.#log.child({ fn: job.functionName, unique });
    const existing = this.#runs.get(unique);
    if (existing) {
      // gearmand handed us a job we are already running (our connection dropped and it was requeued).
      log.info({ job: existing.job, state: existing.state }, "re-grabbed a job already in flight: adopting it");
      existing.gearman = job;
      existing.worker = group.worker;
      this.#watchLost(existing);
      if (existing.build) this.#reportStart(existing, existing.build);
      return;
    }
    const record = this.#o.state.get(unique);
    if (record) {
      await this.#adopt(job, group, record, log);
      return;
    }
    const jobs = this.#o.registrar.jobsFor(job.functionName);
    const fullName = jobs[0];
    if (fullName === undefined || !this.#o.poller.jobs.has(fullName)) {
      this.#failJob(job, group, job.functionName, "the job no longer exists in Jenkins", log);
      return;
    }
    if (jobs.length > 1) log.warn({ jobs }, "several jobs share this short name; running the first");
    let params: Record<string, string>;
    try {
      params = parseArguments(job.data);
    } catch (e) {
      const msg = e instanceof BadArgumentsError ? e.message : describeError(e);
      log.warn({ reason: msg }, "refusing a job with bad arguments (WORK_EXCEPTION)");
      job.exception(msg);
      this.#failJob(job, group, fullName, `bad arguments: ${msg}`, log);
      return;
    }
    const node = this.#o.registrar.slots.pick(group.nodes) ?? (await this.#waitForNode(group));
    if (node === null) {
      this.#failJob(job, group, fullName, new NoFreeNodeError(job.functionName).message, log);
      return;
    }
    const info = this.#o.poller.jobs.get(fullName)!;
    const run = new BuildRun({
      unique,
      fn: job.functionName,
      job: fullName,
      jobName: info.name,
      workerId: group.clientId,
      node,
      offlineWhenComplete: wantsOfflineWhenComplete(params),
      gearman: job,
      worker: group.worker,
      grabbedAt: this.#now(),
    });
    this.#track(run);
    this.#o.registrar.slots.reserve(run.token, node, run.offlineWhenComplete);
    this.#o.registrar.refreshCapacity();
    await this.#o.state.put(this.#record(run));
    if (info.nodeParameter) params[info.nodeParameter.name] = nodeParameterValue(node);
    try {
      const { queueId, existing: dup } = await this.#o.jenkins.trigger(fullName, params, { delaySec: 0 });
      if (run.state !== "triggering") {
        // Failed or handed back by a drain meanwhile: Zuul relaunches it, so the queued build must not run.
        await this.#o.jenkins.cancelQueueItem(queueId).catch(() => false);
        return;
      }
      run.queueId = queueId;
      run.state = "queued";
      this.#byQueue.set(queueId, run);
      this.#o.poller.watchQueueItem?.(queueId, fullName, info.url);
      log.info({ job: fullName, node, queueId, existing: dup }, dup ? "joined an identical queued build" : "triggered");
      await this.#o.state.put(this.#record(run));
    } catch (e) {
      this.#finishFailed(run, `triggering the build failed: ${describeError(e)}`);
    }
  }

  /** The sidecar restarted (or the job was requeued): follow the build we already started. */
  async #adopt(job: WorkerJobPort, group: GroupWorker, rec: InFlightRecord, log: Logger): Promise<void> {
    const info = this.#o.poller.jobs.get(rec.job);
    const run = new BuildRun({
      unique: rec.unique,
      fn: rec.fn,
      job: rec.job,
      jobName: info?.name ?? rec.job.split("/").pop()!,
      workerId: group.clientId,
      node: rec.node,
      offlineWhenComplete: wantsOfflineWhenCompleteSafe(job.data),
      gearman: job,
      worker: group.worker,
      grabbedAt: rec.grabbedAt,
    });
    this.#track(run);
    this.#o.registrar.slots.reserve(run.token, rec.node, run.offlineWhenComplete);
    this.#o.registrar.refreshCapacity();
    log.info({ job: rec.job, queueId: rec.queueId, build: rec.buildUrl }, "adopting a build started before a restart; not triggering again");
    try {
      let build: BuildInfo | null = null;
      if (rec.buildUrl) build = await this.#o.jenkins.getBuildByUrl(rec.buildUrl);
      if (!build && rec.queueId !== null) {
        run.queueId = rec.queueId;
        this.#byQueue.set(rec.queueId, run);
        run.state = "queued";
        await this.#followQueued(run);
        return;
      }
      if (!build) {
        this.#finishFailed(run, "the build started before the restart can no longer be found");
        return;
      }
      this.#onBuild(run, build);
    } catch (e) {
      this.#finishFailed(run, `adopting the build failed: ${describeError(e)}`);
    }
  }

  /**
   * No node is free by our count, although capacity allowed the grab: the poll picture is a moment
   * behind (a short build ended after the snapshot that still shows its executor busy). Wait for
   * it to catch up rather than fail the job; meanwhile the job holds its group's capacity so that
   * nothing else is grabbed in its place. Gives up (null) after `placementWaitMs`.
   */
  async #waitForNode(group: GroupWorker): Promise<string | null> {
    const reg = this.#o.registrar;
    reg.setPending(group.worker, 1);
    try {
      const deadline = this.#now() + (this.#o.placementWaitMs ?? 10_000);
      while (this.#now() < deadline) {
        await delay(25);
        const node = reg.slots.pick(group.nodes);
        if (node !== null) return node;
      }
      return null;
    } finally {
      reg.setPending(group.worker, -1);
    }
  }

  /** The poller saw a build start (any build; ours are matched by queue id or URL). */
  onBuildStarted(b: BuildInfo): void {
    const run = this.#find(b);
    if (run) this.#onBuild(run, b);
  }

  /** The poller saw a build finish. */
  onBuildFinished(b: BuildInfo): void {
    const run = this.#find(b);
    if (run) this.#onBuild(run, b);
  }

  #find(b: BuildInfo): BuildRun | undefined {
    return this.#byUrl.get(b.url) ?? (b.queueId !== null ? this.#byQueue.get(b.queueId) : undefined);
  }

  #onBuild(run: BuildRun, b: BuildInfo): void {
    if (run.state === "finishing" || run.state === "done") return;
    if (run.state !== "running") {
      run.state = "running";
      run.build = b;
      run.startedAt = this.#now();
      this.#byUrl.set(b.url, run);
      const node = this.#nodeOf(b, run);
      run.node = node;
      this.#o.registrar.slots.started(run.token, node, b.url);
      this.#o.state.put(this.#record(run)).catch((e: unknown) => this.#log.error({ err: e }, "state file write failed"));
      this.#reportStart(run, b);
    } else {
      run.build = b;
    }
    if (b.done) this.#finish(run, b).catch((e: unknown) => this.#log.error({ err: e, job: run.job }, "reporting a finished build failed"));
  }

  #reportStart(run: BuildRun, b: BuildInfo): void {
    const node = this.#nodeOf(b, run);
    run.gearman.sendData(reportJson(run, b, this.#o.masterName, node, this.#labels(node)));
    const elapsed = Math.max(0, this.#now() - (b.timestamp || this.#now()));
    run.gearman.sendStatus(elapsed, b.estimatedDuration > 0 ? b.estimatedDuration : -1);
    this.#log.info({ job: run.job, number: b.number, node, url: b.url }, "build started");
  }

  async #finish(run: BuildRun, b: BuildInfo): Promise<void> {
    run.state = "finishing";
    const node = this.#nodeOf(b, run);
    if (run.offlineWhenComplete) {
      // The plugin takes the node offline before WORK_COMPLETE goes out, whatever the result (contract §5).
      try {
        await this.#o.jenkins.setNodeOffline(node === "" ? "(built-in)" : node, OFFLINE_REASON);
      } catch (e) {
        this.#log.error({ err: e, node }, "could not take the node offline after an OFFLINE_NODE_WHEN_COMPLETE build");
      }
    }
    this.#beforeEnd(run);
    const sent = run.gearman.complete(reportJson(run, b, this.#o.masterName, node, this.#labels(node), b.result));
    if (!sent) {
      // Our Gearman connection dropped: gearmand requeued the job. Keep the record so that whoever
      // grabs it again (us, after reconnecting) adopts this finished build instead of running it twice.
      this.#log.warn({ job: run.job, number: b.number }, "build finished but its Gearman connection is gone; kept for adoption");
      this.#untrack(run, false);
      return;
    }
    this.#end(run, b.result, null);
  }

  #end(run: BuildRun, result: string | null, reason: string | null): void {
    run.state = "done";
    this.#untrack(run, true);
    const ms = this.#now() - run.grabbedAt;
    if (result !== null) this.#log.info({ job: run.job, number: run.build?.number, result, ms }, "build reported");
    this.#o.onOutcome?.({ fn: run.fn, job: run.job, result, reason, ms });
  }

  /** WORK_FAIL without a result: Zuul retries the build. */
  #finishFailed(run: BuildRun, reason: string): void {
    if (run.state === "finishing" || run.state === "done") return;
    this.#log.warn({ job: run.job, node: run.node, queueId: run.queueId, reason }, "failing the job so that Zuul retries it");
    this.#beforeEnd(run);
    run.gearman.fail();
    this.#end(run, null, reason);
  }

  /** Lowers the worker's capacity before its job ends (registrar.refreshCapacity). */
  #beforeEnd(run: BuildRun): void {
    this.#o.registrar.slots.release(run.token);
    if (!run.gearman.lost && !run.gearman.done) this.#o.registrar.refreshCapacity(run.worker);
  }

  #failJob(job: WorkerJobPort, group: GroupWorker, name: string, reason: string, log: Logger): void {
    log.warn({ reason }, "failing the job so that Zuul retries it");
    this.#o.registrar.refreshCapacity(group.worker);
    job.fail();
    this.#o.onOutcome?.({ fn: job.functionName, job: name, result: null, reason, ms: 0 });
  }

  /** Each poll cycle: follow our queued builds, and notice builds that ended unseen. */
  async onCycle(): Promise<void> {
    const now = this.#now();
    const running = this.#executorUrls();
    const work: Promise<void>[] = [];
    for (const run of this.#runs.values()) {
      if (run.following) continue;
      if (run.state === "queued") {
        if (now - run.grabbedAt > this.#o.buildStartTimeoutMs) {
          work.push(this.#timeout(run));
          continue;
        }
        const snap = this.#o.poller.queue?.get(run.queueId!);
        if (snap) {
          run.why = snap.why;
          continue;
        }
        // The poller follows items that left the queue unseen; ask Jenkins ourselves only if it
        // has not reported the build after a few cycles.
        if (++run.unseenCycles < 3) continue;
        work.push(this.#guard(run, () => this.#followQueued(run)));
      } else if (run.state === "running" && run.build && !running.has(run.build.url) && now - (run.startedAt ?? now) > 0) {
        work.push(this.#guard(run, () => this.#recheck(run)));
      }
    }
    await Promise.allSettled(work);
  }

  async #guard(run: BuildRun, f: () => Promise<void>): Promise<void> {
    run.following = true;
    try {
      await f();
    } catch (e) {
      this.#log.debug({ err: e, job: run.job }, "following a build failed; trying again next cycle");
    } finally {
      run.following = false;
    }
  }

  async #followQueued(run: BuildRun): Promise<void> {
    const id = run.queueId!;
    const item = await this.#o.jenkins.getQueueItem(id);
    if (run.state !== "queued") return;
    if (item === null) {
      // Left items expire after 5 minutes (Queue.java:225): find the build through its queueId.
      const b = await this.#o.jenkins.findBuildByQueueId(run.job, id);
      if (b) this.#onBuild(run, b);
      else this.#finishFailed(run, `queue item ${id} disappeared without a build`);
      return;
    }
    run.why = item.why;
    if (item.state !== "left") return;
    if (item.cancelled) {
      this.#finishFailed(run, `queue item ${id} was cancelled in Jenkins`);
      return;
    }
    if (item.executable === null) return; // started, build not created yet (Executor.java:380-396)
    const b = await this.#o.jenkins.getBuildByUrl(item.executable.url);
    if (b) this.#onBuild(run, b);
  }

  async #recheck(run: BuildRun): Promise<void> {
    const b = await this.#o.jenkins.getBuildByUrl(run.build!.url);
    if (b === null) this.#finishFailed(run, "the build was deleted from Jenkins");
    else this.#onBuild(run, b);
  }

  async #timeout(run: BuildRun): Promise<void> {
    const id = run.queueId!;
    try {
      await this.#o.jenkins.cancelQueueItem(id);
    } catch (e) {
      this.#log.warn({ err: e, queueId: id }, "could not cancel a queue item that never started");
    }
    this.#finishFailed(run, `the build did not start within ${Math.round(this.#o.buildStartTimeoutMs / 1000)} s (${run.why ?? "no reason given"})`);
  }

  /** Nodes changed: a build whose node dropped or was deleted is lost (WORK_FAIL, Zuul retries). */
  onNodes(nodes: ReadonlyMap<string, NodeInfo>): void {
    for (const run of this.#runs.values()) {
      if (run.state !== "running" && run.state !== "queued") continue;
      const n = nodes.get(run.node);
      const lost = n === undefined ? "was deleted" : n.offline && !n.temporarilyOffline ? "lost its connection" : null;
      if (lost === null) continue;
      if (run.state === "queued" && run.queueId !== null) {
        this.#o.jenkins.cancelQueueItem(run.queueId).catch((e: unknown) => this.#log.warn({ err: e }, "cancel failed"));
      }
      this.#finishFailed(run, `node ${JSON.stringify(run.node)} ${lost}`);
    }
  }

  /** For drain with quiet-down: builds not started yet never will; hand them back to Zuul. */
  async cancelNotStarted(reason: string): Promise<number> {
    const queued = [...this.#runs.values()].filter((r) => r.state === "queued" || r.state === "triggering");
    await Promise.allSettled(
      queued.map(async (r) => {
        // 404: the item already left the queue, so the build started; keep following it.
        if (r.queueId !== null && !(await this.#o.jenkins.cancelQueueItem(r.queueId))) return;
        this.#finishFailed(r, reason);
      }),
    );
    return queued.length;
  }

  /** The Gearman connection of a run dropped (gearmand requeued it). */
  #watchLost(run: BuildRun): void {
    const job = run.gearman;
    job.on("lost", () => {
      // The worker no longer counts the job as running, but its node stays reserved until the
      // build ends: lower the worker's capacity now, before it reconnects and grabs again.
      this.#o.registrar.refreshCapacity();
      if (run.gearman === job) this.#log.warn({ job: run.job, unique: run.unique }, "Gearman connection lost mid-build; the build keeps running and will be adopted when re-grabbed");
    });
  }

  #track(run: BuildRun): void {
    this.#runs.set(run.unique, run);
    this.#watchLost(run);
  }

  #untrack(run: BuildRun, forget: boolean): void {
    this.#runs.delete(run.unique);
    if (run.queueId !== null) this.#byQueue.delete(run.queueId);
    if (run.build) this.#byUrl.delete(run.build.url);
    this.#o.registrar.slots.release(run.token);
    this.#o.registrar.refreshCapacity();
    if (forget) this.#o.state.delete(run.unique).catch((e: unknown) => this.#log.error({ err: e }, "state file write failed"));
  }

  #record(run: BuildRun): InFlightRecord {
    return {
      unique: run.unique,
      fn: run.fn,
      job: run.job,
      node: run.node,
      grabbedAt: run.grabbedAt,
      queueId: run.queueId,
      buildUrl: run.build?.url ?? null,
      number: run.build?.number ?? null,
    };
  }

  /** Jenkins' word for the node (builtOn, even for a node we no longer list), else the executors', else the reserved one. */
  #nodeOf(b: BuildInfo, run: BuildRun): string {
    return b.builtOn ?? nodeOfBuild(b, this.#o.poller.nodes)?.name ?? run.node;
  }

  #labels(node: string): string[] {
    return [...(this.#o.poller.nodes.get(node)?.labels ?? [])];
  }

  #executorUrls(): Set<string> {
    const s = new Set<string>();
    for (const n of this.#o.poller.nodes.values()) {
      for (const e of n.executors) if (e.build) s.add(e.build.url);
      for (const e of n.oneOffExecutors) if (e.build) s.add(e.build.url);
    }
    return s;
  }
}

function wantsOfflineWhenCompleteSafe(data: Buffer): boolean {
  try {
    return wantsOfflineWhenComplete(parseArguments(data));
  } catch {
    return false;
  }
}
