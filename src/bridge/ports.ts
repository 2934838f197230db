/**
 * What the bridge needs from the adapters, as structural types: the real GearmanWorker,
 * JenkinsClient and JenkinsPoller satisfy them, and tests can hand in fakes. The data types
 * come from the adapters' public index.
 */
import type { BuildInfo, JobInfo, NodeInfo, QueueItem } from "../jenkins/index.js";

export type { BuildInfo, JobInfo, NodeInfo, QueueItem };

export interface WorkerJobPort {
  readonly handle: string;
  readonly functionName: string;
  readonly unique: string;
  readonly data: Buffer;
  readonly done: boolean;
  readonly lost: boolean;
  sendData(d: Buffer | string): boolean;
  sendStatus(numerator: number, denominator: number): boolean;
  complete(d?: Buffer | string): boolean;
  fail(): boolean;
  exception(d: Buffer | string): boolean;
  on(event: "lost", listener: () => void): unknown;
}

export interface WorkerPort {
  start(): void;
  setFunctions(names: Iterable<string>): void;
  setCapacity(n: number): void;
  readonly running: number;
  readonly outstandingGrabs: number;
  readonly functions: ReadonlySet<string>;
  on(event: "job", listener: (job: WorkerJobPort) => void): unknown;
  stats(): { canDoSent: number; cantDoSent: number; resetSent: number; grabsSent: number; jobsAssigned: number; reconnects: number };
  serverStatus(): { server: string; status: string; functions: number; running: number }[];
  close(): Promise<void>;
}

export type WorkerFactory = (clientId: string) => WorkerPort;

export interface JenkinsPort {
  trigger(job: string, params: Record<string, string>, o?: { delaySec?: number }): Promise<{ queueId: number; existing: boolean }>;
  getQueueItem(id: number): Promise<QueueItem | null>;
  cancelQueueItem(id: number): Promise<boolean>;
  getBuild(job: string, number: number): Promise<BuildInfo | null>;
  getBuildByUrl(url: string): Promise<BuildInfo | null>;
  findBuildByQueueId(job: string, queueId: number): Promise<BuildInfo | null>;
  stopBuild(job: string, number: number): Promise<void>;
  setDescription(job: string, number: number, html: string): Promise<void>;
  setNodeOffline(name: string, reason: string): Promise<void>;
  quietDown(reason?: string): Promise<void>;
  cancelQuietDown(): Promise<void>;
}

export interface PollerPort {
  readonly jobs: ReadonlyMap<string, JobInfo>;
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  readonly healthy: boolean;
  /** Follow a queue item we triggered, so its build's start and end are reported even if they fall between polls. */
  watchQueueItem?(id: number, jobFullName: string, jobUrl: string): void;
}
