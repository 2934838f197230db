/**
 * A small seeded PRNG (sfc32, the "Small Fast Counting" generator from PractRand) so a soak can be
 * replayed: the same seed gives the same fault schedule and the same job stream. Independent streams
 * are forked by name, so adding draws to one stream never shifts another.
 */

/** FNV-1a over a string, 32 bits: mixes a stream name into a seed. */
function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export class Prng {
  readonly seed: number;
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** @param seed any integer; it is taken modulo 2^32 */
  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`a seed must be an integer, got ${seed}`);
    this.seed = seed >>> 0;
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = this.seed;
    // Warm up: the first outputs of sfc32 are weakly mixed.
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A stream of its own, derived from this generator's seed and a name (not from its state). */
  fork(name: string): Prng {
    return new Prng(fnv1a(name, fnv1a(String(this.seed))));
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t / 4294967296;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    if (max < min) throw new RangeError(`int(${min}, ${max}): max is below min`);
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element, uniformly. @throws RangeError on an empty list */
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new RangeError("pick() from an empty list");
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  /** One element with probability proportional to its weight. */
  weighted<T>(xs: readonly { value: T; weight: number }[]): T {
    const total = xs.reduce((s, x) => s + x.weight, 0);
    if (!(total > 0)) throw new RangeError("weighted() needs a positive total weight");
    let r = this.next() * total;
    for (const x of xs) {
      r -= x.weight;
      if (r < 0) return x.value;
    }
    return (xs[xs.length - 1] as { value: T }).value;
  }
}

/** A fresh seed for a run that was not given one. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 4294967296) >>> 0;
}
