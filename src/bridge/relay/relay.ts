/**
 * Every build on the master republished as the ZeroMQ event publisher did (docs/contract.md
 * "Events"): onStarted, then onCompleted and onFinalized, for whoever started the build.
 * The bridge calls the relay before it reports to Zuul, so a master drained of its builds has
 * published their events. An event an earlier process already published (the poller's ledger
 * says so) is not published again.
 */
import type { EventSinkPort, JobInfo, NodeInfo, ReportedBuild, BuildEventMeta } from "../ports.js";
import { eventInput } from "./event-input.js";

export interface RelayOptions {
  sink: EventSinkPort | null;
  rootUrl: string;
  hostName: string;
  jobs: () => ReadonlyMap<string, JobInfo>;
  nodes: () => ReadonlyMap<string, NodeInfo>;
  /** Each event published, for metrics. */
  onPublished?: (topic: "onStarted" | "onCompleted" | "onFinalized") => void;
}

export class EventRelay {
  readonly #o: RelayOptions;
  #skipped = 0;

  constructor(o: RelayOptions) {
    this.#o = o;
  }

  /** Events accepted and not yet handed to the socket. */
  get pending(): number {
    return this.#o.sink?.stats().queued ?? 0;
  }

  /** Events not published again because an earlier process had (a restart). */
  get skipped(): number {
    return this.#skipped;
  }

  started(b: ReportedBuild, meta: BuildEventMeta): void {
    if (meta.published) this.#skipped++;
    else this.#publish("onStarted", b);
  }

  finished(b: ReportedBuild, meta: BuildEventMeta): void {
    if (meta.published) {
      this.#skipped += 2;
      return;
    }
    this.#publish("onCompleted", b);
    this.#publish("onFinalized", b);
  }

  #publish(topic: "onStarted" | "onCompleted" | "onFinalized", b: ReportedBuild): void {
    const sink = this.#o.sink;
    if (sink === null) return;
    sink.publish(topic, eventInput(b, { rootUrl: this.#o.rootUrl, hostName: this.#o.hostName, jobs: this.#o.jobs(), nodes: this.#o.nodes() }));
    this.#o.onPublished?.(topic);
  }
}
