/**
 * Which build records the simulated master has in memory (docs/master-cost.md). Jenkins keeps a
 * job's builds in an `AbstractLazyLoadRunMap`: an index of build numbers read from the builds
 * directory, each a `BuildReference` whose `Run` is loaded from disk on first use
 * (`AbstractLazyLoadRunMap.resolveBuildRef` -> `RunMap.retrieve`, build.xml) and then held through
 * a SoftReference (`BuildReference.DefaultHolderFactory`, mode "soft" by default), which the JVM
 * clears under memory pressure, least recently used first. Held strongly meanwhile:
 * - a running build, by its executor (`Executor.executable`);
 * - a started build, by its LeftItem for the leftItems cache's 5 minutes (`Queue.LeftItem.outcome`
 *   -> `WorkUnitContext` -> `WorkUnit.executable`, `Queue.java:225`, `:2900-2931`).
 * The soft references are modelled as an LRU of `capacity` finished builds, refreshed by every
 * touch and entered when a build ends.
 */
import { performance } from "node:perf_hooks";

import { SimulatorSpecError } from "./errors.js";
import type { Build, Model } from "./model.js";

/** How often, at most, ended builds are looked for (real clock); every request with a manual clock. */
const SWEEP_MS = 100;

export class BuildMemory {
  readonly #m: Model;
  readonly #leftItemTtlMs: number;
  readonly #manualClock: boolean;
  #capacity: number;
  /** Finished builds in memory, least recently used first (Map keeps insertion order). */
  readonly #lru = new Map<Build, true>();
  /** Builds seen running, to enter them in the LRU when they end. */
  readonly #watch = new Set<Build>();
  #sweptTick = -1;
  #sweptAt = Number.NEGATIVE_INFINITY;
  /** LeftItems that left before this (simulator clock) hold nothing: the cache does not survive a restart. */
  #evictedAt = Number.NEGATIVE_INFINITY;

  constructor(o: { model: Model; leftItemTtlMs: number; manualClock: boolean; capacity: number }) {
    this.#m = o.model;
    this.#leftItemTtlMs = o.leftItemTtlMs;
    this.#manualClock = o.manualClock;
    this.#capacity = checkCapacity(o.capacity);
  }

  get capacity(): number {
    return this.#capacity;
  }

  set capacity(n: number) {
    this.#capacity = checkCapacity(n);
    this.#trim();
  }

  /** Finished builds in the LRU. */
  get size(): number {
    return this.#lru.size;
  }

  /**
   * Enters the builds that ended since the last sweep (oldest end first) and notes the running
   * ones. O(running builds), so it runs at most every SWEEP_MS and only after a scheduler tick.
   * A build that starts and ends between two sweeps enters the LRU at its first touch instead.
   */
  sweep(): void {
    if (this.#m.tickNo === this.#sweptTick) return;
    const t = performance.now();
    if (!this.#manualClock && t - this.#sweptAt < SWEEP_MS) return;
    this.#sweptTick = this.#m.tickNo;
    this.#sweptAt = t;
    const ended: Build[] = [];
    for (const b of this.#watch) {
      if (b.building) continue;
      ended.push(b);
      this.#watch.delete(b);
    }
    ended.sort((a, b) => a.endAt - b.endAt);
    for (const b of ended) this.#remember(b);
    for (const b of this.#m.running) this.#watch.add(b);
  }

  /** Jenkins resolves the build's record: true when it had to be read from disk. */
  touch(b: Build): boolean {
    if (b.building) {
      this.#watch.add(b);
      return false;
    }
    const inMemory = this.#lru.has(b) || this.#heldByLeftItem(b);
    this.#remember(b);
    return !inMemory;
  }

  /** As after a restart: only running builds stay in memory. */
  evict(): void {
    this.#lru.clear();
    this.#evictedAt = this.#m.now();
  }

  #heldByLeftItem(b: Build): boolean {
    const it = this.#m.left.get(b.queueId);
    return it !== undefined && it.build === b && it.leftAt > this.#evictedAt && it.leftAt + this.#leftItemTtlMs > this.#m.now();
  }

  #remember(b: Build): void {
    this.#lru.delete(b);
    this.#lru.set(b, true);
    this.#trim();
  }

  #trim(): void {
    while (this.#lru.size > this.#capacity) {
      const oldest = this.#lru.keys().next();
      if (oldest.done === true) return;
      this.#lru.delete(oldest.value);
    }
  }
}

function checkCapacity(n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new SimulatorSpecError(`buildsInMemory must be an integer >= 0, not ${n}`);
  return n;
}
