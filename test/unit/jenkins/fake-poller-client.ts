/**
 * A tiny in-memory Jenkins seen through the poller's client port: jobs, nodes with executors,
 * the queue, left items and builds. Every call counts as one request and is logged by name, so
 * tests can pin what the poller asks for (docs/master-cost.md).
 */
import type { PollerClient } from "../../../src/jenkins/poller/types.js";
import type { BuildInfo, JobDetails, JobInfo, NodeInfo, QueueItem } from "../../../src/jenkins/types.js";
import { TypedEmitter } from "../../../src/util/index.js";

export const J = "http://j/";

export function buildUrl(job: string, n: number): string {
  return `${J}${job.split("/").map((s) => `job/${encodeURIComponent(s)}/`).join("")}${n}/`;
}

export function job(fullName: string, o: Partial<JobDetails> = {}): JobDetails {
  return {
    fullName,
    name: fullName.split("/").pop() ?? fullName,
    url: `${J}${fullName.split("/").map((s) => `job/${encodeURIComponent(s)}/`).join("")}`,
    className: o.isPipeline === true ? "org.jenkinsci.plugins.workflow.job.WorkflowJob" : "hudson.model.FreeStyleProject",
    buildable: true,
    disabled: false,
    labelExpression: null,
    nextBuildNumber: 1,
    isPipeline: false,
    concurrentBuild: true,
    estimatedDuration: -1,
    parameters: [],
    nodeParameter: null,
    ...o,
  };
}

export function node(name: string, executors = 2, o: Partial<NodeInfo> = {}): NodeInfo {
  const ex = Array.from({ length: executors }, (_, i) => ({ number: i, idle: true, build: null }));
  return { name, displayName: name, labels: [name], offline: false, temporarilyOffline: false, offlineReason: "", exclusive: false, numExecutors: executors, executors: ex, oneOffExecutors: [], description: null, freeExecutors: executors, ...o };
}

export class FakePollerClient extends TypedEmitter<{ overdue: [{ overdue: boolean; request: { method: string; url: string; waitingMs: number } | null }] }> implements PollerClient {
  requestCount = 0;
  calls: string[] = [];
  jobs = new Map<string, JobDetails>();
  nodes = new Map<string, NodeInfo>();
  queue: QueueItem[] = [];
  builds = new Map<string, BuildInfo>();
  items = new Map<number, QueueItem>();
  fail: Error | null = null;
  overdue = false;
  #nextQueue = 1;

