import { EventsArgumentError } from "./errors.js";

/** What since() returns. */
export interface RingSlice<T> {
  /** Entries with sequence > the one asked for, oldest first, at most `limit`. */
  items: T[];
  /** Oldest sequence still held, or null when nothing was ever stored. */
  oldest: number | null;
  /** Newest sequence stored, or null when nothing was ever stored. */
  newest: number | null;
  /** True when the ring no longer holds sequence+1: some events after the one asked for are gone. */
  gap: boolean;
}

/**
 * The last `capacity` entries, keyed by consecutive sequence numbers starting at 1.
 * Slot = sequence % capacity, so push and lookup are O(1) and memory is fixed.
 */
export class SequenceRing<T> {
  readonly capacity: number;
  readonly #slots: (T | undefined)[];
  #newest = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new EventsArgumentError(`ring capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#slots = new Array<T | undefined>(capacity);
  }

  /** The sequence the next push must carry. */
  get nextSequence(): number {
    return this.#newest + 1;
  }

  get newest(): number | null {
    return this.#newest === 0 ? null : this.#newest;
  }

  get oldest(): number | null {
    return this.#newest === 0 ? null : Math.max(1, this.#newest - this.capacity + 1);
  }

  get size(): number {
    return Math.min(this.#newest, this.capacity);
  }

  /** Stores the entry for `seq`, which must be nextSequence; the oldest entry falls out when full. */
  push(seq: number, item: T): void {
    if (seq !== this.#newest + 1) {
      throw new EventsArgumentError(`ring sequences must be consecutive: expected ${this.#newest + 1}, got ${seq}`);
    }
    this.#slots[seq % this.capacity] = item;
    this.#newest = seq;
  }

  get(seq: number): T | undefined {
    const oldest = this.oldest;
    if (oldest === null || seq < oldest || seq > this.#newest) return undefined;
    return this.#slots[seq % this.capacity];
  }

  /**
   * Entries after `seq` (sequence > seq), oldest first.
   * @param limit at most this many entries. @default all that are held
   */
  since(seq: number, limit: number = this.capacity): RingSlice<T> {
    if (!Number.isInteger(seq) || seq < 0) throw new EventsArgumentError(`since() needs an integer sequence >= 0, got ${seq}`);
    if (!Number.isInteger(limit) || limit < 0) throw new EventsArgumentError(`since() needs an integer limit >= 0, got ${limit}`);
    const oldest = this.oldest;
    const newest = this.newest;
    if (oldest === null || newest === null) return { items: [], oldest, newest, gap: false };
    const gap = seq + 1 < oldest;
    const from = Math.max(seq + 1, oldest);
    const to = Math.min(newest, from + limit - 1);
    const items: T[] = [];
    for (let s = from; s <= to; s++) {
      const item = this.#slots[s % this.capacity];
      if (item !== undefined) items.push(item);
    }
    return { items, oldest, newest, gap };
  }
}
