/** Events, options and the client port of the poller. */
import type { Logger } from "pino";
import type { JenkinsClient } from "./client.js";
import type { BuildRef } from "./diff.js";
import type { BuildInfo, JobInfo, NodeInfo } from "./types.js";

export type PollerEvents = {
  jobs: [{ added: JobInfo[]; changed: JobInfo[]; removed: string[] }];
  nodes: [{ all: NodeInfo[]; changed: NodeInfo[]; removed: string[] }];
  buildStarted: [BuildInfo];
  buildFinished: [BuildInfo];
  cycle: [{ ms: number; requests: number }];
  health: [{ healthy: boolean; error?: Error }];
  error: [Error];
};

/** What the poller uses of the client (tests may hand in a fake). */
export type PollerClient = Pick<
  JenkinsClient,
  "listJobs" | "listNodes" | "listQueue" | "getBuild" | "getBuildByUrl" | "getQueueItem" | "findBuildByQueueId" | "requestCount"
>;

export interface PollerOptions {
  /** Time between the starts of two cycles. @default 2000 */
  intervalMs?: number;
  /** Refresh the job list every N cycles (and on the first). @default 5 */
  jobsEveryCycles?: number;
  /** @default a silent logger */
  logger?: Logger;
  /** Re-fetches per cycle of builds that left their executor but still say `building`. @default 20 */
  maxRechecksPerCycle?: number;
  /** Queue items looked up per cycle. @default 50 */
  maxLookupsPerCycle?: number;
  /** Builds the safety net fetches per job and job-list refresh. @default 20 */
  maxMissedPerJob?: number;
  /** Build GETs in flight at once. @default 8 */
  concurrency?: number;
}

export interface Tracked {
  ref: BuildRef;
  started: boolean;
  onExecutor: boolean;
  startedCycle: number;
  checks: number;
  lastCheck: number;
  info: BuildInfo | null;
}
