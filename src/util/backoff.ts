/**
 * Capped, jittered exponential backoff, shared by Gearman reconnects and Jenkins retries.
 *
 * delay(n) = jitter * min(maxMs, initialMs * factor^n), jitter drawn from [1 - jitter, 1].
 * With the defaults (100 ms, x2, cap 30 s, jitter 0.5) the series before jitter is
 * 100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 30000, 30000 … ms.
 */
export interface BackoffOptions {
  /** First delay. @default 100 */
  initialMs?: number;
  /** Largest delay. @default 30000 */
  maxMs?: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /** Fraction of the delay that is random, weighted high (0 = none). @default 0.5 */
  jitter?: number;
  /** Source of randomness, for tests. @default Math.random */
  random?: () => number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempts = 0;

  constructor(options: BackoffOptions = {}) {
    this.#initialMs = options.initialMs ?? 100;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#factor = options.factor ?? 2;
    this.#jitter = Math.min(1, Math.max(0, options.jitter ?? 0.5));
    this.#random = options.random ?? Math.random;
    if (this.#initialMs <= 0 || this.#maxMs < this.#initialMs || this.#factor < 1) {
      throw new RangeError(
        `backoff: need 0 < initialMs <= maxMs and factor >= 1 (got ${this.#initialMs}, ${this.#maxMs}, ${this.#factor})`,
      );
    }
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const exp = Math.min(this.#maxMs, this.#initialMs * this.#factor ** this.#attempts);
    this.#attempts++;
    const scale = 1 - this.#jitter * this.#random();
    return Math.max(1, Math.round(exp * scale));
  }

  /** Call after a success: the next failure starts from the first delay again. */
  reset(): void {
    this.#attempts = 0;
  }
}