  #call(name: string): void {
    this.requestCount++;
    this.calls.push(name);
    if (this.fail) throw this.fail;
  }

  /** Requests by kind since the last take. */
  take(): string[] {
    const c = this.calls;
    this.calls = [];
    return c.map((x) => x.split(" ")[0] ?? x);
  }

  // ---- the model ----

  addJob(j: JobDetails): void {
    this.jobs.set(j.fullName, j);
  }

  /** Starts a build of `job` on `nodeName` (an executor becomes busy); returns its URL. */
  start(jobName: string, nodeName: string, o: { queueId?: number; params?: Record<string, string>; flyweight?: boolean } = {}): string {
    const j = this.jobs.get(jobName);
    if (j === undefined) throw new Error(`no job ${jobName}`);
    const number = j.nextBuildNumber ?? 1;
    this.jobs.set(jobName, { ...j, nextBuildNumber: number + 1 });
    const url = buildUrl(jobName, number);
    const queueId = o.queueId ?? this.#nextQueue++;
    this.builds.set(url, { jobFullName: jobName, number, url, building: true, result: null, duration: 0, estimatedDuration: 1000, timestamp: Date.now(), builtOn: j.isPipeline ? null : nodeName, queueId, description: null, parameters: o.params ?? {}, done: false });
    const n = this.nodes.get(nodeName);
    if (n === undefined) throw new Error(`no node ${nodeName}`);
    if (o.flyweight === true) {
      this.nodes.set(nodeName, { ...n, oneOffExecutors: [...n.oneOffExecutors, { number: n.oneOffExecutors.length, idle: false, build: { number, url } }] });
    } else {
      const i = n.executors.findIndex((e) => e.idle);
      if (i < 0) throw new Error(`no idle executor on ${nodeName}`);
      const executors = n.executors.map((e, k) => (k === i ? { number: e.number, idle: false, build: { number, url } } : e));
      this.nodes.set(nodeName, { ...n, executors });
    }
    return url;
  }

  /** Ends a build: its executor goes idle, the build is done. */
  finish(url: string, result = "SUCCESS"): void {
    const b = this.builds.get(url);
    if (b === undefined) throw new Error(`no build ${url}`);
    this.builds.set(url, { ...b, building: false, result, duration: 5, done: true });
    for (const [name, n] of this.nodes) {
      this.nodes.set(name, {
        ...n,
        executors: n.executors.map((e) => (e.build?.url === url ? { number: e.number, idle: true, build: null } : e)),
        oneOffExecutors: n.oneOffExecutors.filter((e) => e.build?.url !== url),
      });
    }
  }

  // ---- the port ----

  async listJobs(listing: "names" | "details" = "details"): Promise<JobInfo[]> {
    this.#call(`listJobs:${listing}`);
    return [...this.jobs.values()].map((j) => {
      const info: JobInfo = { fullName: j.fullName, name: j.name, url: j.url, className: j.className, buildable: j.buildable, disabled: j.disabled, labelExpression: j.labelExpression, nextBuildNumber: j.nextBuildNumber, isPipeline: j.isPipeline };
      return listing === "names" ? { ...info, labelExpression: null, nextBuildNumber: null } : info;
    });
  }
  async getJob(fullName: string): Promise<JobDetails | null> {
    this.#call(`getJob ${fullName}`);
    return structuredClone(this.jobs.get(fullName) ?? null);
  }
  async listNodes(): Promise<NodeInfo[]> {
    this.#call("listNodes");
    return structuredClone([...this.nodes.values()]);
  }
  async executorCounts(): Promise<{ busy: number; total: number }> {
    this.#call("executorCounts");
    let busy = 0;
    let total = 0;
    for (const n of this.nodes.values()) {
      if (n.offline || n.temporarilyOffline) continue;
      total += n.executors.length;
      busy += n.executors.filter((e) => !e.idle).length;
    }
    return { busy, total };
  }
  async labelExecutors(atom: string): Promise<number> {
    this.#call(`labelExecutors ${atom}`);
    let total = 0;
    for (const n of this.nodes.values()) if (!n.offline && !n.temporarilyOffline && n.labels.includes(atom)) total += n.executors.length;
    return total;
  }
  async builtInOneOffBuilds(): Promise<{ number: number; url: string }[]> {
    this.#call("builtInOneOffBuilds");
    return (this.nodes.get("")?.oneOffExecutors ?? []).flatMap((e) => (e.build ? [e.build] : []));
  }
  async listQueue(): Promise<QueueItem[]> {
    this.#call("listQueue");
    return structuredClone(this.queue);
  }
  async getBuild(jobName: string, n: number): Promise<BuildInfo | null> {
    this.#call(`getBuild ${jobName}#${n}`);
    return structuredClone(this.builds.get(buildUrl(jobName, n)) ?? null);
  }
  async getBuildByUrl(url: string): Promise<BuildInfo | null> {
    this.#call(`getBuildByUrl ${url}`);
    return structuredClone(this.builds.get(url) ?? null);
  }
  async getQueueItem(id: number): Promise<QueueItem | null> {
    this.#call(`getQueueItem ${id}`);
    return structuredClone(this.items.get(id) ?? null);
  }
  async findBuildByQueueId(jobName: string, queueId: number): Promise<BuildInfo | null> {
    this.#call(`findBuildByQueueId ${jobName} ${queueId}`);
    return structuredClone([...this.builds.values()].find((b) => b.jobFullName === jobName && b.queueId === queueId) ?? null);
  }

  /** Emits the client's overdue event, as the real one does when a request hangs. */
  hang(on: boolean): void {
    this.overdue = on;
    this.safeEmit("overdue", { overdue: on, request: on ? { method: "GET", url: `${J}queue/api/json`, waitingMs: 3000 } : null });
  }
}

export function qitem(id: number, jobName: string, o: Partial<QueueItem> = {}): QueueItem {
  return { id, state: "buildable", why: null, stuck: false, cancelled: false, executable: null, jobName, jobUrl: `${J}job/${jobName}/`, params: {}, inQueueSince: 0, ...o };
}
