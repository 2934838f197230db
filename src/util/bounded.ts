/**
 * A Map and a Set that forget their oldest entries beyond a bound (insertion order): memories
 * of what was seen, kept for a long-running process without growing without end.
 */
export class BoundedMap<K, V> extends Map<K, V> {
  readonly #max: number;

  constructor(max: number) {
    super();
    this.#max = max;
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    if (this.size > this.#max) {
      const oldest = this.keys().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    return this;
  }
}

export class BoundedSet<T> extends Set<T> {
  readonly #max: number;

  constructor(max: number) {
    super();
    this.#max = max;
  }

  override add(value: T): this {
    super.add(value);
    if (this.size > this.#max) {
      const oldest = this.values().next();
      if (oldest.done !== true) this.delete(oldest.value);
    }
    return this;
  }
}
