/**
 * The queue and the scheduler (after `hudson/model/Queue.java`): scheduling with duplicate collapsing,
 * quiet periods, blocking of non-concurrent jobs, executor assignment by label (exclusive nodes take only
 * tasks whose label matches them), build ends and cancellation. Work is O(changed): timed events sit in a
 * heap, only idle nodes are scanned, and a label without capacity is skipped for the rest of a pass.
 */
import { type LabelExpr, formatLabelExpression, matches, parseLabelExpression } from "../util/label-expr.js";
import type { Build, Cause, Job, Model, ParamValue, QueueItem, SimNode } from "./model.js";
import type { SimResult } from "./types.js";

const ORDER: Record<SimResult, number> = { SUCCESS: 0, UNSTABLE: 1, FAILURE: 2, NOT_BUILT: 3, ABORTED: 4 };

/** `Result.combine`: results only get worse. */
export function worse(a: SimResult | null, b: SimResult): SimResult {
  return a === null || ORDER[b] > ORDER[a] ? b : a;
}

export interface SchedulerOptions {
  readonly leftItemTtlMs: number;
  readonly executableNullWindowMs: number;
}

/** `Label.get`: an expression, or an atom of the literal text when it does not parse. */
function labelOf(text: string): LabelExpr {
  try {
    return parseLabelExpression(text);
  } catch {
    return { op: "atom", name: text };
  }
}

/** `Jenkins.getSelfLabel()`: what a Pipeline's flyweight asks for (`WorkflowJob.getAssignedLabel`, workflow-job WorkflowJob.java:453-459). */
const SELF = "built-in";
export const SELF_LABEL: LabelExpr = { op: "atom", name: SELF };

/**
 * Label resolution (docs/jenkins-rest.md "Pinning a build to a node"): a Node/Label parameter value (`LabelParameterValue.getAssignedLabel(SubTask)`,
 * nodelabelparameter LabelParameterValue.java:167-170, through `Queue.Item.getAssignedLabel`, Queue.java:2364-2370,
 * so for a Pipeline it assigns the flyweight too), then the job's label (a Pipeline's is the built-in node's
 * self-label), then none (any node).
 */
function assignedLabel(job: Job, params: readonly ParamValue[]): LabelExpr | null {
  for (const p of params) {
    if (p.value === "") continue;
    if (p.type === "node") return { op: "atom", name: p.value };
    if (p.type === "label") return labelOf(p.value);
  }
  return job.type === "pipeline" ? SELF_LABEL : job.label;
}

/** The label of a Pipeline run's `node` block, from its script; undefined when it has none. */
function bodyLabelOf(job: Job, params: readonly ParamValue[]): { label: LabelExpr | null } | undefined {
  const step = job.nodeStep;
  if (step.kind === "none") return undefined;
  if (step.kind === "label") return { label: step.label === null ? null : labelOf(step.label) };
  // node(params.X): the value as a label expression; "" or an unknown parameter is any node (Label.parseExpression("") is null).
  const v = params.find((p) => p.name === step.name)?.value ?? "";
  return { label: v.trim() === "" ? null : labelOf(v) };
}

export interface ScheduleResult {
  readonly item: QueueItem;
  readonly created: boolean;
}

/** `Queue.schedule2`: a task already queued with the same parameters is merged, keeping the earlier due time. */
export function schedule(m: Model, job: Job, params: readonly ParamValue[], cause: Cause, delayMs: number): ScheduleResult {
  const key = params.map((p) => `${p.name}=${p.value}`).join("\n");
  const now = m.now();
  const due = now + Math.max(0, delayMs);
  const existing = job.queued.get(key);
  if (existing !== undefined) {
    if (existing.state === "waiting" && due < existing.due) {
      existing.due = due;
      m.events.push(due, existing);
    }
    return { item: existing, created: false };
  }
  const label = assignedLabel(job, params);
  const item: QueueItem = {
    id: m.nextQueueId++, job, params, key, causes: [cause], state: "waiting", inQueueSince: now, due,
    buildableSince: 0, cancelled: false, build: null, leftAt: 0, label,
    labelKey: label === null ? null : formatLabelExpression(label),
  };
  m.queue.set(item.id, item);
  job.queued.set(key, item);
  m.events.push(due, item);
  return { item, created: true };
}

