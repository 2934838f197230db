/** Builds (docs/jenkins-rest.md "Triggering a build", "Builds"): trigger, read, find, stop, description. */
import { JenkinsError, JenkinsHttpError, JenkinsResponseError, JenkinsTriggerRefusedError } from "./errors.js";
import type { HttpCore } from "./http.js";
import { jobPath } from "./jobs.js";
import { actionParameters, asObj, jobRelativePath, optArr, optBool, optNum, optStr, parseJobPath, reqNum, reqStr, type Ctx } from "./parse.js";
import type { BuildInfo } from "./types.js";

export const BUILD_FIELDS =
  "number,url,building,result,duration,estimatedDuration,timestamp,builtOn,queueId,description,actions[parameters[name,value]]";
/**
 * A build's state alone, for a build already read once (docs/master-cost.md): without the
 * parameters, description and estimate it is a sixth of the bytes.
 */
export const BUILD_STATE_FIELDS = "number,url,building,result,duration,timestamp,builtOn";
export type BuildFields = "full" | "state";

/** How far back findBuildByQueueId looks. */
export const FIND_BY_QUEUE_ID_DEPTH = 50;

export function parseBuild(ctx: Ctx, raw: unknown, jobFullName: string, field: string): BuildInfo {
  const o = asObj(ctx, raw, field);
  const building = optBool(o, "building", false);
  const result = optStr(o, "result");
  return {
    jobFullName,
    number: reqNum(ctx, o, "number", `${field}.number`),
    url: reqStr(ctx, o, "url", `${field}.url`),
    building,
    result,
    duration: optNum(o, "duration") ?? 0,
    estimatedDuration: optNum(o, "estimatedDuration") ?? -1,
    timestamp: optNum(o, "timestamp") ?? 0,
    builtOn: optStr(o, "builtOn"),
    queueId: optNum(o, "queueId"),
    description: optStr(o, "description"),
    parameters: actionParameters(o["actions"]),
    done: !building && result !== null,
  };
}

export async function getBuild(http: HttpCore, jobFullName: string, number: number): Promise<BuildInfo | null> {
  return fetchBuild(http, `${jobPath(jobFullName)}${number}/`, jobFullName);
}

/**
 * A build by the URL Jenkins gave for it (rebased onto our base URL, as Jenkins' root URL may
 * differ). With `fields: "state"` the answer has no parameters, description, queue id or estimate.
 */
export async function getBuildByUrl(http: HttpCore, url: string, fields: BuildFields = "full"): Promise<BuildInfo | null> {
  const rel = jobRelativePath(url);
  const job = parseJobPath(url);
  if (rel === null || job === null || job.number === null) throw new JenkinsError(`not a build URL: ${url} (expected .../job/<name>/<number>/)`);
  return fetchBuild(http, rel.endsWith("/") ? rel : `${rel}/`, job.fullName, fields);
}

async function fetchBuild(http: HttpCore, path: string, jobFullName: string, fields: BuildFields = "full"): Promise<BuildInfo | null> {
  const tree = fields === "state" ? BUILD_STATE_FIELDS : BUILD_FIELDS;
  const r = await http.request({ method: "GET", path: `${path}api/json`, query: { tree }, expect: "json", accept: [404] });
  if (r.status === 404) return null;
  return parseBuild({ url: r.url }, r.body, jobFullName, "(build)");
}

/**
 * The newest builds of one job that match `test`, newest first (one GET; it loads those builds'
 * records, so it is for rare look-ups only: an expired queue item, a trigger whose outcome is unknown).
 */
async function recentBuilds(http: HttpCore, jobFullName: string, test: (b: BuildInfo) => boolean): Promise<BuildInfo[]> {
  const tree = `builds[${BUILD_FIELDS}]{0,${FIND_BY_QUEUE_ID_DEPTH}}`;
  const r = await http.request({ method: "GET", path: `${jobPath(jobFullName)}api/json`, query: { tree }, expect: "json", accept: [404] });
  if (r.status === 404) return [];
  const ctx: Ctx = { url: r.url };
  return optArr(asObj(ctx, r.body, "(job)"), "builds")
    .map((b, i) => parseBuild(ctx, b, jobFullName, `builds[${i}]`))
    .filter(test);
}

