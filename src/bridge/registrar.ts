/**
 * Keeps the Gearman registrations in step with Jenkins: one worker per group of nodes with the
 * same function set (groups.ts), its function set sent as a diff, and its capacity set so that
 * outstanding grabs plus running jobs never exceed the group's free executors (slots.ts).
 */
import type { Logger } from "pino";

import { compileJobs, functionsForNode, parseBuildFunction, type CompiledJob } from "./functions.js";
import { planGroups, type PlannedGroup } from "./groups.js";
import type { JobInfo, NodeInfo, WorkerFactory, WorkerJobPort, WorkerPort } from "./ports.js";
import { SlotBook } from "./slots.js";

export interface GroupWorker {
  readonly id: number;
  readonly clientId: string;
  readonly worker: WorkerPort;
  functions: readonly string[];
  nodes: readonly string[];
  retired: boolean;
}

export interface RegistrarOptions {
  masterName: string;
  createWorker: WorkerFactory;
  onJob: (job: WorkerJobPort, group: GroupWorker) => void;
  logger: Logger;
}

/** A node as functions.ts sees it; the built-in node's self-label is `built-in`. */
function isOnline(n: NodeInfo): boolean {
  return !n.offline && !n.temporarilyOffline;
}

export class Registrar {
  readonly slots = new SlotBook();
  readonly #o: RegistrarOptions;
  readonly #workers = new Map<number, GroupWorker>();
  #plan: PlannedGroup[] = [];
  #nextId = 1;
  #compiled: CompiledJob[] = [];
  /** function name -> full names of the jobs it may run (several when short names clash across folders). */
  #jobsByFunction = new Map<string, string[]>();
  #badLabels: { job: string; error: string }[] = [];
  /** Every label atom some job names: a node's function set depends only on its labels among these. */
  #atoms = new Set<string>();
  /** Function sets by (online, exclusive, relevant labels), until the jobs change. */
  #fnCache = new Map<string, readonly string[]>();
  /** Grabbed jobs waiting for a free node, per worker. */
  readonly #pending = new Map<WorkerPort, number>();
  #paused = false;
  #started = false;

  constructor(o: RegistrarOptions) {
    this.#o = o;
  }

  /** Jobs changed: recompile label expressions. Call `apply` afterwards. */
  setJobs(jobs: Iterable<JobInfo>): void {
    const list = [...jobs];
    this.#compiled = compileJobs(list.map((j) => ({ name: j.name, disabled: j.disabled || !j.buildable, labelExpression: j.labelExpression })));
    this.#badLabels = this.#compiled.filter((c) => c.error !== null).map((c) => ({ job: c.name, error: c.error! }));
    this.#atoms = new Set(this.#compiled.flatMap((c) => c.atoms));
    this.#fnCache.clear();
    const byName = new Map<string, string[]>();
    for (const j of list) {
      const names = byName.get(j.name);
      if (names) names.push(j.fullName);
      else byName.set(j.name, [j.fullName]);
    }
    this.#jobsByFunction = byName;
  }

  /** Full names of the jobs a `build:` function names (short-name clashes give several). */
  jobsFor(fn: string): string[] {
    const parsed = parseBuildFunction(fn);
    if (!parsed) return [];
    return this.#jobsByFunction.get(parsed.job) ?? [];
  }

