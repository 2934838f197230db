/**
 * Notices a hung Jenkins as soon as one request is overdue, long before its timeout
 * (docs/jenkins-rest.md "Errors and retries"): a Jenkins stopped (SIGSTOP, a long GC pause, a dead proxy) accepts
 * connections and answers nothing, so waiting for the 10 s timeout of each request meant
 * grabbing and failing jobs meanwhile. One timer runs only while requests are in flight.
 */
export interface OverdueEvent {
  /** true when a request has waited longer than the bound; false when Jenkins answers again. */
  overdue: boolean;
  /** The oldest request still waiting, when overdue. */
  request: { method: string; url: string; waitingMs: number } | null;
}

interface Ticket {
  readonly id: number;
  readonly method: string;
  readonly url: string;
  readonly since: number;
}

/** How often the in-flight requests are checked, as a fraction of the bound. */
const CHECKS_PER_BOUND = 4;

export class OverdueWatch {
  readonly #boundMs: number;
  readonly #emit: (e: OverdueEvent) => void;
  readonly #inflight = new Map<number, Ticket>();
  #next = 1;
  #timer: NodeJS.Timeout | null = null;
  #overdue = false;

  /** @param boundMs a request unanswered for longer than this is overdue; 0 disables. */
  constructor(boundMs: number, emit: (e: OverdueEvent) => void) {
    this.#boundMs = boundMs;
    this.#emit = emit;
  }

  get overdue(): boolean {
    return this.#overdue;
  }

  begin(method: string, url: string): number {
    const t: Ticket = { id: this.#next++, method, url, since: performance.now() };
    this.#inflight.set(t.id, t);
    if (this.#boundMs > 0 && this.#timer === null) {
      this.#timer = setInterval(() => this.#check(), Math.max(10, Math.round(this.#boundMs / CHECKS_PER_BOUND)));
      this.#timer.unref();
    }
    return t.id;
  }

  /** The request ended; `answered`: Jenkins sent an answer (any status), rather than the request failing. */
  end(id: number, answered: boolean): void {
    this.#inflight.delete(id);
    if (this.#inflight.size === 0 && this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    if (answered && this.#overdue && this.#oldest() === null) {
      this.#overdue = false;
      this.#emit({ overdue: false, request: null });
    }
  }

  close(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #oldest(): { method: string; url: string; waitingMs: number } | null {
    const now = performance.now();
    let worst: Ticket | null = null;
    for (const t of this.#inflight.values()) if (now - t.since > this.#boundMs && (worst === null || t.since < worst.since)) worst = t;
    return worst === null ? null : { method: worst.method, url: worst.url, waitingMs: Math.round(now - worst.since) };
  }

  #check(): void {
    if (this.#overdue) return;
    const oldest = this.#oldest();
    if (oldest === null) return;
    this.#overdue = true;
    this.#emit({ overdue: true, request: oldest });
  }
}
