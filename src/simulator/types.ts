/** Public types of the Jenkins REST simulator (docs/jenkins-rest.md "The simulator"). */

export const SIM_RESULTS = ["SUCCESS", "UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED"] as const;
export type SimResult = (typeof SIM_RESULTS)[number];

export const PARAM_TYPES = ["string", "text", "choice", "boolean", "node", "label"] as const;
export type SimParamType = (typeof PARAM_TYPES)[number];

export interface SimParamSpec {
  name: string;
  type: SimParamType;
  default?: string;
  /** For `choice`: the allowed values; the first is the default. */
  choices?: string[];
  description?: string;
}

export interface SimJobSpec {
  /** Full name; "folder/sub/job" creates the folders. */
  name: string;
  /** @default "freestyle" */
  type?: "freestyle" | "pipeline";
  /**
   * Pipeline only: the script; its first `node` step places the body (pipeline.ts).
   * @default `node(params.P) { … }` when the job has a Node or Label parameter P, else a script without a node step
   */
  script?: string;
  /** Freestyle only; null or absent lets the job roam. */
  labelExpression?: string | null;
  /** @default false */
  disabled?: boolean;
  /** @default true */
  concurrent?: boolean;
  parameters?: SimParamSpec[];
  /** @default 0: the build finishes on the next scheduler tick */
  durationMs?: number;
  /** @default "SUCCESS" */
  result?: SimResult;
  /** Fixed estimated duration; by default the mean of the last 3 good builds, -1 without history. */
  estimatedDurationMs?: number;
  description?: string;
}

export interface SimNodeSpec {
  name: string;
  labels?: string[];
  /** @default 2 */
  executors?: number;
  /** Node.Mode.EXCLUSIVE: only tasks whose assigned label matches the node run here. @default false */
  exclusive?: boolean;
  /** The agent is not connected (no channel): offline without temporarilyOffline. @default false */
  offline?: boolean;
  description?: string;
}

export interface SimUser {
  user: string;
  /** API token: Basic auth with it needs no crumb. */
  token?: string;
  /** Password: Basic auth with it needs crumb + session cookie for POST. */
  password?: string;
  /**
   * The permissions the user holds, by Jenkins id ("hudson.model.Item.Build", "hudson.model.Computer.ExtendedRead",
   * "hudson.model.Hudson.Administer"...); Overall/Read is always held. @default every permission
   */
  permissions?: string[];
  /** Shown by /me/api/json. @default the user id */
  fullName?: string;
}

export interface SimulatorOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** @default `http://host:port/` */
  rootUrl?: string;
  /** None means security off (useSecurity:false). */
  users?: SimUser[];
  /** Anonymous users may read. @default false */
  anonymousRead?: boolean;
  /** With false, /crumbIssuer/api/json answers 404 and no crumb is checked. @default true */
  crumbIssuer?: boolean;
  /** @default 5 */
  quietPeriodSec?: number;
  /** How long a LeftItem stays visible. @default 300000 */
  leftItemTtlMs?: number;
  /** For this long after a start the LeftItem shows executable:null and the build does not exist yet. @default 0 */
  executableNullWindowMs?: number;
  /** "manual": time moves only with advance(). @default "real" */
  clock?: "real" | "manual";
  /** @default 0 */
  builtInExecutors?: number;
  /** Labels of the built-in node besides its self-label "built-in". @default [] */
  builtInLabels?: string[];
  /** @default "2.479.1" */
  version?: string;
  /**
   * A directory of job XML to load at start, as `jenkins-jobs test -o DIR` writes it (jobs-dir.ts); in a scenario
   * file, relative to the file. @default none
   */
  jobsFrom?: string;
  /** Builds of jobs created over HTTP (createItem) or loaded from XML. @default { durationMs: 0, result: "SUCCESS" } */
  createdJobs?: { durationMs?: number; result?: SimResult };
  jobs?: SimJobSpec[];
  nodes?: SimNodeSpec[];
  /** Keep a ring of the last 100k requests. @default true */
  logRequests?: boolean;
  /** The cost model's assumptions (docs/master-cost.md). */
  cost?: SimCostOptions;
}

/** What the cost model assumes about the master's memory (docs/master-cost.md). */
export interface SimCostOptions {
  /**
   * Finished builds Jenkins keeps in memory besides the running ones and those a LeftItem holds:
   * an LRU of the most recently touched or finished builds, standing for the soft references of
   * `BuildReference` that the JVM clears under memory pressure, least recently used first.
   * @default 2000
   */
  buildsInMemory?: number;
}

/** Counters of the cost model for one endpoint, one query shape, or the total. */
export interface SimCostCounters {
  requests: number;
  /** Bytes of the answer bodies (what a counting proxy would see), whatever the status. */
  bytes: number;
  /** Values the exporter visited: property values, array elements, `_class` attributes. */
  values: number;
  /** Distinct build records each request resolved, summed over requests. */
  buildsTouched: number;
  /** Of those, the running ones (held by their executor, so never loaded), e.g. executors' currentExecutable. */
  buildsTouchedRunning: number;
  /** Of those, the ones not in memory, which Jenkins reads from disk (build.xml). */
  buildsLoaded: number;
}

export interface SimCostEndpoint extends SimCostCounters {
  /** By query shape: "tree=<the whole tree>", "depth=N", or "" for neither. */
  byQuery: Record<string, SimCostCounters>;
}

export interface SimCostReport {
  /** Simulator clock when the counters were last reset, and now. */
  since: number;
  now: number;
  buildsInMemory: number;
  /** Finished builds currently in the LRU. */
  lruSize: number;
  total: SimCostCounters;
  /** By endpoint class, e.g. "GET /api/json", "GET /job/*\/N/api/json", "POST /job/*\/buildWithParameters". */
  endpoints: Record<string, SimCostEndpoint>;
}

export interface SimBuild {
  job: string;
  number: number;
  url: string;
  queueId: number;
  /** "" for the built-in node. */
  node: string;
  parameters: Record<string, string>;
  building: boolean;
  result: SimResult | null;
  startedAt: number;
  duration: number;
  description: string | null;
}

export interface SimQueueItem {
  id: number;
  job: string;
  why: string | null;
}

export interface SimRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface SimFault {
  /** Every request (except /__sim/) answers this status. */
  status?: number;
  /** 500 with an HTML body. */
  html?: boolean;
  /** Delay before every answer. */
  latencyMs?: number;
  /** Close the listening socket and refuse connections; false reopens on the same port. */
  down?: boolean;
  /**
   * Like Jenkins under SIGSTOP: every request (except /__sim/) is held unanswered. When the hang
   * ends, the held requests are processed in arrival order, also those whose client gave up (a
   * POST still takes effect), and answered where the socket is still open. `down` during a hang drops
   * them unprocessed (a stopped Jenkins that was then killed).
   */
  hang?: boolean;
}

export function isSimResult(v: unknown): v is SimResult {
  return typeof v === "string" && (SIM_RESULTS as readonly string[]).includes(v);
}
