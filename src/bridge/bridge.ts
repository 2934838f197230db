/**
 * The domain, composed: registrations follow the poller's picture of Jenkins, grabbed jobs run
 * as builds, stop/set_description are answered, and drain is a state (DESIGN.md).
 * The bridge knows no sockets and no HTTP: it is handed its workers, client and poller.
 */
import type { Logger } from "pino";

import { describeError } from "../util/index.js";
import { Dispatcher, type Outcome } from "./dispatcher.js";
import { Management } from "./management.js";
import type { BuildInfo, JenkinsPort, NodeInfo, PollerPort, QueueItem, WorkerFactory, WorkerPort } from "./ports.js";
import { Registrar } from "./registrar.js";
import type { BuildRun } from "./run.js";
import { StateStore } from "./state.js";

export type DrainPhase = "running" | "draining" | "drained";

export interface BridgeOptions {
  masterName: string;
  jenkins: JenkinsPort;
  poller: PollerPort & { readonly queue?: ReadonlyMap<number, QueueItem> };
  createWorker: WorkerFactory;
  stateFile: string;
  /** @default 600000 (10 min) */
  buildStartTimeoutMs?: number;
  /**
   * How long a build kept for adoption (its Gearman job was requeued when our connection dropped)
   * waits to be grabbed again before its record is dropped: gearmand may have lost the job (a
   * gearmand restart loses every foreground job), or another sidecar took it. @default 43200000 (12 h)
   */
  orphanTtlMs?: number;
  /** Management worker capacity (stop / set_description in parallel). @default 4 */
  managementCapacity?: number;
  logger: Logger;
  onOutcome?: (o: Outcome) => void;
  /** A build job was assigned to one of our workers (for metrics). */
  onGrab?: (fn: string) => void;
}

export interface DrainStatus {
  phase: DrainPhase;
  quietDown: boolean;
  since: number | null;
  inFlight: number;
  notStarted: number;
  oldestRunning: { job: string; number: number | null; node: string; ageMs: number } | null;
}

export class Bridge {
  readonly registrar: Registrar;
  readonly dispatcher: Dispatcher;
  readonly management: Management;
  readonly state: StateStore;
  readonly #o: BridgeOptions;
  readonly #log: Logger;
  #mgmtWorker: WorkerPort | null = null;
  #phase: DrainPhase = "running";
  #drainSince: number | null = null;
  #quietDown = false;
  #jenkinsHealthy = true;
  #errors: { at: number; message: string }[] = [];
  /** When each state record stopped being owned by a running job. */
  readonly #unownedSince = new Map<string, number>();

  constructor(o: BridgeOptions) {
    this.#o = o;
    this.#log = o.logger.child({ component: "bridge" });
    this.state = new StateStore(o.stateFile);
    this.registrar = new Registrar({
      masterName: o.masterName,
      createWorker: o.createWorker,
      onJob: (job, group) => {
        o.onGrab?.(job.functionName);
        this.dispatcher.onJob(job, group);
      },
      logger: this.#log,
    });
    this.dispatcher = new Dispatcher({
      masterName: o.masterName,
      jenkins: o.jenkins,
      poller: o.poller,
      registrar: this.registrar,
      state: this.state,
      buildStartTimeoutMs: o.buildStartTimeoutMs ?? 600_000,
      logger: this.#log,
      onOutcome: (out) => {
        if (out.result === null && out.reason !== null) this.#error(`${out.job}: ${out.reason}`);
        o.onOutcome?.(out);
      },
    });
    this.management = new Management({
      masterName: o.masterName,
      jenkins: o.jenkins,
      poller: o.poller,
      dispatcher: this.dispatcher,
      logger: this.#log,
    });
  }

