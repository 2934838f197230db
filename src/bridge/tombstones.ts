/**
 * ZUUL_UUIDs of jobs failed while their trigger's outcome was unknown (docs/architecture.md "A trigger whose outcome is unknown"): Jenkins
 * may still queue such a build (a stopped Jenkins runs the POST it had received when it
 * continues), and Zuul has already run the job elsewhere. When one shows up, in the queue or
 * as a build, it is cancelled or stopped, so no ZUUL_UUID runs twice. Kept in the state file
 * for an hour.
 */
import type { Logger } from "pino";

import type { JenkinsPort, QueueItem, ReportedBuild } from "./ports.js";
import type { StateStore, Tombstone } from "./runs/state-file.js";

const TTL_MS = 3_600_000;

export class Tombstones {
  readonly #store: StateStore;
  readonly #jenkins: JenkinsPort;
  readonly #log: Logger;
  readonly #now: () => number;
  #list: Tombstone[] = [];

  constructor(store: StateStore, jenkins: JenkinsPort, log: Logger, now: () => number) {
    this.#store = store;
    this.#jenkins = jenkins;
    this.#log = log;
    this.#now = now;
  }

  load(): void {
    this.#list = [...this.#store.tombstones];
  }

  get size(): number {
    return this.#list.length;
  }

  add(uuid: string, job: string): void {
    this.#list.push({ uuid, job, at: this.#now() });
    this.#save();
  }

  /** Each cycle: cancel queue items that carry a tombstoned ZUUL_UUID; expire old ones. */
  sweep(queue: ReadonlyMap<number, QueueItem>): void {
    const now = this.#now();
    const before = this.#list.length;
    this.#list = this.#list.filter((t) => now - t.at < TTL_MS);
    for (const item of queue.values()) {
      const t = this.#match(item.params["ZUUL_UUID"]);
      if (t === undefined) continue;
      this.#log.warn({ job: t.job, queueId: item.id, uuid: t.uuid }, "cancelling a build queued for a job already failed back to Zuul");
      this.#jenkins.cancelQueueItem(item.id).catch((e: unknown) => this.#log.warn({ err: e }, "cancel failed; tried again next cycle"));
    }
    if (this.#list.length !== before) this.#save();
  }

  /** A build started: stop it if it belongs to a tombstoned job. true if it did. */
  started(b: ReportedBuild): boolean {
    const t = this.#match(b.parameters["ZUUL_UUID"]);
    if (t === undefined) return false;
    this.#log.warn({ job: b.jobFullName, number: b.number, uuid: t.uuid }, "stopping a build started for a job already failed back to Zuul");
    this.#jenkins.stopBuild(b.jobFullName, b.number).catch((e: unknown) => this.#log.warn({ err: e }, "stopping the build failed"));
    this.#list = this.#list.filter((x) => x !== t);
    this.#save();
    return true;
  }

  #match(uuid: string | undefined): Tombstone | undefined {
    return uuid === undefined || uuid === "" ? undefined : this.#list.find((t) => t.uuid === uuid);
  }

  #save(): void {
    this.#store.setTombstones(this.#list).catch((e: unknown) => this.#log.error({ err: e }, "state file write failed"));
  }
}