function leave(m: Model, item: QueueItem): void {
  m.queue.delete(item.id);
  m.buildable.delete(item.id);
  m.buildableFly.delete(item.id);
  if (item.job.queued.get(item.key) === item) item.job.queued.delete(item.key);
  item.state = "left";
  item.leftAt = m.now();
  m.left.set(item.id, item);
}

/** `Queue.cancel`: the item becomes a LeftItem with cancelled:true. False if it is not live. */
export function cancel(m: Model, id: number): boolean {
  const item = m.queue.get(id);
  if (item === undefined) return false;
  item.cancelled = true;
  leave(m, item);
  return true;
}

function isBlocked(item: QueueItem): boolean {
  return !item.job.concurrent && item.job.running > 0;
}

function makeBuildable(m: Model, item: QueueItem, now: number): void {
  if (item.state === "waiting") item.buildableSince = now;
  item.state = "buildable";
  (item.job.type === "pipeline" ? m.buildableFly : m.buildable).set(item.id, item);
  m.dirty = true;
}

function canTake(n: SimNode, item: QueueItem): boolean {
  // Node.canTake: the label must contain the node; an exclusive node refuses tasks without a label.
  if (item.label === null) return !n.exclusive;
  return matches(item.label, n.labelSet);
}

function start(m: Model, item: QueueItem, n: SimNode, opts: SchedulerOptions): Build {
  const job = item.job;
  const now = m.now();
  const fly = job.type === "pipeline";
  const slot = fly ? -1 : n.slots.indexOf(null);
  const number = job.nextBuildNumber++;
  const startedAt = now + opts.executableNullWindowMs;
  const bodyLabel = fly ? bodyLabelOf(job, item.params) : undefined;
  const b: Build = {
    job, number, queueId: item.id, node: n, slot, params: item.params, causes: item.causes, startedAt,
    startTick: m.tickNo, endAt: bodyLabel === undefined ? startedAt + job.durationMs : Infinity, planned: job.result,
    duration: 0, result: null, building: true, description: null, path: `${job.path}${number}/`, bodyLabel, body: null,
  };
  if (fly) {
    n.oneOff.push(b);
    if (bodyLabel !== undefined) m.pendingBodies.add(b);
  } else {
    n.slots[slot] = b;
    n.busy++;
    m.refreshIdle(n);
  }
  job.builds.push(b);
  job.byNumber.set(number, b);
  job.running++;
  m.buildsByPath.set(b.path, b);
  m.running.add(b);
  item.build = b;
  leave(m, item);
  if (b.endAt !== Infinity) m.events.push(b.endAt, b);
  return b;
}

/** Frees the executor a build holds (for a Pipeline run: its one-off executor and its node block's executor). */
function release(m: Model, b: Build): void {
  const n = b.node;
  if (b.slot < 0) {
    const i = n.oneOff.indexOf(b);
    if (i >= 0) n.oneOff.splice(i, 1);
    m.pendingBodies.delete(b);
    if (b.body !== null && b.body.node.slots[b.body.slot] === b) {
      b.body.node.slots[b.body.slot] = null;
      b.body.node.busy--;
      m.refreshIdle(b.body.node);
    }
  } else if (n.slots[b.slot] === b) {
    n.slots[b.slot] = null;
    n.busy--;
  }
  m.refreshIdle(n);
}

/** Ends a running build with a result (combined with one set while building). No-op when finished. */
export function finishBuild(m: Model, b: Build, result: SimResult): void {
  if (!b.building) return;
  const now = m.now();
  b.building = false;
  b.result = worse(b.result, result);
  b.duration = Math.max(1, now - b.startedAt);
  b.endAt = now;
  release(m, b);
  m.running.delete(b);
  const job = b.job;
  job.running--;
  m.dirty = true;
  if (job.running === 0) {
    for (const it of job.queued.values()) if (it.state === "blocked") makeBuildable(m, it, now);
  }
}

