/** Events, options and the client port of the poller (docs/architecture.md "Polling"). */
import type { Logger } from "pino";
import type { JenkinsClient, OverdueEvent } from "../client.js";
import type { JobInfo, NodeInfo, QueueItem, ReportedBuild } from "../types.js";
import type { JobsDiff, NodesDiff } from "./diff.js";
import type { BuildLedger } from "./ledger.js";

export interface BuildEventMeta {
  /**
   * An earlier process of the sidecar already published this event (the ledger says so): a
   * listener that republishes events skips it; one that reports to Zuul still acts on it.
   */
  published: boolean;
}

export type PollerEvents = {
  /** Jobs were added, changed (label, disabled, class) or removed. */
  jobs: [JobsDiff];
  /** The node picture changed: a node's state, labels or executors. */
  nodes: [NodesDiff & { all: NodeInfo[] }];
  /** A followed queue item changed (its `why`, its state; left, cancelled or started). */
  queueItem: [QueueItem];
  /** A followed queue item was forgotten by Jenkins and no build has its queue id. */
  queueItemGone: [{ id: number; job: string }];
  buildStarted: [ReportedBuild, BuildEventMeta];
  buildFinished: [ReportedBuild, BuildEventMeta];
  /** A build reported started was deleted before it finished (its URL answers 404). */
  buildGone: [ReportedBuild];
  cycle: [{ ms: number; requests: number }];
  /** Jenkins stopped or started answering; `overdue` when a request has waited too long (a hang). */
  health: [{ healthy: boolean; error?: Error; overdue?: boolean }];
  error: [Error];
};

/** What the poller uses of the client (tests may hand in a fake). */
export type PollerClient = PollerReads & {
  on(event: "overdue", listener: (e: OverdueEvent) => void): unknown;
  off(event: "overdue", listener: (e: OverdueEvent) => void): unknown;
};

type PollerReads = Pick<
  JenkinsClient,
  | "listJobs"
  | "getJob"
  | "listNodes"
  | "executorCounts"
  | "labelExecutors"
  | "builtInOneOffBuilds"
  | "listQueue"
  | "getBuild"
  | "getBuildByUrl"
  | "getQueueItem"
  | "findBuildByQueueId"
  | "requestCount"
  | "overdue"
>;

export interface PollerOptions {
  /** Time between the starts of two cycles (queue + executor counts). @default 2000 */
  intervalMs?: number;
  /** The names-only job listing, to see new and deleted jobs. @default 25000 */
  jobsRefreshMs?: number;
  /** The job listing with labels, disabled flags and nextBuildNumber (the safety net for builds no poll saw). @default 300000 */
  jobDetailsRefreshMs?: number;
  /** The full node listing (labels, offline state, every executor), besides when the counts cannot be explained. @default 30000 */
  nodesRefreshMs?: number;
  /** How long a job's parameter definitions, read before a run, are trusted. @default 300000 */
  jobDetailsTtlMs?: number;
  /** What was reported across restarts; by default one kept in memory only. */
  ledger?: BuildLedger;
  /** @default a silent logger */
  logger?: Logger;
  /** Builds the safety net fetches per job and refresh. @default 20 */
  maxMissedPerJob?: number;
  /** Requests in flight at once for per-build reads. @default 8 */
  concurrency?: number;
  /** More new jobs than this in one names listing: read the details listing instead of one GET each. @default 100 */
  maxJobReadsPerRefresh?: number;
  /** Label atoms asked for their executors per cycle (relabels between node listings), in turn beyond it. @default 50 */
  maxLabelReadsPerCycle?: number;
  /** How long ended builds the probes did not find may stay owed before every node is listed. @default three intervals */
  owedGraceMs?: number;
}

/** The resolved options. */
export type PollerSettings = Required<Omit<PollerOptions, "ledger" | "logger" | "owedGraceMs">> & { owedGraceMs: number | null };

export const POLLER_DEFAULTS: PollerSettings = {
  intervalMs: 2000,
  jobsRefreshMs: 25_000,
  jobDetailsRefreshMs: 300_000,
  nodesRefreshMs: 30_000,
  jobDetailsTtlMs: 300_000,
  maxMissedPerJob: 20,
  concurrency: 8,
  maxJobReadsPerRefresh: 100,
  maxLabelReadsPerCycle: 50,
  owedGraceMs: null,
};

export type { JobInfo };