  /** Loads the state file and opens the management worker. Call before the first poll result. */
  async start(): Promise<void> {
    await this.state.load();
    const now = Date.now();
    for (const r of this.state.all()) this.#unownedSince.set(r.unique, now);
    if (this.state.size > 0) {
      this.#log.info({ builds: this.state.size }, "in-flight builds restored from the state file; they are adopted when gearmand hands their jobs back");
    }
    const w = this.#o.createWorker(`${this.#o.masterName}_manager`);
    w.on("job", (job) => this.management.onJob(job));
    w.setFunctions(this.management.functions);
    w.setCapacity(this.#o.managementCapacity ?? 4);
    w.start();
    this.#mgmtWorker = w;
    this.registrar.start();
  }

  /** The poller's job list changed. */
  onJobs(): void {
    this.registrar.setJobs(this.#o.poller.jobs.values());
    this.registrar.apply(this.#o.poller.nodes.values());
  }

  /** The poller's node picture changed (also called every cycle: executors change). */
  onNodes(nodes: ReadonlyMap<string, NodeInfo>): void {
    this.registrar.apply(nodes.values());
    this.dispatcher.onNodes(nodes);
  }

  onBuildStarted(b: BuildInfo): void {
    this.dispatcher.onBuildStarted(b);
  }

  onBuildFinished(b: BuildInfo): void {
    this.dispatcher.onBuildFinished(b);
  }

  async onCycle(): Promise<void> {
    await this.dispatcher.onCycle();
    await this.#sweepOrphans();
    this.#updateDrain();
  }

  /**
   * State records no running job owns, unowned for at least `minAgeMs` (counted from when they
   * became unowned, or from start for records restored from the file, never from the grab).
   */
  #orphans(now: number, minAgeMs: number): { unique: string; job: string; number: number | null; unownedMs: number }[] {
    const tracked = new Set(this.dispatcher.runs().map((r) => r.unique));
    const out: { unique: string; job: string; number: number | null; unownedMs: number }[] = [];
    const present = new Set<string>();
    for (const r of this.state.all()) {
      present.add(r.unique);
      if (tracked.has(r.unique)) {
        this.#unownedSince.delete(r.unique);
        continue;
      }
      let since = this.#unownedSince.get(r.unique);
      if (since === undefined) this.#unownedSince.set(r.unique, (since = now));
      if (now - since >= minAgeMs) out.push({ unique: r.unique, job: r.job, number: r.number, unownedMs: now - since });
    }
    for (const u of this.#unownedSince.keys()) if (!present.has(u)) this.#unownedSince.delete(u);
    return out;
  }

  async #sweepOrphans(): Promise<void> {
    const ttl = this.#o.orphanTtlMs ?? 12 * 3600_000;
    for (const o of this.#orphans(Date.now(), ttl)) {
      this.#log.warn({ job: o.job, number: o.number, unique: o.unique }, "dropping a build kept for adoption: its Gearman job never came back");
      await this.state.delete(o.unique).catch((e: unknown) => this.#log.error({ err: e }, "state file write failed"));
    }
  }

  /** Jenkins stopped or started answering: no grabs while it is down; in-flight jobs are kept. */
  onJenkinsHealth(healthy: boolean, error?: Error): void {
    if (healthy === this.#jenkinsHealthy) return;
    this.#jenkinsHealthy = healthy;
    if (!healthy) {
      this.#error(`Jenkins is not answering: ${error ? describeError(error) : "unknown error"}`);
      this.#log.warn("Jenkins is not answering: no new jobs are taken until it does; in-flight builds are kept");
    } else this.#log.info("Jenkins answers again: taking jobs");
    this.#applyPause();
  }

  async drain(o: { quietDown: boolean }): Promise<DrainStatus> {
    if (this.#phase === "running") {
      this.#phase = "draining";
      this.#drainSince = Date.now();
      this.#log.info({ quietDown: o.quietDown, inFlight: this.dispatcher.inFlight }, "draining: taking no new jobs");
    }
    this.#applyPause();
    if (o.quietDown && !this.#quietDown) {
      await this.#o.jenkins.quietDown("jenkins-gearman-sidecar: draining for a restart");
      this.#quietDown = true;
      const n = await this.dispatcher.cancelNotStarted("the master is draining with quiet-down; the build never started");
      if (n > 0) this.#log.info({ builds: n }, "handed builds that had not started back to Zuul");
    }
    this.#updateDrain();
    return this.drainStatus();
  }

  async resume(): Promise<DrainStatus> {
    if (this.#phase === "running") return this.drainStatus();
    if (this.#quietDown) {
      await this.#o.jenkins.cancelQuietDown();
      this.#quietDown = false;
    }
    this.#phase = "running";
    this.#drainSince = null;
    this.#applyPause();
    this.#log.info("resumed: taking jobs again");
    return this.drainStatus();
  }

  get phase(): DrainPhase {
    return this.#phase;
  }

  drainStatus(): DrainStatus {
    const runs = this.dispatcher.runs();
    const now = Date.now();
    const running = runs.filter((r) => r.startedAt !== null).sort((a, b) => a.startedAt! - b.startedAt!);
    const oldest: BuildRun | undefined = running[0] ?? runs[0];
    return {
      phase: this.#phase,
      quietDown: this.#quietDown,
      since: this.#drainSince,
      inFlight: runs.length,
      notStarted: runs.filter((r) => r.startedAt === null).length,
      oldestRunning: oldest
        ? { job: oldest.job, number: oldest.build?.number ?? null, node: oldest.node, ageMs: now - (oldest.startedAt ?? oldest.grabbedAt) }
        : null,
    };
  }

  #updateDrain(): void {
    if (this.#phase === "draining" && this.dispatcher.inFlight === 0) {
      this.#phase = "drained";
      this.#log.info("drained: no build in flight; the master is safe to restart once events are published");
    } else if (this.#phase === "drained" && this.dispatcher.inFlight > 0) {
      this.#phase = "draining";
    }
  }

  #applyPause(): void {
    this.registrar.setPaused(this.#phase !== "running" || !this.#jenkinsHealthy);
  }

  #error(message: string): void {
    this.#errors.push({ at: Date.now(), message });
    if (this.#errors.length > 50) this.#errors.shift();
  }

  /** Status for the admin API: plain JSON. */
  status(): Record<string, unknown> {
    const now = Date.now();
    return {
      drain: this.drainStatus(),
      jenkinsHealthy: this.#jenkinsHealthy,
      groups: this.registrar.groups().map((g) => ({
        worker: g.clientId,
        nodes: g.nodes,
        functions: g.functions.length,
        registered: g.worker.functions.size,
        freeExecutors: this.registrar.slots.freeOf(g.nodes),
        running: g.worker.running,
        outstandingGrabs: g.worker.outstandingGrabs,
        retired: g.retired,
        servers: g.worker.serverStatus(),
        packets: g.worker.stats(),
      })),
      management: this.#mgmtWorker?.serverStatus() ?? [],
      inFlight: this.dispatcher.runs().map((r) => ({
        job: r.job,
        fn: r.fn,
        unique: r.unique,
        state: r.state,
        node: r.node,
        queueId: r.queueId,
        number: r.build?.number ?? null,
        url: r.build?.url ?? null,
        why: r.why,
        ageMs: now - r.grabbedAt,
      })),
      // Builds whose Gearman job went away (requeued and grabbed by another sidecar, or lost by a
      // gearmand restart): not reported by us; kept for adoption until orphanTtlMs.
      orphaned: this.#orphans(now, 120_000),
      unpinnable: [...this.#o.poller.jobs.values()].filter((j) => j.nodeParameter === null && !j.disabled).map((j) => j.fullName),
      badLabelExpressions: this.registrar.badLabels,
      nameClashes: this.registrar.clashes(),
      recentErrors: this.#errors.slice(-20),
    };
  }

  async close(): Promise<void> {
    await this.registrar.close();
    await this.#mgmtWorker?.close();
    // Closing the workers ends jobs, whose state-file deletes are fired without waiting.
    await this.state.settled();
  }
}
