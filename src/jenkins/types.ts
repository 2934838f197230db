/** The typed view of the Jenkins REST API that the rest of the sidecar uses (docs/jenkins-rest.md). */
import type { Logger } from "pino";
import type { BackoffOptions } from "../util/index.js";

export interface JenkinsAuth {
  user: string;
  /** API token: Basic auth that needs no CSRF crumb (ApiCrumbExclusion). Preferred. */
  token?: string;
  /** Password: needs a crumb and its session cookie on every POST. */
  password?: string;
}

/** One HTTP exchange, for metrics. `status` is 0 when no answer came. */
export interface RequestEvent {
  method: string;
  /** The URL path, without the query. */
  path: string;
  status: number;
  ms: number;
  error?: string;
}

export interface JenkinsClientOptions {
  /** The Jenkins root URL, e.g. "http://127.0.0.1:8080/" or "https://ci.example.com/jenkins/". */
  baseUrl: string;
  /** Credentials. Credentials inside baseUrl (user:token@host) are used when this is absent. */
  auth?: JenkinsAuth;
  /** Timeout of one HTTP exchange, body included. @default 10000 */
  timeoutMs?: number;
  /** Retries of an idempotent GET on 5xx, timeouts and network errors; POSTs only on connect errors. @default 3 */
  retries?: number;
  /** Backoff between retries. @default { initialMs: 200, maxMs: 5000 } */
  backoff?: BackoffOptions;
  /** @default a silent logger */
  logger?: Logger;
  /** Called after every HTTP exchange (metrics hook). */
  onRequest?: (r: RequestEvent) => void;
  /**
   * A request unanswered for longer than this makes the client `overdue` (a hung Jenkins is seen
   * long before the timeout); bulk listings are exempt. 0 disables. @default 2500
   */
  overdueMs?: number;
}

export interface RootInfo {
  /** The root URL configured in Jenkins (`Jenkins.getConfiguredRootUrl`, exported as `url`), or null. */
  url: string | null;
  quietingDown: boolean;
  quietDownReason: string | null;
  /** The X-Jenkins header. */
  version: string | null;
  useCrumbs: boolean;
  useSecurity: boolean;
  /** The built-in node's mode. */
  mode: NodeMode;
}

export const NODE_MODE = { normal: "NORMAL", exclusive: "EXCLUSIVE" } as const;
export type NodeMode = (typeof NODE_MODE)[keyof typeof NODE_MODE];

export interface ParameterDef {
  name: string;
  /** Simple class name, e.g. "StringParameterDefinition" (from `_class`). */
  type: string;
}

/**
 * What registration needs of a job, from the job listings (jobs.ts): no parameter definitions
 * and no build field, so that listing 20,000 jobs loads no build record (docs/master-cost.md).
 */
export interface JobInfo {
  /** "folder/job" */
  fullName: string;
  name: string;
  /** Absolute, under our base URL. */
  url: string;
  className: string;
  buildable: boolean;
  disabled: boolean;
  /** null when the job can roam (or is a Pipeline, which has no labelExpression). */
  labelExpression: string | null;
  /** `Job.nextBuildNumber`: a plain field, no build record is loaded for it. null when not asked for (names-only listing). */
  nextBuildNumber: number | null;
  isPipeline: boolean;
}

/** A job with its parameter definitions: read per job, when the sidecar is about to run it (getJob). */
export interface JobDetails extends JobInfo {
  concurrentBuild: boolean;
  /** The job's estimated duration in ms (from its last build), -1 if Jenkins has none. */
  estimatedDuration: number;
  /** Shared between jobs with the same definitions: never mutate. */
  parameters: readonly ParameterDef[];
  /** The NodeLabel Parameter plugin parameter that pins a build, if the job has one. */
  nodeParameter: { name: string; kind: "node" | "label" } | null;
}

export interface ExecutorInfo {
  number: number;
  idle: boolean;
  build: { number: number; url: string } | null;
}

export interface NodeInfo {
  /** "" for the built-in node. */
  name: string;
  displayName: string;
  /** Assigned labels, self-label included. */
  labels: string[];
  offline: boolean;
  temporarilyOffline: boolean;
  offlineReason: string;
  /** Mode EXCLUSIVE: only jobs tied to this node's labels run here. */
  exclusive: boolean;
  numExecutors: number;
  executors: ExecutorInfo[];
  oneOffExecutors: ExecutorInfo[];
  description: string | null;
  /** Idle executors when online, else 0. */
  freeExecutors: number;
}

export const QUEUE_STATE = { waiting: "waiting", blocked: "blocked", buildable: "buildable", left: "left" } as const;
export type QueueItemState = (typeof QUEUE_STATE)[keyof typeof QUEUE_STATE];

export interface QueueItem {
  id: number;
  state: QueueItemState;
  why: string | null;
  stuck: boolean;
  cancelled: boolean;
  /** Set on a LeftItem once the build exists. A LeftItem with executable null and cancelled false is about to start. */
  executable: { number: number; url: string } | null;
  jobName: string;
  jobUrl: string;
  params: Record<string, string>;
  inQueueSince: number;
}

export interface BuildInfo {
  jobFullName: string;
  number: number;
  url: string;
  building: boolean;
  result: string | null;
  /** 0 while running. */
  duration: number;
  estimatedDuration: number;
  /** Start time, epoch ms. */
  timestamp: number;
  /** Jenkins' `builtOn` (AbstractBuild.java:223): "" for the built-in node; null for a Pipeline run, which has none. */
  builtOn: string | null;
  queueId: number | null;
  description: string | null;
  parameters: Record<string, string>;
  /** !building && result !== null */
  done: boolean;
}

/**
 * A build as the poller reports it: with the node it ran on, resolved once for everyone (the
 * Gearman report and the ZeroMQ event read it from here): `builtOn`, else the executor the poller
 * saw it on, else, for a Pipeline run, the node of its flyweight. "" is the built-in node.
 */
export interface ReportedBuild extends BuildInfo {
  node: string | null;
}
