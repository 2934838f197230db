/** The typed Jenkins REST client: a facade over the request core and the per-resource modules. */
import pino from "pino";
import { TypedEmitter } from "../util/index.js";
import * as admin from "./admin-ops.js";
import * as builds from "./builds.js";
import { HttpCore } from "./http.js";
import * as jobs from "./jobs.js";
import * as nodes from "./nodes.js";
import * as queue from "./queue.js";
import type { OverdueEvent } from "./overdue.js";
import type { BuildInfo, JenkinsClientOptions, JobDetails, JobInfo, NodeInfo, QueueItem, RootInfo } from "./types.js";

export type { OverdueEvent } from "./overdue.js";
export type ClientEvents = { overdue: [OverdueEvent] };

export class JenkinsClient extends TypedEmitter<ClientEvents> {
  readonly #http: HttpCore;
  readonly #modes: nodes.NodeModeCache;
  readonly #shared = new jobs.SharedJobParts();

  constructor(o: JenkinsClientOptions) {
    super();
    const logger = o.logger ?? pino({ level: "silent" });
    this.#http = new HttpCore({
      baseUrl: o.baseUrl,
      auth: o.auth,
      timeoutMs: o.timeoutMs ?? 10_000,
      retries: o.retries ?? 3,
      backoff: o.backoff ?? {},
      logger,
      onRequest: o.onRequest,
      overdueMs: o.overdueMs ?? 2500,
      onOverdue: (e) => this.safeEmit("overdue", e),
    });
    this.#modes = new nodes.NodeModeCache(this.#http, logger);
  }

  /** True while a request has waited longer than `overdueMs` (a hung Jenkins). */
  get overdue(): boolean {
    return this.#http.overdue;
  }

  /** Stops the client's timer; requests in flight end by their own timeouts. */
  close(): void {
    this.#http.close();
  }

  /** The Jenkins root URL, normalised (trailing slash, no credentials). */
  get baseUrl(): string {
    return this.#http.baseUrl;
  }

  /** HTTP exchanges made so far (retries and crumb fetches included); the poller counts requests per cycle with it. */
  get requestCount(): number {
    return this.#http.requestCount;
  }

  async root(): Promise<RootInfo> {
    const r = await admin.root(this.#http);
    this.#modes.set("", r.mode === "EXCLUSIVE");
    return r;
  }

  /** Every job in every folder (folders themselves are not listed), normally in one request: names only, or with registration details. */
  listJobs(listing: jobs.JobListing = "details"): Promise<JobInfo[]> {
    return jobs.listJobs(this.#http, listing, this.#shared);
  }

  /** One job by full name ("folder/job"), with its parameter definitions; null if unknown. */
  getJob(fullName: string): Promise<JobDetails | null> {
    return jobs.getJob(this.#http, fullName, this.#shared);
  }

  /** Every computer in one request, plus config.xml once per node not seen before (for EXCLUSIVE mode). */
  listNodes(): Promise<NodeInfo[]> {
    return nodes.listNodes(this.#http, this.#modes);
  }

  /** Busy and total executors of the online computers: the poller's cheap change test. */
  executorCounts(): Promise<nodes.ExecutorCounts> {
    return nodes.executorCounts(this.#http);
  }

  /** The builds holding one-off executors of the built-in node (Pipeline flyweights). */
  /** Executors of the online nodes that carry the label atom. */
  labelExecutors(atom: string): Promise<number> {
    return nodes.labelExecutors(this.#http, atom);
  }

  builtInOneOffBuilds(): Promise<{ number: number; url: string }[]> {
    return nodes.builtInOneOffBuilds(this.#http);
  }

  /** Forget the cached node modes (re-read on the next listNodes). */
  invalidateNodeModes(): void {
    this.#modes.clear();
  }

  listQueue(): Promise<QueueItem[]> {
    return queue.listQueue(this.#http);
  }

  trigger(jobFullName: string, params: Record<string, string>, o?: builds.TriggerOptions): Promise<{ queueId: number; existing: boolean }> {
    return builds.trigger(this.#http, jobFullName, params, o);
  }

  getQueueItem(id: number): Promise<QueueItem | null> {
    return queue.getQueueItem(this.#http, id);
  }

  cancelQueueItem(id: number): Promise<boolean> {
    return queue.cancelQueueItem(this.#http, id);
  }

  getBuild(jobFullName: string, number: number): Promise<BuildInfo | null> {
    return builds.getBuild(this.#http, jobFullName, number);
  }

  /** `fields: "state"`: the build's state alone (builds.ts BUILD_STATE_FIELDS), for one already read. */
  getBuildByUrl(url: string, fields: builds.BuildFields = "full"): Promise<BuildInfo | null> {
    return builds.getBuildByUrl(this.#http, url, fields);
  }

  findBuildByQueueId(jobFullName: string, queueId: number): Promise<BuildInfo | null> {
    return builds.findBuildByQueueId(this.#http, jobFullName, queueId);
  }

  /** The newest build of a job whose parameter `name` is `value` (looking a ZUUL_UUID up). */
  findBuildByParameter(jobFullName: string, name: string, value: string): Promise<BuildInfo | null> {
    return builds.findBuildByParameter(this.#http, jobFullName, name, value);
  }

  stopBuild(jobFullName: string, number: number): Promise<void> {
    return builds.stopBuild(this.#http, jobFullName, number);
  }

  setDescription(jobFullName: string, number: number, html: string): Promise<void> {
    return builds.setDescription(this.#http, jobFullName, number, html);
  }

  /** Takes a node offline; "" is the built-in node (the adapter spells its URL). */
  setNodeOffline(name: string, reason: string): Promise<void> {
    return nodes.setNodeOffline(this.#http, name, reason);
  }

  setNodeOnline(name: string): Promise<void> {
    return nodes.setNodeOnline(this.#http, name);
  }

  quietDown(reason?: string): Promise<void> {
    return admin.quietDown(this.#http, reason);
  }

  cancelQuietDown(): Promise<void> {
    return admin.cancelQuietDown(this.#http);
  }

  /** The absolute URL of a job: base + /job/a/job/b/, each segment URL-encoded. */
  jobUrl(fullName: string): string {
    return this.#http.url(jobs.jobPath(fullName));
  }
}
