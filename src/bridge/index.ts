export { Bridge, type BridgeOptions, type DrainPhase, type DrainStatus } from "./bridge.js";
export { BadArgumentsError, NoFreeNodeError, StateFileError } from "./errors.js";
export { OFFLINE_REASON, type Outcome } from "./dispatcher.js";
export { buildFunction, compileJobs, functionsForNode, parseBuildFunction, setDescriptionFunction, stopFunction } from "./functions.js";
export { planGroups, pluginCanDoCount } from "./groups.js";
export type { JenkinsPort, PollerPort, WorkerFactory, WorkerJobPort, WorkerPort } from "./ports.js";
