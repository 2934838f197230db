/**
 * Jobs we expect gearmand to hand back (docs/architecture.md "No build twice"): our connection
 * dropped while their build ran, or a restart found them in the state file. gearmand requeues
 * such a job the moment the connection drops, and hands it to the first worker that grabs once
 * we are connected again; so a job that has not come back within `windowMs` never will (the
 * gearmand that held it restarted, or another worker took it). Each entry gives its group one
 * grab beyond its free executors, and one grab while paused, for that window only: an entry
 * that outlived its job would otherwise keep a full or draining master grabbing work it cannot run.
 */
export const EXPECT_BACK_MS = 120_000;

interface Entry {
  readonly fn: string;
  readonly since: number;
}

export class ExpectedBack {
  readonly #entries = new Map<string, Entry>();
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(o: { windowMs?: number; now: () => number }) {
    this.#windowMs = o.windowMs ?? EXPECT_BACK_MS;
    this.#now = o.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Returns whether anything changed. */
  add(token: string, fn: string): boolean {
    if (this.#entries.get(token)?.fn === fn) return false;
    this.#entries.set(token, { fn, since: this.#now() });
    return true;
  }

  delete(token: string): boolean {
    return this.#entries.delete(token);
  }

  has(token: string): boolean {
    return this.#entries.has(token);
  }

  /** Grabs these functions are owed for jobs coming back. */
  countFor(functions: ReadonlySet<string>): number {
    let n = 0;
    for (const e of this.#entries.values()) if (functions.has(e.fn)) n++;
    return n;
  }

  /**
   * A new job arrived on a grab kept for one of ours: gearmand's queue holds new work ahead of
   * (or instead of) the jobs we expect, so every grab kept for the group's functions is spent.
   * A paused group holds at most one new job this way (parking.ts); a job of ours still in the
   * queue comes back after the pause, and is adopted then. Returns how many were spent.
   */
  spendAll(functions: ReadonlySet<string>): number {
    let n = 0;
    for (const [token, e] of this.#entries) {
      if (!functions.has(e.fn)) continue;
      this.#entries.delete(token);
      n++;
    }
    return n;
  }

  /** Drops entries older than the window; returns their tokens. */
  expire(): string[] {
    const now = this.#now();
    const out: string[] = [];
    for (const [token, e] of this.#entries) {
      if (now - e.since < this.#windowMs) continue;
      this.#entries.delete(token);
      out.push(token);
    }
    return out;
  }
}
