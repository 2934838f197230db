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
   * A new job of `fn` arrived on a grab kept for one of ours: that grab is spent, so a paused
   * group cannot take and refuse new jobs one after another. The grab may have been kept for any
   * function the group registers: the oldest entry of `fn` goes, else the oldest of the group's.
   */
  spend(fn: string, functions: ReadonlySet<string>): string | null {
    let other: string | null = null;
    for (const [token, e] of this.#entries) {
      if (e.fn === fn) {
        this.#entries.delete(token);
        return token;
      }
      if (other === null && functions.has(e.fn)) other = token;
    }
    if (other !== null) this.#entries.delete(other);
    return other;
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