/** Ends every build running on a node (agent dropped or deleted): they end FAILURE, as a broken channel does. */
export function failBuildsOn(m: Model, n: SimNode): void {
  for (const b of [...n.slots, ...n.oneOff]) if (b !== null) finishBuild(m, b, "FAILURE");
}

/**
 * `Queue.makeFlyWeightTaskBuildable` (Queue.java:1870-1917): the built-in node for its self-label; otherwise the
 * first online agent (the built-in node is not in `Jenkins.getNodes()`) that the label contains and that can take
 * it. A one-off executor needs no free executor.
 */
function flyweightNode(m: Model, item: QueueItem): SimNode | null {
  const label = item.label ?? SELF_LABEL;
  if (label.op === "atom" && label.name === SELF) return m.builtIn;
  for (const n of m.computers()) {
    if (n.builtIn || !m.isOnline(n)) continue;
    if (matches(label, n.labelSet)) return n;
  }
  return null;
}

/** Node blocks of running Pipelines take a free executor of a node their label contains (a PlaceholderTask). */
function placeBodies(m: Model): void {
  for (const b of m.pendingBodies) {
    if (m.idleNodes.size === 0) return;
    const want = b.bodyLabel?.label ?? null;
    let chosen: SimNode | null = null;
    for (const n of m.idleNodes) {
      if (want === null ? !n.exclusive : matches(want, n.labelSet)) {
        chosen = n;
        break;
      }
    }
    if (chosen === null) continue;
    const slot = chosen.slots.indexOf(null);
    chosen.slots[slot] = b;
    chosen.busy++;
    m.refreshIdle(chosen);
    b.body = { node: chosen, slot };
    m.pendingBodies.delete(b);
    b.endAt = m.now() + b.job.durationMs;
    m.events.push(b.endAt, b);
  }
}

/** `Queue.maintain` plus the clock: end due builds, promote due waiting items, start buildable items. */
export function maintain(m: Model, opts: SchedulerOptions): void {
  m.tickNo++;
  const now = m.now();
  // Builds started below are pushed after this loop, so a zero-length build ends on the next tick.
  while (m.events.peekTime() <= now) {
    const ev = m.events.pop() as QueueItem | Build;
    if ("number" in ev) {
      if (!ev.building || ev.endAt > now) continue;
      finishBuild(m, ev, ev.planned);
    } else if (ev.state === "waiting" && ev.due <= now) {
      if (isBlocked(ev)) {
        ev.buildableSince = now;
        ev.state = "blocked";
      } else makeBuildable(m, ev, now);
    }
  }
  // Left items expire after the TTL (`Queue.leftItems`, expireAfterWrite); insertion order is expiry order.
  for (const it of m.left.values()) {
    if (it.leftAt + opts.leftItemTtlMs > now) break;
    m.left.delete(it.id);
  }
  // Flyweights and PlaceholderTasks are not NonBlockingTasks: quiet-down holds them too (Queue.java:1952-1954).
  if (m.dirty && !m.quietingDown) {
    for (const item of m.buildableFly.values()) {
      if (isBlocked(item)) {
        m.buildableFly.delete(item.id);
        item.state = "blocked";
        continue;
      }
      const n = flyweightNode(m, item);
      if (n !== null) start(m, item, n, opts);
    }
    placeBodies(m);
  }
  if (m.dirty && !m.quietingDown && m.buildable.size > 0 && m.idleNodes.size > 0) {
    const full = new Set<string | null>();
    for (const item of m.buildable.values()) {
      if (m.idleNodes.size === 0) break;
      if (full.has(item.labelKey)) continue;
      if (isBlocked(item)) {
        m.buildable.delete(item.id);
        item.state = "blocked";
        continue;
      }
      let chosen: SimNode | null = null;
      for (const n of m.idleNodes) {
        if (canTake(n, item)) {
          chosen = n;
          break;
        }
      }
      if (chosen === null) full.add(item.labelKey);
      else start(m, item, chosen, opts);
    }
  }
  m.dirty = false;
}
