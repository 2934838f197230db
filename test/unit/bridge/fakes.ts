/**
 * Fake ports for the bridge's unit tests: a Gearman worker and its jobs, the poller (events
 * fired by hand), and Jenkins (calls recorded, answers programmable). The integration tests run
 * the same code on real gearmand and the simulator; these pin the decisions one by one.
 */
import { EventEmitter } from "node:events";

import type { BuildInfo, JenkinsPort, JobDetails, JobInfo, NodeInfo, PollerPort, QueueItem, ReportedBuild, RootInfo, WorkerJobPort, WorkerPort } from "../../../src/bridge/ports.js";

export const J = "http://j/";

export class FakeJob extends EventEmitter implements WorkerJobPort {
  readonly handle: string;
  readonly functionName: string;
  readonly unique: string;
  readonly data: Buffer;
  done = false;
  lost = false;
  readonly sent: string[] = [];
  #onEnd: (j: FakeJob) => void;

  constructor(o: { handle: string; fn: string; unique: string; data: Record<string, string> | string; onEnd: (j: FakeJob) => void }) {
    super();
    this.handle = o.handle;
    this.functionName = o.fn;
    this.unique = o.unique;
    this.data = Buffer.from(typeof o.data === "string" ? o.data : JSON.stringify(o.data));
    this.#onEnd = o.onEnd;
  }

  sendData(d: Buffer | string): boolean {
    return this.#write(`DATA ${d.toString()}`);
  }
  sendStatus(n: number, d: number): boolean {
    return this.#write(`STATUS ${n}/${d}`);
  }
  exception(d: Buffer | string): boolean {
    return this.#write(`EXCEPTION ${d.toString()}`);
  }
  complete(d: Buffer | string = ""): boolean {
    const ok = this.#write(`COMPLETE ${d.toString()}`);
    this.#end();
    return ok;
  }
  fail(): boolean {
    const ok = this.#write("FAIL");
    this.#end();
    return ok;
  }
  /** The connection dropped: gearmand requeued the job. */
  loseConnection(): void {
    this.lost = true;
    this.#onEnd(this);
    this.emit("lost");
  }
  /** The last packet's kind. */
  get ending(): string | undefined {
    return this.sent.filter((s) => s.startsWith("COMPLETE") || s === "FAIL").at(-1);
  }
  json(kind: "DATA" | "COMPLETE"): Record<string, unknown>[] {
    return this.sent.filter((s) => s.startsWith(`${kind} `)).map((s) => JSON.parse(s.slice(kind.length + 1)) as Record<string, unknown>);
  }

  #write(line: string): boolean {
    if (this.done || this.lost) return false;
    this.sent.push(line);
    return true;
  }
  #end(): void {
    if (this.done || this.lost) return;
    this.done = true;
    this.#onEnd(this);
  }
}

export class FakeWorker extends EventEmitter implements WorkerPort {
  readonly clientId: string;
  functions: ReadonlySet<string> = new Set();
  budget: number | null = null;
  readonly budgets: (number | null)[] = [];
  readonly jobs = new Set<FakeJob>();
  /** Every job this worker was assigned, to see what each had sent when the worker closed. */
  readonly assigned: FakeJob[] = [];
  closed = false;
  /** The packets its jobs had sent when close() was called. */
  sentAtClose: string[] | null = null;
  started = false;
  #n = 0;

  constructor(clientId: string) {
    super();
    this.clientId = clientId;
  }

  start(): void {
    this.started = true;
  }
  setFunctions(names: Iterable<string>): void {
    this.functions = new Set(names);
  }
  setGrabBudget(n: number | null): void {
    this.budget = n;
    this.budgets.push(n);
  }
  get running(): number {
    return this.jobs.size;
  }
  get outstandingGrabs(): number {
    return 0;
  }
  stats(): { canDoSent: number; cantDoSent: number; resetSent: number; grabsSent: number; jobsAssigned: number; reconnects: number } {
    return { canDoSent: 0, cantDoSent: 0, resetSent: 0, grabsSent: 0, jobsAssigned: this.#n, reconnects: 0 };
  }
  serverStatus(): { server: string; status: "connected"; functions: number; running: number }[] {
    return [{ server: "g:4730", status: "connected", functions: this.functions.size, running: this.jobs.size }];
  }
  async close(): Promise<void> {
    this.sentAtClose ??= this.assigned.flatMap((j) => j.sent);
    this.closed = true;
  }
  /** gearmand assigns a job (JOB_ASSIGN_UNIQ). */
  assign(fn: string, unique: string, data: Record<string, string> | string = {}): FakeJob {
    const job = new FakeJob({ handle: `H:fake:${++this.#n}`, fn, unique, data, onEnd: (j) => this.jobs.delete(j) });
    this.jobs.add(job);
    this.assigned.push(job);
    this.emit("job", job);
    return job;
  }
}

export function nodeInfo(name: string, labels: string[], executors = 2, o: Partial<NodeInfo> = {}): NodeInfo {
  const ex = Array.from({ length: executors }, (_, i) => ({ number: i, idle: true, build: null }));
  return { name, displayName: name, labels: [name, ...labels], offline: false, temporarilyOffline: false, offlineReason: "", exclusive: false, numExecutors: executors, executors: ex, oneOffExecutors: [], description: null, freeExecutors: executors, ...o };
}

export function jobInfo(fullName: string, labelExpression: string | null = null, o: Partial<JobInfo> = {}): JobInfo {
  return { fullName, name: fullName.split("/").pop() ?? fullName, url: `${J}job/${fullName}/`, className: "hudson.model.FreeStyleProject", buildable: true, disabled: false, labelExpression, nextBuildNumber: 1, isPipeline: false, ...o };
}

export function reported(job: string, number: number, node: string, o: Partial<ReportedBuild> = {}): ReportedBuild {
  const building = o.building ?? true;
  const result = o.result ?? (building ? null : "SUCCESS");
  return { jobFullName: job, number, url: `${J}job/${job}/${number}/`, building, result, duration: 0, estimatedDuration: 100, timestamp: 1, builtOn: node, queueId: null, description: null, parameters: {}, done: !building && result !== null, node, ...o };
}

export class FakePoller extends EventEmitter implements PollerPort {
  jobs = new Map<string, JobInfo>();
  nodes = new Map<string, NodeInfo>();
  queue = new Map<number, QueueItem>();
  healthy = true;
  lastSuccessAt: number | null = 1;
  readonly followed: string[] = [];
  readonly tracked: string[] = [];
  details = new Map<string, JobDetails | Error>();

