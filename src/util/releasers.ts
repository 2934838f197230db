import { coerceError } from "./errors.js";

export type Releaser = () => void | Promise<void>;

/**
 * Cleanups collected as resources are acquired, run LIFO. Every releaser runs even if an
 * earlier one failed; the first error is re-thrown at the end.
 */
export class Releasers {
  readonly #list: Releaser[] = [];

  add(r: Releaser): void {
    this.#list.push(r);
  }

  async releaseAll(): Promise<void> {
    let first: Error | undefined;
    for (let r = this.#list.pop(); r !== undefined; r = this.#list.pop()) {
      try {
        await r();
      } catch (e) {
        first ??= coerceError(e);
      }
    }
    if (first) throw first;
  }
}
