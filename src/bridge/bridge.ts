/**
 * The domain, composed (docs/architecture.md): the poller's picture drives the capacity
 * owner's registrations; grabbed jobs go through intake, adoption and following to reporting;
 * every build's events go to the relay before Zuul hears of them; stop/set_description are
 * answered; drain is a state. The bridge knows no sockets and no HTTP: it is handed its ports.
 */
import type { Logger } from "pino";

import { TypedEmitter } from "../util/index.js";
import { Adoption } from "./adoption.js";
import { Capacity, type PauseReason } from "./capacity/capacity.js";
import { EXPECT_BACK_MS } from "./capacity/expected.js";
import type { BridgeContext, BridgeSettings } from "./context.js";
import { Drain } from "./drain.js";
import { Following } from "./following.js";
import { Intake } from "./intake.js";
import { Management } from "./management.js";
import { ManagementWorker } from "./management-worker.js";
import type { Outcome } from "./outcome.js";
import type { EventSinkPort, GearmanAdminPort, JenkinsPort, PollerPort, WorkerFactory } from "./ports.js";
import { readiness } from "./readiness.js";
import { EventRelay } from "./relay/relay.js";
import { Reporting } from "./reporting.js";
import { Orphans, stillOnMaster } from "./runs/orphans.js";
import { RunTable } from "./runs/run-table.js";
import { StateStore } from "./runs/state-file.js";
import { bridgeStatus } from "./status-view.js";
import type { BridgeStatus, DrainStatus, ReadyStatus } from "./status.js";
import { Tombstones } from "./tombstones.js";
import { Triggering } from "./trigger.js";

export interface BridgeOptions {
  masterName: string;
  /** Prefix of the Gearman client ids. @default masterName */
  clientIdPrefix?: string;
  jenkins: JenkinsPort;
  poller: PollerPort;
  createWorker: WorkerFactory;
  stateFile: string;
  /** The Jenkins root URL events are relative to. */
  rootUrl: string;
  /** Where build events go; null publishes none. @default null */
  events?: EventSinkPort | null;
  /** Asks the Gearman servers who registers the master name; null skips the check. @default null */
  admin?: GearmanAdminPort | null;
  /** @default 600000 (10 min) */
  buildStartTimeoutMs?: number;
  /** @default 10000 */
  placementWaitMs?: number;
  /** @default 600000 (10 min) */
  outageHoldMs?: number;
  /** @default 2000 */
  uncertainSettleMs?: number;
  /** Records kept for adoption that no job reclaims are dropped after this long unowned. @default 43200000 (12 h) */
  orphanTtlMs?: number;
  /** Management worker capacity (stop / set_description in parallel). @default 4 */
  managementCapacity?: number;
  logger: Logger;
  now?: () => number;
}

export type BridgeEvents = {
  outcome: [Outcome];
  /** A build job was assigned to one of our workers. */
  grabbed: [string];
  /** An event was handed to the publisher. */
  published: ["onStarted" | "onCompleted" | "onFinalized"];
};


export class Bridge extends TypedEmitter<BridgeEvents> {
  readonly capacity: Capacity;
  readonly runs: RunTable;
  readonly drain: Drain;
  readonly relay: EventRelay;
  readonly #o: BridgeOptions;
  readonly #log: Logger;
  readonly #store: StateStore;
  readonly #abort = new AbortController();
  readonly #ctx: BridgeContext;
  readonly #report: Reporting;
  readonly #following: Following;
  readonly #intake: Intake;
  readonly #management: Management;
  readonly #tombstones: Tombstones;
  readonly #orphans: Orphans;
  readonly #mgmt: ManagementWorker;
  #jenkinsHealthy = true;
  #errors: { at: number; message: string }[] = [];
  readonly #unpinnable = new Set<string>();