  follow(queueId: number, job: string, node?: string): void {
    this.followed.push(`${queueId} ${job} ${node ?? ""}`);
  }
  unfollow(): void {}
  track(url: string): void {
    this.tracked.push(url);
  }
  hint(): void {}
  refreshNodes(): void {}
  readonly markedOffline: string[] = [];
  markOffline(node: string): void {
    this.markedOffline.push(node);
    const n = this.nodes.get(node);
    if (n !== undefined) this.setNodes([...this.nodes.values()].map((x) => (x === n ? { ...n, offline: true, temporarilyOffline: true, freeExecutors: 0 } : x)));
  }
  async jobDetails(fullName: string): Promise<JobDetails | null> {
    const d = this.details.get(fullName);
    if (d instanceof Error) throw d;
    if (d !== undefined) return d;
    const j = this.jobs.get(fullName);
    return j === undefined ? null : { ...j, concurrentBuild: true, estimatedDuration: -1, parameters: [{ name: "NODE", type: "NodeParameterDefinition" }], nodeParameter: { name: "NODE", kind: "node" } };
  }

  /** Sets the jobs and nodes and tells the bridge, as the poller's first cycle does. */
  load(jobs: JobInfo[], nodes: NodeInfo[]): void {
    this.jobs = new Map(jobs.map((j) => [j.fullName, j]));
    this.emit("jobs", { added: jobs, changed: [], removed: [] });
    this.setNodes(nodes);
  }
  setNodes(nodes: NodeInfo[]): void {
    this.nodes = new Map(nodes.map((n) => [n.name, n]));
    this.emit("nodes", { all: nodes, changed: nodes, removed: [] });
  }
  started(b: ReportedBuild, published = false): void {
    this.emit("buildStarted", b, { published });
  }
  finished(b: ReportedBuild, published = false): void {
    this.emit("buildFinished", b, { published });
  }
  cycle(): void {
    this.emit("cycle", { ms: 1, requests: 2 });
  }
}

/** A Jenkins whose answers a test scripts; every call is recorded. */
export class FakeJenkins implements JenkinsPort {
  readonly calls: string[] = [];
  nextQueueId = 100;
  /** Throw this from the next trigger (then clear it). */
  triggerError: Error | null = null;
  /** When set, trigger() waits for it. */
  triggerGate: Promise<void> | null = null;
  queueList: QueueItem[] = [];
  byParameter: BuildInfo | null = null;
  cancelAnswer = true;

  async root(): Promise<RootInfo> {
    this.calls.push("root");
    return { url: "http://jenkins01.example.org/", quietingDown: false, quietDownReason: null, version: "2.479.1", useCrumbs: false, useSecurity: false, mode: "NORMAL" };
  }
  async trigger(job: string, params: Record<string, string>, o: { pin?: { parameter: string; node: string } } = {}): Promise<{ queueId: number; existing: boolean }> {
    this.calls.push(`trigger ${job}${o.pin ? ` ${o.pin.parameter}=${o.pin.node}` : ""} ${params["ZUUL_UUID"] ?? ""}`.trimEnd());
    if (this.triggerGate) await this.triggerGate;
    const e = this.triggerError;
    if (e) {
      this.triggerError = null;
      throw e;
    }
    return { queueId: this.nextQueueId++, existing: false };
  }
  async listQueue(): Promise<QueueItem[]> {
    this.calls.push("listQueue");
    return this.queueList;
  }
  async cancelQueueItem(id: number): Promise<boolean> {
    this.calls.push(`cancel ${id}`);
    return this.cancelAnswer;
  }
  async getBuild(job: string, n: number): Promise<BuildInfo | null> {
    this.calls.push(`getBuild ${job}#${n}`);
    return null;
  }
  async findBuildByParameter(job: string, name: string, value: string): Promise<BuildInfo | null> {
    this.calls.push(`find ${job} ${name}=${value}`);
    return this.byParameter;
  }
  async stopBuild(job: string, n: number): Promise<void> {
    this.calls.push(`stop ${job}#${n}`);
  }
  async setDescription(): Promise<void> {}
  async setNodeOffline(name: string, reason: string): Promise<void> {
    this.calls.push(`offline ${JSON.stringify(name)} ${reason}`);
  }
  async quietDown(): Promise<void> {
    this.calls.push("quietDown");
  }
  async cancelQuietDown(): Promise<void> {
    this.calls.push("cancelQuietDown");
  }
}

/** Lets pending promise callbacks and file I/O (the state file) run, without timers (tests may mock them). */
export async function settle(rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Runs the event loop (no timers: tests may mock them) until `cond` holds; fails after `ms` of real time. */
export async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`never happened within ${ms} ms: ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

export function qitem(id: number, job: string, o: Partial<QueueItem> = {}): QueueItem {
  return { id, state: "buildable", why: null, stuck: false, cancelled: false, executable: null, jobName: job, jobUrl: `${J}job/${job}/`, params: {}, inQueueSince: 0, ...o };
}
