export { JenkinsClient } from "./client.js";
export { JenkinsPoller, rankEndCandidates, type BuildEventMeta, type PollerEvents, type PollerOptions } from "./poller/poller.js";
export { BuildLedger, type JournalStore } from "./poller/ledger.js";
export { POLLER_DEFAULTS } from "./poller/types.js";
export type { ClientEvents, OverdueEvent } from "./client.js";
export { nodeSelfLabel } from "./builds.js";
export { JenkinsPreflight, type PreflightJob, type ProbeResult, type WhoAmI } from "./preflight.js";
export {
  JenkinsConnectionError,
  JenkinsError,
  JenkinsHttpError,
  JenkinsResponseError,
  JenkinsTimeoutError,
  JenkinsTriggerRefusedError,
} from "./errors.js";
export type { TriggerOptions } from "./builds.js";
export {
  NODE_MODE,
  QUEUE_STATE,
  type BuildInfo,
  type ExecutorInfo,
  type JenkinsAuth,
  type JenkinsClientOptions,
  type JobDetails,
  type JobInfo,
  type NodeInfo,
  type NodeMode,
  type ParameterDef,
  type QueueItem,
  type QueueItemState,
  type ReportedBuild,
  type RequestEvent,
  type RootInfo,
} from "./types.js";
export { buildKey, buildRefFromUrl, jobFullNameFromUrl, type BuildRef, type JobsDiff, type NodesDiff } from "./poller/diff.js";
