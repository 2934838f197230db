/**
 * Following a triggered build to its end (docs/architecture.md "The life of a Gearman job"),
 * from the poller's events: queue item changes, starts and ends, node changes, and each cycle
 * the start timeout, a foreign build that took the executor a pinned build waits for (the run
 * moves to another free node of its group), triggers held or uncertain, and tombstones.
 */
import { describeError } from "../util/index.js";
import type { BridgeContext } from "./context.js";
import { FAILURE } from "./outcome.js";
import type { NodeInfo, QueueItem, ReportedBuild } from "./ports.js";
import type { Reporting } from "./reporting.js";
import type { BuildRun } from "./runs/run.js";
import type { Tombstones } from "./tombstones.js";
import type { Triggering } from "./trigger.js";

/** A pinned build waits this long behind a foreign build on its node before it is moved. */
const MOVE_AFTER_MS = 5000;
/** Moves per run at most. */
const MAX_MOVES = 3;
/** After a start timeout found the queue item gone (the build was starting), how long before cancelling again. */
const LEFT_QUEUE_WAIT_MS = 60_000;

export class Following {
  readonly #c: BridgeContext;
  readonly #report: Reporting;
  readonly #trigger: Triggering;
  readonly #tombstones: Tombstones;
  /** When each queued run was first seen waiting behind a busy node. */
  readonly #blockedSince = new Map<BuildRun, number>();
  /** Runs with a cycle step in flight (a step may outlast a cycle: a cancel, a look-up). */
  readonly #busy = new Set<BuildRun>();
  /** Runs whose queue item was gone when their start timed out (the build was starting): when. */
  readonly #leftAt = new Map<BuildRun, number>();

  constructor(c: BridgeContext, report: Reporting, trigger: Triggering, tombstones: Tombstones) {
    this.#c = c;
    this.#report = report;
    this.#trigger = trigger;
    this.#tombstones = tombstones;
  }

  onQueueItem(item: QueueItem): void {
    const run = this.#c.runs.byQueue(item.id);
    if (run === undefined || run.phase.kind !== "queued") return;
    if (item.state === "left") {
      if (item.cancelled) this.#report.fail(run, FAILURE.queueCancelled, `queue item ${item.id} was cancelled in Jenkins`);
      return; // started: its build is reported by the poller
    }
    run.phase = { ...run.phase, why: item.why };
  }

  onQueueItemGone(id: number): void {
    const run = this.#c.runs.byQueue(id);
    if (run !== undefined && run.phase.kind === "queued") this.#report.fail(run, FAILURE.queueLost, `queue item ${id} disappeared without a build`);
  }