/** The build a queue item became, from the job's newest builds (for a LeftItem Jenkins has forgotten). */
export async function findBuildByQueueId(http: HttpCore, jobFullName: string, queueId: number): Promise<BuildInfo | null> {
  return (await recentBuilds(http, jobFullName, (b) => b.queueId === queueId))[0] ?? null;
}

/** The newest build of the job whose parameter `name` has `value` (a ZUUL_UUID), or null. */
export async function findBuildByParameter(http: HttpCore, jobFullName: string, name: string, value: string): Promise<BuildInfo | null> {
  return (await recentBuilds(http, jobFullName, (b) => b.parameters[name] === value))[0] ?? null;
}

export interface TriggerOptions {
  /** Seconds before the item becomes buildable (Jenkins' quiet period otherwise applies). @default 0 */
  delaySec?: number;
  /**
   * Pin the build to a node through the job's NodeLabel parameter: the value is the node's
   * self-label, which is `built-in` for the built-in node ("" in the domain; Jenkins.java:3317-3325).
   */
  pin?: { parameter: string; node: string };
}

/** The self-label a NodeLabel parameter takes for a node name ("" is the built-in node). */
export function nodeSelfLabel(node: string): string {
  return node === "" ? "built-in" : node;
}

/**
 * Queues a build. With parameters: POST buildWithParameters; without: POST build. If Jenkins
 * answers 400 because the job is (not) parameterized, the other endpoint is tried once.
 * 201 -> a new item; 303 -> Jenkins folded the request into an identical queued item.
 */
export async function trigger(
  http: HttpCore,
  jobFullName: string,
  params: Record<string, string>,
  o: TriggerOptions = {},
): Promise<{ queueId: number; existing: boolean }> {
  if (o.pin !== undefined) params = { ...params, [o.pin.parameter]: nodeSelfLabel(o.pin.node) };
  const withParams = Object.keys(params).length > 0;
  try {
    return await triggerVia(http, jobFullName, withParams, params, o);
  } catch (e) {
    if (!(e instanceof JenkinsHttpError) || e.status !== 400) throw e;
    return triggerVia(http, jobFullName, !withParams, params, o);
  }
}

async function triggerVia(
  http: HttpCore,
  jobFullName: string,
  withParams: boolean,
  params: Record<string, string>,
  o: TriggerOptions,
): Promise<{ queueId: number; existing: boolean }> {
  const path = `${jobPath(jobFullName)}${withParams ? "buildWithParameters" : "build"}`;
  const query = { delay: `${Math.max(0, Math.round(o.delaySec ?? 0))}sec` };
  const r = await http.request({ method: "POST", path, query, form: withParams ? params : {}, expect: "none" });
  if (r.status === 302) throw new JenkinsTriggerRefusedError(jobFullName, r.url);
  const m = /\/queue\/item\/(\d+)\/?$/.exec(r.location ?? "");
  if (m === null) {
    throw new JenkinsResponseError(
      `POST ${r.url}: ${r.status} without a queue item Location (got ${JSON.stringify(r.location)}); cannot track the build`,
      { url: r.url, field: "Location" },
    );
  }
  return { queueId: Number(m[1]), existing: r.status === 303 };
}

/** Aborts a running build (302; a no-op on a finished build). */
export async function stopBuild(http: HttpCore, jobFullName: string, number: number): Promise<void> {
  await http.request({ method: "POST", path: `${jobPath(jobFullName)}${number}/stop`, expect: "none" });
}

export async function setDescription(http: HttpCore, jobFullName: string, number: number, html: string): Promise<void> {
  await http.request({ method: "POST", path: `${jobPath(jobFullName)}${number}/submitDescription`, form: { description: html }, expect: "none" });
}
