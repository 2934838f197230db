/**
 * Free executors per node, as the bridge must count them: what the last poll saw, minus the
 * builds we have reserved a node for and Jenkins does not show yet (triggered, queued, or
 * started after the poll). A finished build of ours stays counted until a poll shows its
 * executor idle, so the picture errs towards too little capacity, never too much.
 */
export interface SlotNode {
  readonly name: string;
  readonly online: boolean;
  readonly numExecutors: number;
  /** URLs of builds on this node's executors; `null` for an executor busy without a build yet. */
  readonly busy: readonly (string | null)[];
}

interface Reservation {
  node: string;
  url: string | null;
  /** OFFLINE_NODE_WHEN_COMPLETE: the node takes nothing else while this runs. */
  exclusive: boolean;
}

const NO_URLS: ReadonlySet<string> = new Set();

export class SlotBook {
  readonly #nodes = new Map<string, SlotNode>();
  readonly #pollUrls = new Map<string, Set<string>>();
  readonly #reservations = new Map<string, Reservation>();
  /** The same reservations by node: free() runs for every node on every capacity refresh. */
  readonly #byNode = new Map<string, Set<Reservation>>();

  /** Replaces the poll picture. */
  update(nodes: Iterable<SlotNode>): void {
    this.#nodes.clear();
    this.#pollUrls.clear();
    for (const n of nodes) {
      this.#nodes.set(n.name, n);
      this.#pollUrls.set(n.name, new Set(n.busy.filter((u): u is string => u !== null)));
    }
  }

  has(node: string): boolean {
    return this.#nodes.has(node);
  }

  /** Free executors of a node right now. */
  free(node: string): number {
    const n = this.#nodes.get(node);
    if (!n || !n.online) return 0;
    const urls = this.#pollUrls.get(node) ?? NO_URLS;
    let ours = 0;
    for (const r of this.#byNode.get(node) ?? []) {
      if (r.exclusive) return 0;
      if (r.url === null || !urls.has(r.url)) ours++;
    }
    return Math.max(0, n.numExecutors - n.busy.length - ours);
  }

  /** Sum of free executors over nodes. */
  freeOf(nodes: Iterable<string>): number {
    let sum = 0;
    for (const n of nodes) sum += this.free(n);
    return sum;
  }

  /** The node with the most free executors (ties: first in order), or null. */
  pick(nodes: Iterable<string>): string | null {
    let best: string | null = null;
    let bestFree = 0;
    for (const n of nodes) {
      const f = this.free(n);
      if (f > bestFree) {
        best = n;
        bestFree = f;
      }
    }
    return best;
  }

  reserve(token: string, node: string, exclusive = false): void {
    this.release(token);
    const r: Reservation = { node, url: null, exclusive };
    this.#reservations.set(token, r);
    this.#index(r);
  }

  /** The build started: on which node (it may differ from the reserved one when unpinned), and its URL. */
  started(token: string, node: string, url: string): void {
    const r = this.#reservations.get(token);
    if (r) {
      this.#unindex(r);
      r.node = node;
      r.url = url;
      this.#index(r);
    }
  }

  release(token: string): void {
    const r = this.#reservations.get(token);
    if (!r) return;
    this.#reservations.delete(token);
    this.#unindex(r);
  }

  #index(r: Reservation): void {
    const set = this.#byNode.get(r.node);
    if (set) set.add(r);
    else this.#byNode.set(r.node, new Set([r]));
  }

  #unindex(r: Reservation): void {
    const set = this.#byNode.get(r.node);
    if (!set) return;
    set.delete(r);
    if (set.size === 0) this.#byNode.delete(r.node);
  }

  /** Is a reservation held under this token? */
  holds(token: string): boolean {
    return this.#reservations.has(token);
  }

  get reservations(): number {
    return this.#reservations.size;
  }
}
