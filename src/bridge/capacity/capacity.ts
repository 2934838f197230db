/**
 * The one owner of capacity (docs/architecture.md "Capacity"): the node groups and their
 * worker connections, the slot book of free executors and our reservations, the jobs grabbed
 * and not yet placed on a node (holds), and the pause reasons. Every change to any of them ends
 * in `#push()`, which gives each group's worker its grab budget, and closes (flushing first) the
 * workers of retired groups once they hold no job. Nobody else sets a budget or closes a worker.
 *
 * The invariant: a group's outstanding GRAB_JOB_UNIQ never exceed its free executors minus its
 * holds, where "free" is the node picture minus the builds we reserved a node for. A job that
 * runs holds a reservation, not a grab, so a job ending or lost never frees a grab by itself.
 */
import { TypedEmitter } from "../../util/index.js";
import type { JobInfo, NodeInfo, WorkerJobPort, WorkerPort } from "../ports.js";
import { ExpectedBack } from "./expected.js";
import { FunctionSets, isOnline } from "./function-sets.js";
import { planGroups, type PlannedGroup } from "./groups.js";
import { SlotBook } from "./slots.js";
import { tokenOf, type CapacityOptions, type GroupRef, type GroupView, type PauseReason } from "./types.js";

export { tokenOf, type CapacityOptions, type GroupRef, type GroupView, type PauseReason } from "./types.js";

interface Group extends GroupRef {
  readonly worker: WorkerPort;
  functions: readonly string[];
  nodes: readonly string[];
  retired: boolean;
}

export class Capacity extends TypedEmitter<{ changed: [] }> {
  readonly #o: CapacityOptions;
  readonly #slots = new SlotBook();
  readonly #sets = new FunctionSets();
  readonly #groups = new Map<number, Group>();
  readonly #holds = new Map<WorkerJobPort, Group>();
  readonly #pauses = new Set<PauseReason>();
  /** Jobs we expect gearmand to hand back (our connection dropped, or a restart), for a while. */
  readonly #expected: ExpectedBack;
  readonly #fnSets = new WeakMap<readonly string[], ReadonlySet<string>>();
  #plan: PlannedGroup[] = [];
  #nextId = 1;
  #nodes: NodeInfo[] = [];
  #started = false;
  #closed = false;

  constructor(o: CapacityOptions) {
    super();
    this.#o = o;
    this.#expected = new ExpectedBack({ now: o.now ?? Date.now, ...(o.expectBackMs !== undefined ? { windowMs: o.expectBackMs } : {}) });
  }

  // ---- what registration follows ----

  /** Jobs changed: recompile label expressions and regroup. */
  setJobs(jobs: Iterable<JobInfo>): void {
    this.#sets.setJobs(jobs);
    this.#regroup();
    this.#push();
  }

  /** The node picture changed (state, labels, executors): new slot counts, regroup. */
  setNodes(nodes: Iterable<NodeInfo>): void {
    this.#nodes = [...nodes];
    this.#slots.update(this.#nodes.map((n) => ({ name: n.name, online: isOnline(n), numExecutors: n.numExecutors, busy: n.executors.filter((e) => !e.idle).map((e) => e.build?.url ?? null) })));
    this.#regroup();
    this.#push();
  }

