import { EventEmitter } from "node:events";

/** An event map: event name -> listener argument tuple. */
export type EventMap = Record<string, unknown[]>;

/**
 * A typed EventEmitter. `safeEmit` catches a listener's exception and reports it on
 * `onListenerError`, so a bad listener cannot break the loop that emitted.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #ee = new EventEmitter({ captureRejections: false });

  constructor() {
    this.#ee.setMaxListeners(100);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  removeAllListeners(): this {
    this.#ee.removeAllListeners();
    return this;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }

  /** Emits; a throwing listener is reported through `onListenerError`, never re-thrown. */
  protected safeEmit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const listeners = this.#ee.listeners(event) as ((...a: E[K]) => void)[];
    for (const l of listeners) {
      try {
        l(...args);
      } catch (e) {
        this.onListenerError(event, e);
      }
    }
    return listeners.length > 0;
  }

  /** Override to log. The default swallows: a listener's bug must not stop the emitter. */
  protected onListenerError(_event: string, _error: unknown): void {}
}