  onBuildStarted(b: ReportedBuild): void {
    if (this.#tombstones.started(b)) return;
    const run = this.#match(b);
    if (run === undefined || !run.live) return;
    if (run.phase.kind === "running") {
      if (run.phase.build.url !== b.url) this.#duplicate(run, b);
      return;
    }
    const node = b.node ?? run.node ?? "";
    const own = run.queueId;
    if (own !== null && b.queueId !== own) {
      // The uncertain trigger's first build started after all: keep it, cancel the second item.
      this.#c.jenkins.cancelQueueItem(own).catch(() => false);
      this.#c.poller.unfollow(own);
    }
    this.#c.runs.move(run, { kind: "running", node, queueId: b.queueId, build: b, startedAt: this.#c.now() }).catch(() => undefined);
    this.#c.capacity.started(run.token, node, b.url);
    this.#report.started(run, b);
  }

  onBuildFinished(b: ReportedBuild): void {
    const run = this.#c.runs.byUrl(b.url);
    if (run === undefined || run.phase.kind !== "running") return;
    this.#report.finished(run, b).catch((e: unknown) => this.#c.log.error({ err: e, job: run.job }, "reporting a finished build failed"));
  }

  /** Our build was deleted in Jenkins while it ran: no result will ever be readable (WORK_FAIL, Zuul runs it again). */
  onBuildGone(b: ReportedBuild): void {
    const run = this.#c.runs.byUrl(b.url);
    if (run === undefined || !run.live) return;
    this.#report.fail(run, FAILURE.buildDeleted, `build #${b.number} was deleted in Jenkins before it finished`);
  }

  /** A build whose node was deleted or lost its agent is lost: WORK_FAIL, Zuul runs it again. */
  onNodes(nodes: ReadonlyMap<string, NodeInfo>): void {
    for (const run of this.#c.runs.all()) {
      const p = run.phase;
      if (p.kind !== "running" && p.kind !== "queued") continue;
      const n = nodes.get(p.node);
      const lost = n === undefined ? "was deleted" : n.offline && !n.temporarilyOffline ? "lost its connection" : null;
      if (lost === null) continue;
      if (p.kind === "queued") this.#c.jenkins.cancelQueueItem(p.queueId).catch((e: unknown) => this.#c.log.warn({ err: e }, "cancel failed"));
      this.#report.fail(run, FAILURE.nodeLost, `node ${JSON.stringify(p.node)} ${lost}`);
    }
  }

  /** Jobs deleted from Jenkins: their queue items and builds went with them (WORK_FAIL, Zuul runs the build again). */
  onJobsRemoved(names: readonly string[]): void {
    if (names.length === 0) return;
    const gone = new Set(names);
    for (const run of this.#c.runs.all()) {
      if (!run.live || !gone.has(run.job) || run.phase.kind === "placing") continue;
      this.#report.fail(run, FAILURE.jobMissing, `the job ${run.job} was deleted from Jenkins`);
    }
  }

  /** Each poll cycle: timeouts, moves, held and uncertain triggers, tombstones. */
  async onCycle(): Promise<void> {
    const work: Promise<void>[] = [];
    for (const run of this.#c.runs.all()) {
      const p = run.phase;
      if (p.kind === "held" || p.kind === "uncertain") work.push(this.#guard(run, () => this.#trigger.onCycle(run)));
      else if (p.kind === "queued") {
        if (this.#c.now() - run.grabbedAt > this.#c.settings.buildStartTimeoutMs) work.push(this.#guard(run, () => this.#timeout(run, p.queueId, p.why)));
        else if (this.#blocked(run, p.node)) work.push(this.#guard(run, () => this.#move(run, p.node, p.queueId)));
      } else this.#blockedSince.delete(run);
    }
    for (const r of [...this.#blockedSince.keys()]) if (!r.live) this.#blockedSince.delete(r);
    for (const r of [...this.#leftAt.keys()]) if (!r.live || r.phase.kind !== "queued") this.#leftAt.delete(r);
    this.#tombstones.sweep(this.#c.poller.queue);
    await Promise.allSettled(work);
  }

  /** For drain with quiet-down: builds not started yet never will; hand them back to Zuul. */
  async cancelNotStarted(reason: string): Promise<number> {
    const waiting = this.#c.runs.all().filter((r) => ["placing", "triggering", "held", "uncertain", "queued"].includes(r.phase.kind));
    await Promise.allSettled(
      waiting.map(async (r) => {
        const q = r.queueId;
        // 404: the item already left the queue, so the build started; keep following it.
        if (q !== null && !(await this.#c.jenkins.cancelQueueItem(q))) return;
        this.#report.fail(r, FAILURE.handedBack, reason);
      }),
    );
    return waiting.length;
  }

  #match(b: ReportedBuild): BuildRun | undefined {
    const byKey = this.#c.runs.byUrl(b.url) ?? (b.queueId !== null ? this.#c.runs.byQueue(b.queueId) : undefined);
    if (byKey !== undefined) return byKey;
    // A build of one of our runs that Jenkins queued on its own (an uncertain trigger's POST taking effect late).
    const uuid = b.parameters["ZUUL_UUID"];
    if (uuid === undefined || uuid === "") return undefined;
    return this.#c.runs.all().find((r) => r.uuid === uuid && r.job === b.jobFullName && r.live);
  }

  /** A second build of one run (a late trigger): stop it, the first one reports. */
  #duplicate(run: BuildRun, b: ReportedBuild): void {
    this.#c.log.warn({ job: run.job, number: b.number, unique: run.unique }, "a second build of one Gearman job started (a trigger took effect late); stopping it");
    this.#c.jenkins.stopBuild(b.jobFullName, b.number).catch((e: unknown) => this.#c.log.warn({ err: e }, "stopping the duplicate build failed"));
  }

  /** A pinned build waits behind a foreign build on its node while another node of its group is free. */
  #blocked(run: BuildRun, node: string): boolean {
    if (run.pin === null || run.moves >= MAX_MOVES) return false;
    const n = this.#c.poller.nodes.get(node);
    const busy = n !== undefined && n.executors.every((e) => !e.idle && e.build !== null && this.#c.runs.byUrl(e.build.url) === undefined);
    if (!busy) {
      this.#blockedSince.delete(run);
      return false;
    }
    const since = this.#blockedSince.get(run) ?? this.#c.now();
    this.#blockedSince.set(run, since);
    return this.#c.now() - since >= MOVE_AFTER_MS;
  }

  async #move(run: BuildRun, node: string, queueId: number): Promise<void> {
    const next = this.#c.capacity.move(run.token, run.group, { exclusive: run.offlineWhenComplete, avoid: [node] });
    if (next === null) return;
    // 404: the item already left the queue, so the build is starting on the old node; keep it.
    if (!(await this.#c.jenkins.cancelQueueItem(queueId))) {
      this.#c.capacity.reserve(null, run.token, node, { exclusive: run.offlineWhenComplete });
      return;
    }
    if (!run.live) return;
    run.moves++;
    this.#blockedSince.delete(run);
    this.#c.poller.unfollow(queueId);
    this.#c.log.info({ job: run.job, from: node, to: next }, "a foreign build took the executor the build was placed on: moving it to another free node");
    await this.#trigger.send(run, next);
  }

  async #timeout(run: BuildRun, queueId: number, why: string | null): Promise<void> {
    const left = this.#leftAt.get(run);
    if (left !== undefined && this.#c.now() - left < LEFT_QUEUE_WAIT_MS) return;
    let cancelled: boolean;
    try {
      cancelled = await this.#c.jenkins.cancelQueueItem(queueId);
    } catch (e) {
      // The cancel's outcome is unknown: failing now could leave a build running that Zuul runs again.
      this.#c.log.warn({ err: e, job: run.job, queueId }, "could not cancel a queue item that has not started in time; trying again next cycle");
      return;
    }
    if (!cancelled) {
      // 404: the item left the queue just now, so its build is starting; follow it (the queue
      // follower reports it, or reports the item gone).
      this.#leftAt.set(run, this.#c.now());
      this.#c.log.info({ job: run.job, queueId }, "the build started just as it timed out; following it");
      return;
    }
    this.#leftAt.delete(run);
    this.#report.fail(run, FAILURE.startTimeout, `the build did not start within ${Math.round(this.#c.settings.buildStartTimeoutMs / 1000)} s (${why ?? "no reason given"})`);
  }

  async #guard(run: BuildRun, f: () => Promise<void>): Promise<void> {
    if (this.#busy.has(run)) return;
    this.#busy.add(run);
    try {
      await f();
    } catch (e) {
      this.#c.log.debug({ job: run.job, reason: describeError(e) }, "following a build failed; trying again next cycle");
    } finally {
      this.#busy.delete(run);
    }
  }
}
