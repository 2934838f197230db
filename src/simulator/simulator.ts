/** JenkinsSimulator: the public facade over the model, the scheduler and the HTTP server. */
import { Auth } from "./auth.js";
import type { Ctx } from "./beans.js";
import { SimCore, timerCause } from "./core.js";
import { CostModel } from "./cost.js";
import { SimulatorSpecError, UnknownBuildError } from "./errors.js";
import { handleHook } from "./hooks.js";
import { loadItem } from "./items.js";
import { readJobsDir } from "./jobs-dir.js";
import type { Build, Job, Model } from "./model.js";
import type { Env } from "./routes-common.js";
import { SimServer } from "./server.js";
import type { SimBuild, SimCostReport, SimFault, SimJobSpec, SimNodeSpec, SimParamSpec, SimQueueItem, SimRequest, SimResult, SimulatorOptions } from "./types.js";
import { whyOf } from "./why.js";
import { parseLabelExpression } from "../util/label-expr.js";

function toSimBuild(root: string, b: Build): SimBuild {
  return {
    job: b.job.fullName, number: b.number, url: root + b.path, queueId: b.queueId, node: (b.body?.node ?? b.node).name,
    parameters: Object.fromEntries(b.params.map((p) => [p.name, p.value])), building: b.building, result: b.result,
    startedAt: b.startedAt, duration: b.building ? 0 : b.duration, description: b.description,
  };
}

export class JenkinsSimulator {
  /** The root URL Jenkins reports (SimulatorOptions.rootUrl), with a trailing slash. */
  readonly url: string;
  /** Where the simulator really listens, with the root URL's path: what a client connects to. */
  readonly address: string;
  readonly #core: SimCore;
  readonly #server: SimServer;
  readonly #cost: CostModel;
  #closed = false;

  private constructor(core: SimCore, server: SimServer, cost: CostModel, url: string, address: string) {
    this.#core = core;
    this.#server = server;
    this.#cost = cost;
    this.url = url;
    this.address = address;
  }

