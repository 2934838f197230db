/**
 * The poller's picture of the nodes and of which build holds which executor: the last full
 * node listing, kept current between listings with the starts and ends the poller learns of
 * (docs/architecture.md "Polling"). Every change gives the node a new NodeInfo object, so a
 * listener can tell changed nodes by identity.
 */
import type { ExecutorInfo, NodeInfo } from "../types.js";
import { diffNodes, type NodesDiff } from "./diff.js";

export interface ExecutorCountsView {
  busy: number;
  total: number;
}

export class ExecutorModel {
  #nodes = new Map<string, NodeInfo>();
  /** Build URL -> the node holding it (regular executors and one-off executors). */
  readonly #holder = new Map<string, string>();
  /** Build URL -> the node whose regular executor runs it (for a Pipeline run: its `node {}` block's agent). */
  readonly #agent = new Map<string, string>();
  #changed = new Set<string>();
  #removed: string[] = [];
  #stale = false;
  #staleWhy: string | null = null;

  get nodes(): ReadonlyMap<string, NodeInfo> {
    return this.#nodes;
  }

  /** A start could not be placed (no idle executor in the picture): only a full listing can tell. */
  get stale(): boolean {
    return this.#stale;
  }

  /** Why the picture is stale (for the debug log). */
  get staleWhy(): string | null {
    return this.#staleWhy;
  }

  /** Takes a full listing; returns what changed against the current picture. */
  replace(nodes: NodeInfo[]): NodesDiff {
    this.#stale = false;
    this.#staleWhy = null;
    const d = diffNodes(this.#nodes, nodes);
    this.#nodes = new Map(nodes.map((n) => [n.name, n]));
    this.#holder.clear();
    this.#agent.clear();
    for (const n of nodes) {
      for (const e of n.executors) if (e.build !== null) this.#agent.set(e.build.url, n.name);
      for (const e of [...n.executors, ...n.oneOffExecutors]) if (e.build !== null && !this.#holder.has(e.build.url)) this.#holder.set(e.build.url, n.name);
    }
    for (const n of d.changed) this.#changed.add(n.name);
    this.#removed.push(...d.removed);
    return d;
  }

  /** The node a build's executor belongs to, or null. */
  holderOf(url: string): string | null {
    return this.#holder.get(url) ?? null;
  }

  /** The node whose regular executor runs the build (not a one-off executor), or null. */
  agentOf(url: string): string | null {
    return this.#agent.get(url) ?? null;
  }

  /**
   * A build started on `node`: takes one of its idle executors (a one-off executor for a
   * flyweight). false when the picture has no idle executor there: it is stale, list again.
   */
  place(url: string, number: number, node: string, flyweight: boolean): boolean {
    if (this.#holder.has(url)) return true;
    const n = this.#nodes.get(node);
    if (n === undefined) {
      this.#stale = true;
      this.#staleWhy = `${url} started on ${JSON.stringify(node)}, a node the picture does not have`;
      return false;
    }
    if (flyweight) {
      this.#update(n, { ...n, oneOffExecutors: [...n.oneOffExecutors, { number: n.oneOffExecutors.length, idle: false, build: { number, url } }] });
    } else {
      const i = n.executors.findIndex((e) => e.idle && e.build === null);
      if (i < 0) {
        this.#stale = true;
        this.#staleWhy = `${url} started on ${JSON.stringify(node)}, whose executors the picture shows busy with ${n.executors.map((e) => e.build?.url ?? "?").join(", ")}`;
        return false;
      }
      this.#update(n, { ...n, executors: replaceAt(n.executors, i, { number: n.executors[i]?.number ?? i, idle: false, build: { number, url } }) });
      this.#agent.set(url, node);
    }
    this.#holder.set(url, node);
    return true;
  }

  /** A build ended: its executors are idle again (its one-off executor goes away). */
  vacate(url: string): void {
    const names = new Set<string>();
    for (const m of [this.#holder, this.#agent]) {
      const name = m.get(url);
      if (name !== undefined) names.add(name);
      m.delete(url);
    }
    for (const name of names) {
      const n = this.#nodes.get(name);
      if (n === undefined) continue;
      const executors = n.executors.map((e) => (e.build?.url === url ? { number: e.number, idle: true, build: null } : e));
      this.#update(n, { ...n, executors, oneOffExecutors: n.oneOffExecutors.filter((e) => e.build?.url !== url) });
    }
  }

  /**
   * The node was taken offline through this client (OFFLINE_NODE_WHEN_COMPLETE): temporarily
   * offline now, as the next listing will say, so that nothing is placed there meanwhile and the
   * executor counts (which leave offline computers out) still match the picture.
   */
  markOffline(node: string, reason: string): void {
    const n = this.#nodes.get(node);
    if (n === undefined || n.temporarilyOffline) return;
    // Computer.isOffline() includes a temporary offline: the API's `offline` says true too.
    this.#update(n, { ...n, offline: true, temporarilyOffline: true, offlineReason: reason });
  }

  /** What ComputerSet's busyExecutors and totalExecutors would say of this picture (online computers, regular executors). */
  counts(): ExecutorCountsView {
    let busy = 0;
    let total = 0;
    for (const n of this.#nodes.values()) {
      if (n.offline || n.temporarilyOffline) continue;
      total += n.executors.length;
      for (const e of n.executors) if (!e.idle) busy++;
    }
    return { busy, total };
  }

  /** What `Label.getTotalExecutors` would say of this picture, per atom (online nodes that carry it). */
  labelTotals(atoms: readonly string[]): Map<string, number> {
    const out = new Map(atoms.map((a) => [a, 0]));
    for (const n of this.#nodes.values()) {
      if (n.offline || n.temporarilyOffline) continue;
      for (const l of n.labels) {
        const t = out.get(l);
        if (t !== undefined) out.set(l, t + n.executors.length);
      }
    }
    return out;
  }

  /** Builds on executors, by URL, with their node. */
  builds(): ReadonlyMap<string, string> {
    return this.#holder;
  }

  /** The changes since the last call (for the `nodes` event), or null when nothing changed. */
  takeChanges(): NodesDiff | null {
    if (this.#changed.size === 0 && this.#removed.length === 0) return null;
    const changed = [...this.#changed].flatMap((name) => {
      const n = this.#nodes.get(name);
      return n === undefined ? [] : [n];
    });
    const d = { changed, removed: this.#removed };
    this.#changed = new Set();
    this.#removed = [];
    return d;
  }

  #update(old: NodeInfo, next: NodeInfo): void {
    const freeExecutors = next.offline ? 0 : next.executors.filter((e) => e.idle).length;
    this.#nodes.set(old.name, { ...next, freeExecutors });
    this.#changed.add(old.name);
  }
}

function replaceAt(list: readonly ExecutorInfo[], i: number, e: ExecutorInfo): ExecutorInfo[] {
  const out = [...list];
  out[i] = e;
  return out;
}
