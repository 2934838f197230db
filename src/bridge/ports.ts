/**
 * What the bridge needs from the adapters, as structural types: the real GearmanWorker,
 * JenkinsClient, JenkinsPoller and EventPublisher satisfy them, and tests hand in fakes. The
 * data types come from the adapters' public index.
 */
import type { BuildEventInput, EventTopic } from "../events/index.js";
import type {
  BuildEventMeta,
  BuildInfo,
  JobDetails,
  JobInfo,
  JobsDiff,
  NodeInfo,
  NodesDiff,
  QueueItem,
  ReportedBuild,
  RootInfo,
} from "../jenkins/index.js";

export type { BuildEventMeta, BuildInfo, JobDetails, JobInfo, JobsDiff, NodeInfo, NodesDiff, QueueItem, ReportedBuild, RootInfo };

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

export type ConnectionStatus = "connecting" | "connected" | "disconnected" | "reconnecting" | "closed";

export interface WorkerPort {
  start(): void;
  setFunctions(names: Iterable<string>): void;
  setGrabBudget(n: number | null): void;
  readonly running: number;
  readonly outstandingGrabs: number;
  readonly functions: ReadonlySet<string>;
  on(event: "job", listener: (job: WorkerJobPort) => void): unknown;
  on(event: "status", listener: (s: { server: string; status: ConnectionStatus }) => void): unknown;
  stats(): { canDoSent: number; cantDoSent: number; resetSent: number; grabsSent: number; jobsAssigned: number; reconnects: number };
  serverStatus(): { server: string; status: ConnectionStatus; functions: number; running: number }[];
  close(): Promise<void>;
}

/** Makes a worker connected to every Gearman server; `capacity` bounds its jobs (Infinity for a group worker, whose grabs the bridge budgets). */
export type WorkerFactory = (clientId: string, o: { capacity: number }) => WorkerPort;

export interface TriggerOptions {
  delaySec?: number;
  /** Pin through the job's NodeLabel parameter; "" is the built-in node. */
  pin?: { parameter: string; node: string };
}

export interface JenkinsPort {
  root(): Promise<RootInfo>;
  trigger(job: string, params: Record<string, string>, o?: TriggerOptions): Promise<{ queueId: number; existing: boolean }>;
  listQueue(): Promise<QueueItem[]>;
  cancelQueueItem(id: number): Promise<boolean>;
  getBuild(job: string, number: number): Promise<BuildInfo | null>;
  findBuildByParameter(job: string, name: string, value: string): Promise<BuildInfo | null>;
  stopBuild(job: string, number: number): Promise<void>;
  setDescription(job: string, number: number, html: string): Promise<void>;
  /** "" is the built-in node. */
  setNodeOffline(name: string, reason: string): Promise<void>;
  quietDown(reason?: string): Promise<void>;
  cancelQuietDown(): Promise<void>;
}

export type PollerHealth = { healthy: boolean; error?: Error; overdue?: boolean };

export interface PollerPort {
  readonly jobs: ReadonlyMap<string, JobInfo>;
  readonly nodes: ReadonlyMap<string, NodeInfo>;
  readonly queue: ReadonlyMap<number, QueueItem>;
  readonly healthy: boolean;
  readonly lastSuccessAt: number | null;
  on(event: "jobs", listener: (d: JobsDiff) => void): unknown;
  on(event: "nodes", listener: (d: NodesDiff & { all: NodeInfo[] }) => void): unknown;
  on(event: "queueItem", listener: (q: QueueItem) => void): unknown;
  on(event: "queueItemGone", listener: (q: { id: number; job: string }) => void): unknown;
  on(event: "buildStarted" | "buildFinished", listener: (b: ReportedBuild, meta: BuildEventMeta) => void): unknown;
  on(event: "buildGone", listener: (b: ReportedBuild) => void): unknown;
  on(event: "cycle", listener: (c: { ms: number; requests: number }) => void): unknown;
  on(event: "health", listener: (h: PollerHealth) => void): unknown;
  /** Follow a queue item we triggered; `node`: where it is pinned (Jenkins does not say for a Pipeline run). */
  follow(queueId: number, job: string, node?: string): void;
  unfollow(queueId: number): void;
  track(url: string, node?: string): void;
  hint(url: string, node: string): void;
  jobDetails(fullName: string, maxAgeMs?: number): Promise<JobDetails | null>;
  refreshNodes(): void;
  /** The sidecar took the node offline: the picture says so at once. */
  markOffline(node: string, reason: string): void;
}

/** Where build events go (the ZeroMQ publisher): publish never blocks. */
export interface EventSinkPort {
  publish(topic: EventTopic, input: BuildEventInput): number;
  /** Events accepted and not yet handed to the socket (drain waits for 0). */
  stats(): { queued: number };
}

/** Asks a Gearman server which workers hold which functions (the admin `workers` command). */
export interface GearmanAdminPort {
  readonly servers: readonly string[];
  workers(server: string): Promise<{ clientId: string; ip: string; functions: string[] }[]>;
}