  pause(reason: PauseReason): void {
    if (this.#pauses.has(reason)) return;
    this.#pauses.add(reason);
    this.#push();
  }

  resume(reason: PauseReason): void {
    if (!this.#pauses.delete(reason)) return;
    this.#push();
  }

  get pauses(): readonly PauseReason[] {
    return [...this.#pauses];
  }

  get paused(): boolean {
    return this.#pauses.size > 0;
  }

  /**
   * A job gearmand will hand back (requeued when our connection dropped, or restored from the
   * state file after a restart): its group may grab it even while paused, and even when its
   * nodes are full (its build already holds one). Without it a draining master could not take
   * back its own builds, and another master would run them again.
   */
  expect(token: string, fn: string): void {
    if (this.#expected.add(token, fn)) this.#push();
  }

  /** A new job was grabbed while paused, on a grab kept for jobs coming back: the group's kept grabs are spent (ExpectedBack.spendAll). */
  spendExpected(group: GroupRef): void {
    const g = this.#groups.get(group.id);
    if (g !== undefined && this.#expected.spendAll(this.#functionSet(g)) > 0) this.#push();
  }

  /** Once a cycle: jobs that did not come back within the window no longer keep a grab. */
  expireExpected(): string[] {
    const gone = this.#expected.expire();
    if (gone.length > 0) this.#push();
    return gone;
  }

  unexpect(token: string): void {
    if (this.#expected.delete(token)) this.#push();
  }

  isExpected(token: string): boolean {
    return this.#expected.has(token);
  }

  jobsFor(fn: string): readonly string[] {
    return this.#sets.jobsFor(fn);
  }

  clashes(): { name: string; jobs: string[] }[] {
    return this.#sets.clashes();
  }

  get badLabels(): readonly { job: string; error: string }[] {
    return this.#sets.badLabels;
  }

  // ---- jobs and their nodes ----

  /**
   * Places a held job on the free node of its group with the most free executors: its hold
   * becomes a reservation under `token`. `exclusive` (OFFLINE_NODE_WHEN_COMPLETE) takes a whole
   * idle node. null when no node of the group is free right now (the hold stays).
   */
  place(job: WorkerJobPort, token: string, o: { exclusive: boolean; avoid?: readonly string[] }): string | null {
    const g = this.#holds.get(job);
    if (g === undefined) return null;
    const node = this.#slots.pick(g.nodes.filter((n) => !(o.avoid ?? []).includes(n)));
    if (node === null) return null;
    this.#holds.delete(job);
    this.#slots.reserve(token, node, o.exclusive);
    this.#push();
    return node;
  }

  /** A reservation on a known node (a build adopted after a restart, or re-placed); releases the job's hold. */
  reserve(job: WorkerJobPort | null, token: string, node: string, o: { exclusive: boolean; url?: string }): void {
    if (job !== null) this.#holds.delete(job);
    this.#expected.delete(token);
    this.#slots.reserve(token, node, o.exclusive);
    if (o.url !== undefined) this.#slots.started(token, node, o.url);
    this.#push();
  }

  /** A re-grabbed job joins its run's existing reservation: its hold goes. */
  adopted(job: WorkerJobPort): void {
    this.#holds.delete(job);
    this.#expected.delete(tokenOf(job));
    this.#push();
  }

  /**
   * Moves a reservation to another free node of the group (a foreign build took the executor
   * it was placed on). Returns the new node, or null (the reservation stays where it was).
   */
  move(token: string, group: GroupRef, o: { exclusive: boolean; avoid: readonly string[] }): string | null {
    const g = this.#groups.get(group.id);
    if (g === undefined) return null;
    const node = this.#slots.pick(g.nodes.filter((n) => !o.avoid.includes(n)));
    if (node === null) return null;
    this.#slots.reserve(token, node, o.exclusive);
    this.#push();
    return node;
  }

  /** The build started: on which node (it may differ from the reserved one when unpinned), and its URL. */
  started(token: string, node: string, url: string): void {
    this.#slots.started(token, node, url);
    this.#push();
  }

  /** The build ended, or the job gave up its node. */
  release(token: string): void {
    this.#slots.release(token);
    this.#push();
  }

  /**
   * The job's last packet (WORK_COMPLETE, WORK_FAIL): drops its hold and reservation, sends,
   * then lets a retired worker close (close flushes, so the packet is never lost).
   */
  end(job: WorkerJobPort, token: string | null, send: () => boolean): boolean {
    this.#holds.delete(job);
    if (token !== null) {
      this.#slots.release(token);
      this.#expected.delete(token);
    }
    const sent = send();
    this.#push();
    return sent;
  }

  /** The job's connection dropped (gearmand requeued it): a hold is gone with it; a reservation stays for the build, and the job is expected back. */
  lost(job: WorkerJobPort): void {
    if (!this.#holds.delete(job) && this.#slots.holds(tokenOf(job))) this.#expected.add(tokenOf(job), job.functionName);
    this.#push();
  }

  /** Free executors of a node now (for status). */
  freeOf(nodes: readonly string[]): number {
    return this.#slots.freeOf(nodes);
  }

  /** Is the node in the picture, online? */
  hasNode(node: string): boolean {
    return this.#slots.has(node);
  }

  groups(): GroupView[] {
    return [...this.#groups.values()].map((g) => ({ id: g.id, clientId: g.clientId, worker: g.worker, functions: g.functions, nodes: g.nodes, retired: g.retired, freeExecutors: this.#slots.freeOf(g.nodes), holds: this.#holdsOf(g), budget: this.#budget(g) }));
  }

  /** The nodes of the group a job was assigned on. */
  nodesOf(group: GroupRef): readonly string[] {
    return this.#groups.get(group.id)?.nodes ?? [];
  }

  start(): void {
    this.#started = true;
    for (const g of this.#groups.values()) g.worker.start();
  }

  /** Closes every worker (each flushes first); running jobs are requeued by gearmand and adopted after a restart. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#groups.values()];
    this.#groups.clear();
    await Promise.allSettled(all.map((g) => g.worker.close()));
  }

  #regroup(): void {
    if (this.#closed) return;
    const nodeFunctions = new Map<string, readonly string[]>();
    for (const n of this.#nodes) if (n.numExecutors > 0) nodeFunctions.set(n.name, this.#sets.of(n));
    const { plan, nextId } = planGroups(nodeFunctions, this.#plan, this.#nextId);
    this.#plan = [...plan.groups];
    this.#nextId = nextId;
    for (const p of plan.groups) {
      let g = this.#groups.get(p.workerId);
      if (g === undefined) {
        const clientId = `${this.#o.clientIdPrefix}_sidecar-${p.workerId}`;
        const worker = this.#o.createWorker(clientId);
        const group: Group = { id: p.workerId, clientId, worker, functions: [], nodes: [], retired: false };
        worker.on("job", (job) => {
          // Counted before anything else runs: the worker pumps again right after this returns.
          this.#holds.set(job, group);
          job.on("lost", () => this.lost(job));
          this.#push();
          this.#o.onJob(job, group);
        });
        this.#groups.set(p.workerId, group);
        g = group;
        if (this.#started) worker.start();
      }
      // The same (memoised, frozen) array is the same set: no diff to compute.
      if (g.functions !== p.functions || g.retired) g.worker.setFunctions(p.functions);
      g.functions = p.functions;
      g.nodes = p.nodes;
      g.retired = false;
    }
    for (const id of plan.retired) {
      const g = this.#groups.get(id);
      if (g === undefined || g.retired) continue;
      g.retired = true;
      g.nodes = [];
      g.functions = [];
      g.worker.setFunctions([]);
    }
  }

  #functionSet(g: Group): ReadonlySet<string> {
    let set = this.#fnSets.get(g.functions);
    if (set === undefined) this.#fnSets.set(g.functions, (set = new Set(g.functions)));
    return set;
  }

  #holdsOf(g: Group): number {
    let n = 0;
    for (const h of this.#holds.values()) if (h === g) n++;
    return n;
  }

  #budget(g: Group): number {
    if (g.retired) return 0;
    let back = 0;
    if (this.#expected.size > 0) {
      back = this.#expected.countFor(this.#functionSet(g));
    }
    // Paused, only the jobs coming back may be grabbed; a job coming back is held until adopted.
    const free = this.#pauses.size > 0 ? 0 : this.#slots.freeOf(g.nodes);
    return Math.max(0, free + back - this.#holdsOf(g));
  }

  #push(): void {
    if (this.#closed) return;
    for (const g of [...this.#groups.values()]) {
      g.worker.setGrabBudget(this.#budget(g));
      if (g.retired && g.worker.running === 0 && this.#holdsOf(g) === 0) {
        this.#groups.delete(g.id);
        g.worker.close().catch((e: unknown) => this.#o.logger.warn({ err: e, worker: g.clientId }, "closing a retired worker failed"));
      }
    }
    this.safeEmit("changed");
  }
}
