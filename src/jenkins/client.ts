/** The typed Jenkins REST client: a facade over the request core and the per-resource modules. */
import pino from "pino";
import * as admin from "./admin-ops.js";
import * as builds from "./builds.js";
import { HttpCore } from "./http.js";
import * as jobs from "./jobs.js";
import * as nodes from "./nodes.js";
import * as queue from "./queue.js";
import type { BuildInfo, JenkinsClientOptions, JobInfo, NodeInfo, QueueItem, RootInfo } from "./types.js";

export class JenkinsClient {
  readonly #http: HttpCore;
  readonly #modes: nodes.NodeModeCache;
  readonly #shared = new jobs.SharedJobParts();

  constructor(o: JenkinsClientOptions) {
    const logger = o.logger ?? pino({ level: "silent" });
    this.#http = new HttpCore({
      baseUrl: o.baseUrl,
      auth: o.auth,
      timeoutMs: o.timeoutMs ?? 10_000,
      retries: o.retries ?? 3,
      backoff: o.backoff ?? {},
      logger,
      onRequest: o.onRequest,
    });
    this.#modes = new nodes.NodeModeCache(this.#http, logger);
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

  /** Every job in every folder (folders themselves are not listed), normally in one request. */
  listJobs(): Promise<JobInfo[]> {
    return jobs.listJobs(this.#http, this.#shared);
  }

  /** One job by full name ("folder/job"); null if unknown. */
  getJob(fullName: string): Promise<JobInfo | null> {
    return jobs.getJob(this.#http, fullName, this.#shared);
  }

  /** Every computer in one request, plus config.xml once per node not seen before (for EXCLUSIVE mode). */
  listNodes(): Promise<NodeInfo[]> {
    return nodes.listNodes(this.#http, this.#modes);
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

  getBuildByUrl(url: string): Promise<BuildInfo | null> {
    return builds.getBuildByUrl(this.#http, url);
  }

  findBuildByQueueId(jobFullName: string, queueId: number): Promise<BuildInfo | null> {
    return builds.findBuildByQueueId(this.#http, jobFullName, queueId);
  }

  stopBuild(jobFullName: string, number: number): Promise<void> {
    return builds.stopBuild(this.#http, jobFullName, number);
  }

  setDescription(jobFullName: string, number: number, html: string): Promise<void> {
    return builds.setDescription(this.#http, jobFullName, number, html);
  }

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
