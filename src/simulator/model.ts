/**
 * The simulator's state: folders and jobs (indexed by full name), nodes (by name), queue items (by id) and
 * builds (by URL path), plus the clock. Mutations that involve the queue live in scheduler.ts.
 */
import type { Build, Clock, Folder, Item, Job, QueueItem, SimNode } from "./entities.js";
import { TimeHeap } from "./heap.js";
import { type LabelExpr, matches, parseLabelExpression } from "../util/label-expr.js";
import { UnknownItemError, UnknownNodeError, SimulatorSpecError } from "./errors.js";
import type { SimJobSpec, SimNodeSpec, SimParamSpec } from "./types.js";
import { defaultScript, nodeStepOf } from "./pipeline.js";
import type { Document } from "@xmldom/xmldom";

export { ManualClock, realClock } from "./entities.js";
export type { Build, Cause, Clock, Folder, Item, Job, OfflineCause, ParamValue, QueueItem, QueueState, SimNode } from "./entities.js";

export function encodeSegment(s: string): string {
  return encodeURIComponent(s);
}

export class Model {
  readonly clock: Clock;
  readonly root: Folder = { kind: "folder", name: "", fullName: "", parent: null, path: "", children: new Map(), sorted: null };
  readonly items = new Map<string, Item>();
  readonly nodes = new Map<string, SimNode>();
  readonly builtIn: SimNode;
  sortedNodes: SimNode[] | null = null;
  /** Live queue items (waiting, blocked, buildable) by id. */
  readonly queue = new Map<number, QueueItem>();
  readonly buildable = new Map<number, QueueItem>();
  /** Buildable Pipeline items: they wait for a one-off executor, not a free one (`Queue.java:1870-1917`). */
  readonly buildableFly = new Map<number, QueueItem>();
  /** Pipeline runs whose `node` block waits for a regular executor. */
  readonly pendingBodies = new Set<Build>();
  /** The config.xml document of items created or configured by XML (config-xml.ts); others render from their state. */
  readonly configDocs = new WeakMap<Item, Document>();
  /** Left items by id, in the order they left (so expiry is FIFO). */
  readonly left = new Map<number, QueueItem>();
  readonly buildsByPath = new Map<string, Build>();
  readonly running = new Set<Build>();
  readonly events = new TimeHeap<QueueItem | Build>();
  /** Nodes that can take work now: online, with a free executor. */
  readonly idleNodes = new Set<SimNode>();
  /** Label text -> nodes whose labels match it. Cleared whenever nodes or their labels change. */
  readonly labelNodes = new Map<string, SimNode[]>();
  nextQueueId = 1;
  tickNo = 0;
  quietingDown = false;
  quietDownReason: string | null = null;
  /** Set when something may let a buildable item start. */
  dirty = true;

  constructor(clock: Clock, builtInExecutors: number, builtInLabels: readonly string[]) {
    this.clock = clock;
    this.builtIn = this.#makeNode({ name: "", labels: [...builtInLabels], executors: builtInExecutors }, true);
    this.nodes.set("", this.builtIn);
    this.#refreshIdle(this.builtIn);
  }

  now(): number {
    return this.clock.now();
  }

  // ---- jobs and folders ----

  getItem(fullName: string): Item | undefined {
    return fullName === "" ? this.root : this.items.get(fullName);
  }

  getJob(fullName: string): Job {
    const it = this.items.get(fullName);
    if (it === undefined || it.kind !== "job") throw new UnknownItemError(fullName);
    return it;
  }

  /** A new folder (its parents are made as needed); an existing name is an error. */
  addFolder(fullName: string): Folder {
    if (this.items.has(fullName)) throw new SimulatorSpecError(`an item named "${fullName}" already exists`);
    return this.#folder(fullName);
  }

