/** The simulator's entities: folders, jobs, nodes, queue items, builds, and the clock. */
import type { LabelExpr } from "../util/label-expr.js";
import type { NodeStep } from "./pipeline.js";
import type { SimParamSpec, SimParamType, SimResult } from "./types.js";

export interface ParamValue {
  readonly name: string;
  readonly type: SimParamType;
  readonly value: string;
}

export interface Cause {
  readonly cls: string;
  readonly shortDescription: string;
  readonly userId: string | null;
  readonly userName: string | null;
}

export interface Folder {
  readonly kind: "folder";
  readonly name: string;
  readonly fullName: string;
  readonly parent: Folder | null;
  /** URL path below the root, "job/a/job/b/". */
  readonly path: string;
  readonly children: Map<string, Item>;
  sorted: Item[] | null;
}

export interface Job {
  readonly kind: "job";
  readonly name: string;
  readonly fullName: string;
  readonly parent: Folder | null;
  readonly path: string;
  readonly type: "freestyle" | "pipeline";
  labelExpression: string | null;
  label: LabelExpr | null;
  disabled: boolean;
  concurrent: boolean;
  params: readonly SimParamSpec[];
  durationMs: number;
  result: SimResult;
  estimatedDurationMs: number | undefined;
  description: string | null;
  /** Pipeline: the script, and the label its first `node` step asks for. */
  script: string | null;
  nodeStep: NodeStep;
  nextBuildNumber: number;
  /** Ascending by number. */
  readonly builds: Build[];
  readonly byNumber: Map<number, Build>;
  running: number;
  /** Live queue items by parameter key (for duplicate collapsing). */
  readonly queued: Map<string, QueueItem>;
  removed: boolean;
}

export type Item = Folder | Job;

export interface OfflineCause {
  readonly cls: string;
  readonly description: string;
  readonly reason: string;
  readonly timestamp: number;
}

export interface SimNode {
  /** "" for the built-in node. */
  readonly name: string;
  readonly builtIn: boolean;
  labels: string[];
  labelSet: Set<string>;
  slots: (Build | null)[];
  /** Pipeline runs on this node's one-off (flyweight) executors (`Computer.getOneOffExecutors`). */
  oneOff: Build[];
  busy: number;
  exclusive: boolean;
  connected: boolean;
  temporarilyOffline: boolean;
  offlineCause: OfflineCause | null;
  description: string;
  removed: boolean;
}

export type QueueState = "waiting" | "blocked" | "buildable" | "left";

export interface QueueItem {
  readonly id: number;
  readonly job: Job;
  readonly params: readonly ParamValue[];
  readonly key: string;
  readonly causes: Cause[];
  state: QueueState;
  readonly inQueueSince: number;
  due: number;
  buildableSince: number;
  cancelled: boolean;
  build: Build | null;
  leftAt: number;
  /** The assigned label: the Node/Label parameter, else the job's label, else null (any node). */
  readonly label: LabelExpr | null;
  readonly labelKey: string | null;
}

export interface Build {
  readonly job: Job;
  readonly number: number;
  readonly queueId: number;
  /** The node whose executor runs the build: for a Pipeline run, the node of its flyweight executor. */
  readonly node: SimNode;
  /** The executor slot; -1 for a Pipeline run, which holds a one-off executor. */
  readonly slot: number;
  /**
   * Pipeline: the label of its `node` block, waiting for a regular executor (undefined: no node block or
   * placed), and where the block runs once placed (the executor shows a PlaceholderExecutable).
   */
  bodyLabel: { readonly label: LabelExpr | null } | undefined;
  body: { readonly node: SimNode; readonly slot: number } | null;
  readonly params: readonly ParamValue[];
  readonly causes: readonly Cause[];
  readonly startedAt: number;
  readonly startTick: number;
  /** The scripted result, taken from the job when the build started. */
  readonly planned: SimResult;
  endAt: number;
  duration: number;
  result: SimResult | null;
  building: boolean;
  description: string | null;
  /** URL path below the root, "job/a/job/b/8/". */
  readonly path: string;
}

/** Clock: the real one, or a manual one moved by advance(). */
export interface Clock {
  now(): number;
}

export class ManualClock implements Clock {
  #t: number;
  constructor(start = Math.floor(Date.now() / 1000) * 1000) {
    this.#t = start;
  }
  now(): number {
    return this.#t;
  }
  advance(ms: number): void {
    this.#t += ms;
  }
}

export const realClock: Clock = { now: () => Date.now() };
