export { JenkinsClient } from "./client.js";
export { JenkinsPreflight, type PreflightJob, type ProbeResult, type WhoAmI } from "./preflight.js";
export { JenkinsPoller, type PollerEvents, type PollerOptions } from "./poller.js";
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
  type JobInfo,
  type NodeInfo,
  type NodeMode,
  type ParameterDef,
  type QueueItem,
  type QueueItemState,
  type RequestEvent,
  type RootInfo,
} from "./types.js";
export { buildKey, jobFullNameFromUrl, nodeOfBuild } from "./diff.js";