  /** Short names shared by several jobs in different folders: one function, several jobs. */
  clashes(): { name: string; jobs: string[] }[] {
    return [...this.#jobsByFunction].filter(([, v]) => v.length > 1).map(([name, jobs]) => ({ name, jobs }));
  }

  get badLabels(): readonly { job: string; error: string }[] {
    return this.#badLabels;
  }

  /** Nodes changed (or jobs did): regroup, send diffs, reset capacities. */
  apply(nodes: Iterable<NodeInfo>): void {
    const list = [...nodes];
    this.slots.update(
      list.map((n) => ({
        name: n.name,
        online: isOnline(n),
        numExecutors: n.numExecutors,
        busy: n.executors.filter((e) => !e.idle).map((e) => e.build?.url ?? null),
      })),
    );
    const nodeFunctions = new Map<string, readonly string[]>();
    for (const n of list) {
      if (n.numExecutors <= 0) continue;
      nodeFunctions.set(n.name, this.#functionsOf(n));
    }
    const { plan, nextId } = planGroups(nodeFunctions, this.#plan, this.#nextId);
    this.#plan = [...plan.groups];
    this.#nextId = nextId;
    for (const g of plan.groups) {
      let gw = this.#workers.get(g.workerId);
      if (!gw) {
        const clientId = `${this.#o.masterName}_sidecar-${g.workerId}`;
        const worker = this.#o.createWorker(clientId);
        gw = { id: g.workerId, clientId, worker, functions: [], nodes: [], retired: false };
        const ref = gw;
        worker.on("job", (job) => this.#o.onJob(job, ref));
        this.#workers.set(g.workerId, gw);
        if (this.#started) worker.start();
      }
      // The same array as last time is the same set (function sets are memoised until the jobs
      // change): no diff to compute.
      if (gw.functions !== g.functions || gw.retired) gw.worker.setFunctions(g.functions);
      gw.functions = g.functions;
      gw.nodes = g.nodes;
      gw.retired = false;
    }
    for (const id of plan.retired) {
      const gw = this.#workers.get(id);
      if (!gw) continue;
      gw.retired = true;
      gw.nodes = [];
      gw.functions = [];
      gw.worker.setFunctions([]);
    }
    this.refreshCapacity();
  }

  /**
   * functionsForNode, memoised: it reads a node's labels only through the jobs' atoms, so nodes
   * that agree on those (and on online / exclusive) share one function set. Saves jobs x nodes
   * label checks per poll cycle (20,000 x 1,000 at OpenStack scale).
   */
  #functionsOf(n: NodeInfo): readonly string[] {
    const online = isOnline(n);
    const relevant = n.labels.filter((l) => this.#atoms.has(l)).sort();
    const key = `${online ? 1 : 0}${n.exclusive ? 1 : 0}\n${relevant.join("\n")}`;
    let fns = this.#fnCache.get(key);
    if (fns === undefined) {
      // Frozen: planGroups keys sets by array identity, so a set must never change after it is made.
      fns = Object.freeze(functionsForNode({ name: n.name, labels: n.labels, exclusive: n.exclusive, online }, this.#compiled));
      this.#fnCache.set(key, fns);
    }
    return fns;
  }

  /**
   * Recomputes every worker's capacity; call after any job starts or ends. `ending` is a worker
   * about to send WORK_COMPLETE or WORK_FAIL: its capacity is lowered first, because the worker
   * may grab again the moment the job ends, before Jenkins shows the executor idle.
   */
  refreshCapacity(ending?: WorkerPort): void {
    for (const gw of this.#workers.values()) {
      // Jobs grabbed but still waiting for a node (dispatcher) will take free executors first.
      const pending = this.#pending.get(gw.worker) ?? 0;
      const free = this.#paused || gw.retired ? 0 : Math.max(0, this.slots.freeOf(gw.nodes) - pending);
      const running = gw.worker === ending ? Math.max(0, gw.worker.running - 1) : gw.worker.running;
      gw.worker.setCapacity(running + free);
      if (gw.retired && gw.worker.running === 0) {
        this.#workers.delete(gw.id);
        gw.worker.close().catch((e: unknown) => this.#o.logger.warn({ err: e, worker: gw.clientId }, "closing a retired worker failed"));
      }
    }
  }

  /**
   * A grabbed job starts (+1) or stops (-1) waiting for a free node of its group. When it stops,
   * the caller reserves a node or fails the job next, and that refreshes the capacity: refreshing
   * here too would show the worker the slot it is about to take as free for a moment.
   */
  setPending(worker: WorkerPort, delta: number): void {
    const n = Math.max(0, (this.#pending.get(worker) ?? 0) + delta);
    if (n === 0) this.#pending.delete(worker);
    else this.#pending.set(worker, n);
    if (delta > 0) this.refreshCapacity();
  }

  /** Stop (true) or resume (false) grabbing; registrations stay. */
  setPaused(paused: boolean): void {
    this.#paused = paused;
    this.refreshCapacity();
  }

  get paused(): boolean {
    return this.#paused;
  }

  start(): void {
    this.#started = true;
    for (const gw of this.#workers.values()) gw.worker.start();
  }

  groups(): GroupWorker[] {
    return [...this.#workers.values()];
  }

  async close(): Promise<void> {
    const all = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.allSettled(all.map((g) => g.worker.close()));
  }
}
