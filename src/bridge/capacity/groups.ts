/**
 * Registration scales with label sets, not executors (docs/contract.md "Connections and client ids"): nodes whose labels give the
 * same function set share one worker connection per Gearman server.
 *
 * When jobs or labels change, every group's function set may change. To send a small diff
 * rather than open new connections, each new group keeps the worker that held most of its
 * nodes before; only genuinely new groups get new workers, and workers left without nodes
 * retire (they stop grabbing and close once their running jobs are reported). Pure.
 */
export interface PlannedGroup {
  /** Stable id of the worker serving this group (reused across plans). */
  readonly workerId: number;
  readonly functions: readonly string[];
  readonly nodes: readonly string[];
}

export interface GroupPlan {
  readonly groups: readonly PlannedGroup[];
  /** Workers of the previous plan that serve no group any more. */
  readonly retired: readonly number[];
}

/**
 * The grouping key of a function set. Callers pass the same (memoised, readonly) arrays cycle
 * after cycle, so each is joined once (an array must not be mutated after it was passed here): joining 1,000 nodes' 2,000-name sets on every poll made
 * 40 MB of garbage per cycle.
 */
const keys = new WeakMap<readonly string[], string>();
function keyOf(fns: readonly string[]): string {
  let k = keys.get(fns);
  if (k === undefined) {
    k = fns.join("\n");
    keys.set(fns, k);
  }
  return k;
}

/**
 * @param nodeFunctions node name -> sorted function set (empty sets are ignored: no group)
 * @param previous the groups of the last plan
 * @param nextId the first id free for new workers
 */
export function planGroups(
  nodeFunctions: ReadonlyMap<string, readonly string[]>,
  previous: readonly PlannedGroup[],
  nextId: number,
): { plan: GroupPlan; nextId: number } {
  const byKey = new Map<string, { functions: readonly string[]; nodes: string[] }>();
  for (const [node, fns] of nodeFunctions) {
    if (fns.length === 0) continue;
    const key = keyOf(fns);
    const g = byKey.get(key);
    if (g) g.nodes.push(node);
    else byKey.set(key, { functions: fns, nodes: [node] });
  }
  const fresh = [...byKey.values()].map((g) => ({ ...g, nodes: g.nodes.sort() }));

  // Score every (new group, old worker) pair by shared nodes; assign greedily, best first.
  const oldNodes = previous.map((p) => ({ id: p.workerId, nodes: new Set(p.nodes), key: keyOf(p.functions) }));
  const pairs: { g: number; w: number; score: number; same: boolean }[] = [];
  fresh.forEach((g, gi) => {
    const key = keyOf(g.functions);
    oldNodes.forEach((w, wi) => {
      let score = 0;
      for (const n of g.nodes) if (w.nodes.has(n)) score++;
      if (score > 0 || w.key === key) pairs.push({ g: gi, w: wi, score, same: w.key === key });
    });
  });
  // Same function set first (no diff at all), then most shared nodes.
  pairs.sort((a, b) => Number(b.same) - Number(a.same) || b.score - a.score || a.w - b.w);
  const gWorker = new Map<number, number>();
  const usedW = new Set<number>();
  for (const p of pairs) {
    const old = oldNodes[p.w];
    if (old === undefined || gWorker.has(p.g) || usedW.has(p.w)) continue;
    gWorker.set(p.g, old.id);
    usedW.add(p.w);
  }
  let id = nextId;
  const groups: PlannedGroup[] = fresh.map((g, gi) => ({
    workerId: gWorker.get(gi) ?? id++,
    functions: g.functions,
    nodes: g.nodes,
  }));
  groups.sort((a, b) => a.workerId - b.workerId);
  const retired = previous.filter((_, wi) => !usedW.has(wi)).map((p) => p.workerId);
  return { plan: { groups, retired }, nextId: id };
}

/** CAN_DO packets a one-connection-per-executor model (the plugin) would send for the same master. */
export function pluginCanDoCount(nodes: Iterable<{ executors: number; functions: number }>): number {
  let n = 0;
  for (const node of nodes) n += node.executors * node.functions;
  return n;
}