  constructor(o: BridgeOptions) {
    super();
    this.#o = o;
    this.#log = o.logger.child({ component: "bridge" });
    const now = o.now ?? Date.now;
    const prefix = o.clientIdPrefix ?? o.masterName;
    this.#store = new StateStore(o.stateFile);
    this.runs = new RunTable(this.#store, this.#log);
    this.capacity = new Capacity({
      clientIdPrefix: prefix,
      createWorker: (id) => o.createWorker(id, { capacity: Number.POSITIVE_INFINITY }),
      onJob: (job, group) => {
        this.safeEmit("grabbed", job.functionName);
        this.#intake.onJob(job, group);
      },
      logger: this.#log,
      now,
    });
    const settings: BridgeSettings = {
      buildStartTimeoutMs: o.buildStartTimeoutMs ?? 600_000,
      placementWaitMs: o.placementWaitMs ?? 10_000,
      outageHoldMs: o.outageHoldMs ?? 600_000,
      uncertainSettleMs: o.uncertainSettleMs ?? 2000,
    };
    this.#ctx = {
      master: o.masterName,
      jenkins: o.jenkins,
      poller: o.poller,
      capacity: this.capacity,
      runs: this.runs,
      log: this.#log,
      settings,
      signal: this.#abort.signal,
      now,
      outcome: (out) => {
        if (out.code !== null) this.#error(`${out.job}: ${out.detail ?? out.code}`);
        this.safeEmit("outcome", out);
      },
      jenkinsHealthy: () => this.#jenkinsHealthy,
    };
    this.#report = new Reporting(this.#ctx);
    this.#tombstones = new Tombstones(this.#store, o.jenkins, this.#log, now);
    const trigger = new Triggering(this.#ctx, this.#report, this.#tombstones);
    const adoption = new Adoption(this.#ctx, this.#report, trigger, (job, group) => this.#intake.onJob(job, group));
    this.#intake = new Intake(this.#ctx, this.#report, trigger, adoption, (job) => this.#unpinnable.add(job));
    this.#following = new Following(this.#ctx, this.#report, trigger, this.#tombstones);
    this.#management = new Management({ masterName: o.masterName, jenkins: o.jenkins, poller: o.poller, logger: this.#log });
    this.drain = new Drain({ store: this.#store, capacity: this.capacity, jenkins: o.jenkins, logger: this.#log, now });
    this.relay = new EventRelay({
      sink: o.events ?? null,
      rootUrl: o.rootUrl,
      hostName: o.masterName,
      jobs: () => o.poller.jobs,
      nodes: () => o.poller.nodes,
      onPublished: (t) => this.safeEmit("published", t),
    });
    this.#orphans = new Orphans(this.runs, this.#log);
    this.#mgmt = new ManagementWorker({
      masterName: o.masterName,
      clientIdPrefix: prefix,
      createWorker: o.createWorker,
      capacity: o.managementCapacity ?? 4,
      admin: o.admin ?? null,
      onJob: (job) => this.#management.onJob(job),
      logger: this.#log,
      now,
      signal: this.#abort.signal,
    });
  }

  /** Loads the state file, follows the poller, opens the management worker. Call before the poller starts. */
  async start(): Promise<void> {
    await this.#store.load();
    this.#tombstones.load();
    this.drain.restore();
    this.#orphans.restored(this.#ctx.now());
    for (const r of this.#store.all()) this.capacity.expect(r.unique, r.fn);
    if (this.#store.size > 0) {
      this.#log.info({ builds: this.#store.size }, "in-flight builds restored from the state file; they are adopted when gearmand hands their jobs back");
    }
    this.#follow(this.#o.poller);
    await this.#mgmt.start();
    this.capacity.start();
  }

  #follow(p: PollerPort): void {
    p.on("jobs", (d) => {
      this.capacity.setJobs(p.jobs.values());
      this.#following.onJobsRemoved(d.removed);
    });
    p.on("nodes", (d) => {
      this.capacity.setNodes(d.all);
      this.#following.onNodes(p.nodes);
    });
    p.on("queueItem", (q) => this.#following.onQueueItem(q));
    p.on("queueItemGone", (q) => this.#following.onQueueItemGone(q.id));
    // Events go out before Zuul hears, so a drained master has published everything.
    p.on("buildStarted", (b, meta) => {
      this.relay.started(b, meta);
      this.#following.onBuildStarted(b);
    });
    p.on("buildFinished", (b, meta) => {
      this.relay.finished(b, meta);
      this.#following.onBuildFinished(b);
    });
    p.on("buildGone", (b) => this.#following.onBuildGone(b));
    p.on("cycle", () => {
      this.onCycle().catch((e: unknown) => this.#log.error({ err: e }, "bridge cycle failed"));
    });
    p.on("health", (h) => this.#onHealth(h.healthy, h.error));
  }

  /** Once per poll cycle (and in the SIGTERM drain loop). */
  async onCycle(): Promise<void> {
    await this.#following.onCycle();
    this.#intake.onCycle();
    for (const unique of this.#orphans.sweep(this.#ctx.now(), this.#o.orphanTtlMs ?? 12 * 3600_000)) this.capacity.unexpect(unique);
    const late = this.capacity.expireExpected();
    if (late.length > 0) this.#log.info({ jobs: late.length }, "jobs expected back from gearmand did not come back within two minutes: they no longer keep a grab (their records stay, for adoption)");
    this.drain.update(this.#inFlight());
    await this.#mgmt.onCycle();
  }

  /** Jenkins stopped (or started) answering: no grabs while it does not; jobs in flight are kept. */
  #onHealth(healthy: boolean, error?: Error): void {
    if (healthy === this.#jenkinsHealthy) return;
    this.#jenkinsHealthy = healthy;
    const reason: PauseReason = "jenkins";
    if (!healthy) {
      this.#error(`Jenkins is not answering: ${error?.message ?? "unknown error"}`);
      this.#log.warn({ err: error }, "Jenkins is not answering: no new jobs are taken until it does; jobs in flight are kept");
      this.capacity.pause(reason);
    } else {
      this.#log.info("Jenkins answers again: taking jobs");
      this.capacity.resume(reason);
    }
  }

  /**
   * Builds of ours on the master: the runs, and the records no job owns (after a restart, or a
   * gearmand restart) whose build is still on an executor or in the queue by the poll picture,
   * or, with neither known, for as long as their job may still come back.
   */
  #inFlight(): number {
    // Before the first poll the picture is empty: every record counts.
    if (this.#o.poller.lastSuccessAt === null) return this.runs.size + this.#orphans.list(this.#ctx.now(), 0).length;
    const running = new Set<string>();
    for (const n of this.#o.poller.nodes.values()) for (const e of [...n.executors, ...n.oneOffExecutors]) if (e.build !== null) running.add(e.build.url);
    const picture = { running, queued: (id: number) => this.#o.poller.queue.has(id) };
    return this.runs.size + this.#orphans.list(this.#ctx.now(), 0).filter((o) => stillOnMaster(o, picture, EXPECT_BACK_MS)).length;
  }

  async startDrain(o: { quietDown: boolean; persist?: boolean }): Promise<DrainStatus> {
    await this.drain.drain(o, this.#inFlight(), () => this.#following.cancelNotStarted("the master is draining with quiet-down; the build never started"));
    return this.drainStatus();
  }

  async resume(): Promise<DrainStatus> {
    await this.drain.resume();
    return this.drainStatus();
  }

  drainStatus(): DrainStatus {
    return this.status().drain;
  }

  ready(): ReadyStatus {
    const st = this.status();
    return readiness({ jenkinsAnsweredAt: this.#o.poller.lastSuccessAt, jenkinsHealthy: this.#o.poller.healthy, management: st.management, conflicts: st.masterNameConflicts, groups: st.groups });
  }

  status(): BridgeStatus {
    return bridgeStatus({
      now: this.#ctx.now(),
      runs: this.runs.all(),
      drain: this.drain.state,
      eventsPending: this.relay.pending,
      poller: this.#o.poller,
      capacity: this.capacity,
      management: this.#mgmt.serverStatus(),
      orphans: this.#orphans.list(this.#ctx.now(), EXPECT_BACK_MS),
      held: this.#intake.held(this.#ctx.now()),
      awaitingAdoption: this.#inFlight() - this.runs.size,
      unpinnable: [...this.#unpinnable],
      conflicts: this.#mgmt.conflicts,
      eventsNotRepublished: this.relay.skipped,
      jenkinsHealthy: this.#jenkinsHealthy,
      errors: this.#errors.slice(-20),
    });
  }

  #error(message: string): void {
    this.#errors.push({ at: this.#ctx.now(), message });
    if (this.#errors.length > 50) this.#errors.shift();
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.capacity.close();
    await this.#mgmt.close();
    // Closing the workers ends jobs, whose state-file deletes are fired without waiting.
    await this.#store.settled();
  }
}
