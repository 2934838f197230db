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

/** Label resolution (spec §2.8): a Node/Label parameter value, then the job's label, then none (any node). */
function assignedLabel(job: Job, params: readonly ParamValue[]): LabelExpr | null {
  for (const p of params) {
    if (p.value === "") continue;
    if (p.type === "node") return { op: "atom", name: p.value };
    if (p.type === "label") {
      try {
        return parseLabelExpression(p.value);
      } catch {
        return { op: "atom", name: p.value }; // Label.get falls back to an atom of the literal text
      }
    }
  }
  return job.label;
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
  m.buildable.set(item.id, item);
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
  const slot = n.slots.indexOf(null);
  const number = job.nextBuildNumber++;
  const startedAt = now + opts.executableNullWindowMs;
  const b: Build = {
    job, number, queueId: item.id, node: n, slot, params: item.params, causes: item.causes, startedAt,
    startTick: m.tickNo, endAt: startedAt + job.durationMs, planned: job.result, duration: 0, result: null,
    building: true, description: null, path: `${job.path}${number}/`,
  };
  n.slots[slot] = b;
  n.busy++;
  m.refreshIdle(n);
  job.builds.push(b);
  job.byNumber.set(number, b);
  job.running++;
  m.buildsByPath.set(b.path, b);
  m.running.add(b);
  item.build = b;
  leave(m, item);
  m.events.push(b.endAt, b);
  return b;
}

/** Ends a running build with a result (combined with one set while building). No-op when finished. */
export function finishBuild(m: Model, b: Build, result: SimResult): void {
  if (!b.building) return;
  const now = m.now();
  b.building = false;
  b.result = worse(b.result, result);
  b.duration = Math.max(1, now - b.startedAt);
  b.endAt = now;
  const n = b.node;
  if (n.slots[b.slot] === b) {
    n.slots[b.slot] = null;
    n.busy--;
  }
  m.refreshIdle(n);
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
  for (const b of n.slots) if (b !== null) finishBuild(m, b, "FAILURE");
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