  #folder(fullName: string): Folder {
    if (fullName === "") return this.root;
    const existing = this.items.get(fullName);
    if (existing !== undefined) {
      if (existing.kind !== "folder") throw new SimulatorSpecError(`"${fullName}" is a job, not a folder`);
      return existing;
    }
    const cut = fullName.lastIndexOf("/");
    const parent = this.#folder(cut < 0 ? "" : fullName.slice(0, cut));
    const name = fullName.slice(cut + 1);
    const f: Folder = { kind: "folder", name, fullName, parent, path: `${parent.path}job/${encodeSegment(name)}/`, children: new Map(), sorted: null };
    this.#attach(parent, f);
    return f;
  }

  #attach(parent: Folder, it: Item): void {
    parent.children.set(it.name, it);
    parent.sorted = null;
    this.items.set(it.fullName, it);
  }

  addJob(spec: SimJobSpec): Job {
    const fullName = spec.name.replace(/^\/+|\/+$/g, "");
    if (fullName === "" || fullName.split("/").includes("")) throw new SimulatorSpecError(`invalid job name "${spec.name}"`);
    if (this.items.has(fullName)) throw new SimulatorSpecError(`an item named "${fullName}" already exists`);
    const cut = fullName.lastIndexOf("/");
    const parent = this.#folder(cut < 0 ? "" : fullName.slice(0, cut));
    const name = fullName.slice(cut + 1);
    const type = spec.type ?? "freestyle";
    const le = type === "pipeline" ? null : blankToNull(spec.labelExpression);
    const params = validateParams(spec.parameters ?? []);
    const script = type === "pipeline" ? (spec.script ?? defaultScript(params)) : null;
    const job: Job = {
      kind: "job", name, fullName, parent, path: `${parent.path}job/${encodeSegment(name)}/`, type,
      labelExpression: le, label: le === null ? null : parseLabelExpression(le),
      disabled: spec.disabled ?? false, concurrent: spec.concurrent ?? true, params, script, nodeStep: nodeStepOf(script),
      durationMs: spec.durationMs ?? 0, result: spec.result ?? "SUCCESS", estimatedDurationMs: spec.estimatedDurationMs,
      description: spec.description ?? null, nextBuildNumber: 1, builds: [], byNumber: new Map(), running: 0,
      queued: new Map(), removed: false,
    };
    this.#attach(parent, job);
    return job;
  }

  /** Detaches an item (and a folder's subtree) from the tree; the scheduler cancels its queue items. */
  removeItem(fullName: string): Job[] {
    const it = this.items.get(fullName);
    if (it === undefined) throw new UnknownItemError(fullName);
    const jobs: Job[] = [];
    const walk = (x: Item): void => {
      this.items.delete(x.fullName);
      if (x.kind === "job") {
        x.removed = true;
        jobs.push(x);
      } else for (const c of x.children.values()) walk(c);
    };
    walk(it);
    const parent = it.parent ?? this.root;
    parent.children.delete(it.name);
    parent.sorted = null;
    return jobs;
  }

  /** Children sorted case-insensitively, as Jenkins' `CopyOnWriteMap.Tree(CASE_INSENSITIVE_ORDER)` keeps them. */
  children(f: Folder): Item[] {
    if (f.sorted === null) {
      f.sorted = [...f.children.values()].sort((a, b) => compareCI(a.name, b.name));
    }
    return f.sorted;
  }

  // ---- nodes ----

  getNode(name: string): SimNode {
    const n = this.nodes.get(name);
    if (n === undefined) throw new UnknownNodeError(name);
    return n;
  }

  #makeNode(spec: SimNodeSpec, builtIn: boolean): SimNode {
    const labels = [...new Set((spec.labels ?? []).flatMap((l) => l.split(/\s+/)).filter((l) => l !== ""))];
    const executors = spec.executors ?? 2;
    if (!Number.isInteger(executors) || executors < 0) throw new SimulatorSpecError(`node "${spec.name}": executors must be an integer >= 0`);
    return {
      name: spec.name, builtIn, labels, labelSet: new Set([...labels, builtIn ? "built-in" : spec.name]),
      slots: new Array<Build | null>(executors).fill(null), oneOff: [], busy: 0, exclusive: spec.exclusive ?? false,
      connected: !(spec.offline ?? false), temporarilyOffline: false, offlineCause: null,
      description: spec.description ?? (builtIn ? "the Jenkins controller's built-in node" : ""), removed: false,
    };
  }

  addNode(spec: SimNodeSpec): SimNode {
    if (spec.name === "" || spec.name === "(built-in)" || spec.name === "(master)" || spec.name.includes("/")) {
      throw new SimulatorSpecError(`invalid node name "${spec.name}"`);
    }
    if (this.nodes.has(spec.name)) throw new SimulatorSpecError(`a node named "${spec.name}" already exists`);
    const n = this.#makeNode(spec, false);
    this.nodes.set(n.name, n);
    this.nodesChanged();
    this.#refreshIdle(n);
    return n;
  }

  /** Forgets the node; the caller ends the builds running on it first. */
  removeNode(n: SimNode): void {
    n.removed = true;
    this.nodes.delete(n.name);
    this.idleNodes.delete(n);
    this.nodesChanged();
  }

  setLabels(n: SimNode, labels: readonly string[]): void {
    n.labels = [...new Set(labels.filter((l) => l !== ""))];
    n.labelSet = new Set([...n.labels, n.builtIn ? "built-in" : n.name]);
    this.nodesChanged();
  }

  nodesChanged(): void {
    this.sortedNodes = null;
    this.labelNodes.clear();
    this.dirty = true;
  }

  /** Computers sorted by name, so the built-in node ("") comes first (`ComputerSet.java:133`). */
  computers(): SimNode[] {
    if (this.sortedNodes === null) {
      this.sortedNodes = [...this.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return this.sortedNodes;
  }

  isOnline(n: SimNode): boolean {
    return n.connected && !n.temporarilyOffline;
  }

  /** Keeps `idleNodes` in step with a node's state; call after any change to its slots or online state. */
  refreshIdle(n: SimNode): void {
    this.#refreshIdle(n);
  }

  #refreshIdle(n: SimNode): void {
    if (!n.removed && this.isOnline(n) && n.busy < n.slots.length) {
      if (!this.idleNodes.has(n)) {
        this.idleNodes.add(n);
        this.dirty = true;
      }
    } else this.idleNodes.delete(n);
  }

  /** Nodes (built-in included) whose labels satisfy the label; cached per label text. */
  nodesFor(key: string, label: LabelExpr): SimNode[] {
    let list = this.labelNodes.get(key);
    if (list === undefined) {
      list = [];
      for (const n of this.nodes.values()) if (matches(label, n.labelSet)) list.push(n);
      this.labelNodes.set(key, list);
    }
    return list;
  }

  // ---- builds ----

  getBuild(job: Job, number: number): Build | undefined {
    const b = job.byNumber.get(number);
    return b !== undefined && this.isVisible(b) ? b : undefined;
  }

  /** A build exists only once the optional executable:null window after its start has passed. */
  isVisible(b: Build): boolean {
    return b.startedAt <= this.now();
  }

  /** Newest first, visible builds only. */
  visibleBuilds(job: Job): Build[] {
    const out: Build[] = [];
    const now = this.now();
    for (let i = job.builds.length - 1; i >= 0; i--) {
      const b = job.builds[i] as Build;
      if (b.startedAt <= now) out.push(b);
    }
    return out;
  }

  /** The mean duration of the last 3 successful or unstable builds, -1 without history (`Job.getEstimatedDuration`). */
  estimatedDuration(job: Job): number {
    if (job.estimatedDurationMs !== undefined) return job.estimatedDurationMs;
    let sum = 0;
    let n = 0;
    for (let i = job.builds.length - 1; i >= 0 && n < 3; i--) {
      const b = job.builds[i] as Build;
      if (!b.building && (b.result === "SUCCESS" || b.result === "UNSTABLE")) {
        sum += b.duration;
        n++;
      }
    }
    return n === 0 ? -1 : Math.round(sum / n);
  }
}

export function compareCI(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function blankToNull(s: string | null | undefined): string | null {
  return s === undefined || s === null || s.trim() === "" ? null : s;
}

function validateParams(params: readonly SimParamSpec[]): SimParamSpec[] {
  const seen = new Set<string>();
  for (const p of params) {
    if (p.name === "" || seen.has(p.name)) throw new SimulatorSpecError(`duplicate or empty parameter name "${p.name}"`);
    seen.add(p.name);
    if (p.type === "choice" && (p.choices === undefined || p.choices.length === 0)) {
      throw new SimulatorSpecError(`choice parameter "${p.name}" needs choices`);
    }
  }
  return [...params];
}
