/** A binary min-heap keyed by time, for the scheduler's timed events (quiet periods, build ends). */
export class TimeHeap<T> {
  #at: number[] = [];
  #items: T[] = [];

  get size(): number {
    return this.#at.length;
  }

  /** Earliest time, or Infinity when empty. */
  peekTime(): number {
    return this.#at[0] ?? Infinity;
  }

  push(at: number, item: T): void {
    const a = this.#at;
    const it = this.#items;
    let i = a.length;
    a.push(at);
    it.push(item);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((a[p] as number) <= at) break;
      a[i] = a[p] as number;
      it[i] = it[p] as T;
      i = p;
    }
    a[i] = at;
    it[i] = item;
  }

  /** Removes and returns the earliest item. */
  pop(): T | undefined {
    const a = this.#at;
    const it = this.#items;
    if (a.length === 0) return undefined;
    const top = it[0];
    const lastAt = a.pop() as number;
    const lastItem = it.pop() as T;
    const n = a.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && (a[r] as number) < (a[l] as number) ? r : l;
        if ((a[c] as number) >= lastAt) break;
        a[i] = a[c] as number;
        it[i] = it[c] as T;
        i = c;
      }
      a[i] = lastAt;
      it[i] = lastItem;
    }
    return top;
  }
}
