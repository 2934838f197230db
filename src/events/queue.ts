/**
 * A fixed-size FIFO (circular buffer). push() on a full queue evicts and returns the oldest
 * entry, so memory never grows past `capacity`.
 */
export class BoundedQueue<T> {
  readonly capacity: number;
  readonly #buf: (T | undefined)[];
  #head = 0;
  #length = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.#buf = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Appends; when full, the oldest entry is removed and returned. */
  push(item: T): T | undefined {
    let evicted: T | undefined;
    if (this.#length === this.capacity) evicted = this.shift();
    this.#buf[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    return evicted;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#buf[this.#head];
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }

  clear(): T[] {
    const out: T[] = [];
    for (let x = this.shift(); x !== undefined; x = this.shift()) out.push(x);
    return out;
  }
}