  /** Starts a simulator; prefer `startSimulator()`. */
  static async start(opts: SimulatorOptions = {}): Promise<JenkinsSimulator> {
    const core = new SimCore(opts);
    const host = opts.host ?? "127.0.0.1";
    let sim: JenkinsSimulator | null = null;
    const cost = new CostModel({
      model: core.m, leftItemTtlMs: core.sched.leftItemTtlMs, manualClock: core.manual !== null,
      ...(opts.cost?.buildsInMemory !== undefined ? { buildsInMemory: opts.cost.buildsInMemory } : {}),
    });
    const server = new SimServer({
      host, port: opts.port ?? 0, version: opts.version ?? "2.479.1", logRequests: opts.logRequests ?? true, cost,
      now: () => core.m.now(),
      hooks: async (req) => {
        if (sim === null) throw new Error("simulator not ready");
        return handleHook(sim, req);
      },
    });
    const port = await server.listen();
    let root = opts.rootUrl ?? `http://${host}:${port}/`;
    if (!root.endsWith("/")) root += "/";
    const auth = new Auth({ users: opts.users ?? [], anonymousRead: opts.anonymousRead ?? false, crumbIssuer: opts.crumbIssuer ?? true });
    const ctx: Ctx = { m: core.m, root, useSecurity: auth.useSecurity, useCrumbs: auth.crumbsEnabled };
    const env: Env = { core, auth, root, ctx };
    server.attach(env);
    sim = new JenkinsSimulator(core, server, cost, root, `http://${host}:${port}${new URL(root).pathname}`);
    if (opts.jobsFrom !== undefined) {
      try {
        for (const it of await readJobsDir(opts.jobsFrom)) {
          try {
            loadItem(core, it.fullName, it.xml);
          } catch (e) {
            throw new SimulatorSpecError(`${it.file} (job "${it.fullName}"): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
          }
        }
      } catch (e) {
        await sim.close();
        throw e;
      }
    }
    core.kick();
    return sim;
  }

  /** The model, for white-box tests and benchmarks. */
  get model(): Model {
    return this.#core.m;
  }

  now(): number {
    return this.#core.m.now();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#core.close();
    await this.#server.close();
  }

  // ---- jobs ----

  addJob(spec: SimJobSpec): void {
    this.#core.m.addJob(spec);
  }

  /** Adds a job or folder from its config.xml, as createItem would (missing parent folders are made plain). */
  addItemXml(fullName: string, xml: string): void {
    loadItem(this.#core, fullName, xml);
  }

  removeJob(fullName: string): void {
    this.#core.removeJob(fullName);
  }

  setJobDisabled(fullName: string, disabled: boolean): void {
    this.#core.setDisabled(this.#core.m.getJob(fullName), disabled);
  }

  /** A new label expression (null or "" lets the job roam), as a saved configuration would set it. */
  setJobLabel(fullName: string, labelExpression: string | null): void {
    const job = this.#core.m.getJob(fullName);
    const le = labelExpression === null || labelExpression.trim() === "" ? null : labelExpression;
    if (le !== null && job.type === "pipeline") throw new SimulatorSpecError(`${fullName} is a Pipeline job: it has no label expression`);
    job.label = le === null ? null : parseLabelExpression(le);
    job.labelExpression = le;
    this.#core.m.dirty = true;
    this.#core.kick();
  }

  /** A new list of parameter definitions (builds already queued keep theirs). */
  setJobParameters(fullName: string, parameters: readonly SimParamSpec[]): void {
    const job = this.#core.m.getJob(fullName);
    const seen = new Set<string>();
    for (const p of parameters) {
      if (p.name === "" || seen.has(p.name)) throw new SimulatorSpecError(`duplicate or empty parameter name "${p.name}"`);
      if (p.type === "choice" && (p.choices === undefined || p.choices.length === 0)) throw new SimulatorSpecError(`choice parameter "${p.name}" needs choices`);
      seen.add(p.name);
    }
    job.params = parameters.map((p) => ({ ...p }));
  }

  /** Duration and result of the job's future builds. */
  setJobScript(fullName: string, s: { durationMs?: number; result?: SimResult; estimatedDurationMs?: number }): void {
    const job = this.#core.m.getJob(fullName);
    if (s.durationMs !== undefined) job.durationMs = s.durationMs;
    if (s.estimatedDurationMs !== undefined) job.estimatedDurationMs = s.estimatedDurationMs;
    if (s.result !== undefined) job.result = s.result;
  }

  // ---- nodes ----

  addNode(spec: SimNodeSpec): void {
    this.#core.m.addNode(spec);
    this.#core.kick();
  }

  removeNode(name: string): void {
    this.#core.deleteNode(this.#core.m.getNode(name));
  }

  /** The agent's channel drops: offline (not temporarilyOffline); builds running on it end FAILURE. */
  dropAgent(name: string): void {
    this.#core.dropAgent(this.#core.m.getNode(name));
  }

  reconnectAgent(name: string): void {
    this.#core.reconnectAgent(this.#core.m.getNode(name));
  }

  setNodeLabels(name: string, labels: string[]): void {
    this.#core.setLabels(this.#core.m.getNode(name), labels);
  }

  /** Marks a node temporarily offline (with a message) or brings it back, as toggleOffline would. */
  setNodeOffline(name: string, offline: boolean, message = ""): void {
    const n = this.#core.m.getNode(name);
    if (offline) this.#core.changeOfflineCause(n, "admin", message);
    else if (n.temporarilyOffline) this.#core.toggleOffline(n, "admin", null);
  }

  quietDown(reason: string | null = null): void {
    this.#core.quietDown(reason);
  }

  cancelQuietDown(): void {
    this.#core.cancelQuietDown();
  }

  // ---- queue and builds ----

  /** Schedules a build as a timer would (quiet period unless delaySec); returns the queue id (the existing one for a duplicate). */
  triggerBuild(job: string, params: Record<string, string> = {}, opts: { delaySec?: number } = {}): number {
    const j = this.#core.m.getJob(job);
    const values = this.#core.resolveParams(j, (name) => (params[name] === undefined ? [] : [params[name]]));
    const delay = opts.delaySec === undefined ? null : opts.delaySec * 1000;
    return this.#core.trigger(j, values, delay, timerCause).item.id;
  }

  #build(job: string, number: number): Build {
    return this.#core.build(this.#core.m.getJob(job), number);
  }

  finishBuild(job: string, number: number, result: SimResult): void {
    this.#core.finish(this.#build(job, number), result);
  }

  abortBuild(job: string, number: number): void {
    this.#core.finish(this.#build(job, number), "ABORTED");
  }

  /** Sets a result while the build keeps running (results only get worse). */
  setBuildResult(job: string, number: number, result: SimResult): void {
    this.#core.setResult(this.#build(job, number), result);
  }

  cancelQueueItem(id: number): void {
    if (!this.#core.cancelItem(id)) throw new UnknownBuildError(`queue item ${id}`);
  }

  /** Manual clock: moves time and runs the scheduler. Real clock: only a scheduler tick. */
  advance(ms: number): void {
    this.#core.advance(ms);
  }

  tick(): void {
    this.#core.tick();
  }

  builds(job?: string): SimBuild[] {
    const m = this.#core.m;
    const jobs: Job[] = job === undefined ? [...m.items.values()].filter((i): i is Job => i.kind === "job") : [m.getJob(job)];
    return jobs.flatMap((j) => j.builds.filter((b) => m.isVisible(b)).map((b) => toSimBuild(this.url, b)));
  }

  runningBuilds(): SimBuild[] {
    return [...this.#core.m.running].map((b) => toSimBuild(this.url, b));
  }

  queueItems(): SimQueueItem[] {
    const m = this.#core.m;
    return [...m.queue.values()].map((q) => ({ id: q.id, job: q.job.fullName, why: whyOf(m, q) }));
  }

  // ---- request log and faults ----

  requestLog(): SimRequest[] {
    return this.#server.requestLog();
  }

  clearRequestLog(): void {
    this.#server.clearRequestLog();
  }

  /**
   * Fault injection; `down: true` closes the listener, `down: false` (or null) reopens it on the same
   * port; `hang: true` holds every request until the hang ends (then they are processed in order).
   */
  async setFault(f: SimFault | null): Promise<void> {
    await this.#server.setFault(f);
  }

  /**
   * Trigger answers (build, buildWithParameters) are sent `ms` late; the build is queued at once, so
   * a client with a shorter timeout gives up on a trigger that took effect. 0 ends it.
   */
  holdTriggers(ms: number): void {
    this.#server.holdTriggers(ms);
  }

  // ---- cost model (docs/master-cost.md) ----

  /** Bytes, values exported and build records touched and loaded, per endpoint and in total, since the last reset. */
  cost(): SimCostReport {
    return this.#cost.report();
  }

  /** Clears the counters; `evict` empties the in-memory builds as a restart would; `buildsInMemory` resizes the LRU. */
  resetCost(o: { evict?: boolean; buildsInMemory?: number } = {}): void {
    this.#cost.reset(o);
  }
}

export async function startSimulator(opts: SimulatorOptions = {}): Promise<JenkinsSimulator> {
  return JenkinsSimulator.start(opts);
}
