/**
 * Drain is a state, not a shutdown (docs/architecture.md "Drain"): no new grabs (the
 * registrations stay), optionally Jenkins in quiet-down (builds not started yet are handed back
 * to Zuul), then "drained" once no build of ours is in flight; "safe to restart" also needs
 * every event published and, with quiet-down, no build left on the master. The state is kept
 * in the state file, so a drain survives a restart of the sidecar.
 */
import type { Logger } from "pino";

import type { Capacity } from "./capacity/capacity.js";
import type { JenkinsPort } from "./ports.js";
import type { StateStore } from "./runs/state-file.js";

export type DrainPhase = "running" | "draining" | "drained";

export interface DrainState {
  phase: DrainPhase;
  quietDown: boolean;
  since: number | null;
}

export class Drain {
  readonly #store: StateStore;
  readonly #capacity: Capacity;
  readonly #jenkins: JenkinsPort;
  readonly #log: Logger;
  readonly #now: () => number;
  #phase: DrainPhase = "running";
  #quietDown = false;
  #since: number | null = null;

  constructor(o: { store: StateStore; capacity: Capacity; jenkins: JenkinsPort; logger: Logger; now: () => number }) {
    this.#store = o.store;
    this.#capacity = o.capacity;
    this.#jenkins = o.jenkins;
    this.#log = o.logger;
    this.#now = o.now;
  }

  get state(): DrainState {
    return { phase: this.#phase, quietDown: this.#quietDown, since: this.#since };
  }

  get phase(): DrainPhase {
    return this.#phase;
  }

  /** A drain persisted by an earlier process goes on. */
  restore(): void {
    const d = this.#store.drain;
    if (d === null) return;
    this.#phase = "draining";
    this.#quietDown = d.quietDown;
    this.#since = d.since;
    this.#capacity.pause("drain");
    this.#log.warn({ since: new Date(d.since).toISOString(), quietDown: d.quietDown }, "a drain begun before the restart goes on: taking no new jobs until `resume`");
  }

  /**
   * Starts draining (idempotent); `handBack` cancels builds that have not started (with
   * quiet-down). `persist: false` for the drain of a shutdown, which the next start must not inherit.
   */
  async drain(o: { quietDown: boolean; persist?: boolean }, inFlight: number, handBack: () => Promise<number>): Promise<void> {
    if (this.#phase === "running") {
      this.#phase = "draining";
      this.#since = this.#now();
      this.#log.info({ quietDown: o.quietDown, inFlight }, "draining: taking no new jobs");
    }
    this.#capacity.pause("drain");
    if (o.quietDown && !this.#quietDown) {
      await this.#jenkins.quietDown("jenkins-gearman-sidecar: draining for a restart");
      this.#quietDown = true;
      const n = await handBack();
      if (n > 0) this.#log.info({ builds: n }, "handed builds that had not started back to Zuul");
    }
    if (o.persist !== false) await this.#save();
    this.update(inFlight);
  }

  async resume(): Promise<void> {
    if (this.#phase === "running") return;
    if (this.#quietDown) {
      await this.#jenkins.cancelQuietDown();
      this.#quietDown = false;
    }
    this.#phase = "running";
    this.#since = null;
    this.#capacity.resume("drain");
    await this.#save();
    this.#log.info("resumed: taking jobs again");
  }

  /** draining <-> drained as builds of ours end (or, after a restart, are adopted). */
  update(inFlight: number): void {
    if (this.#phase === "draining" && inFlight === 0) {
      this.#phase = "drained";
      this.#log.info("drained: no build in flight; the master is safe to restart once events are published");
    } else if (this.#phase === "drained" && inFlight > 0) this.#phase = "draining";
  }

  async #save(): Promise<void> {
    await this.#store.setDrain(this.#phase === "running" || this.#since === null ? null : { quietDown: this.#quietDown, since: this.#since });
  }
}
