/**
 * Job listings: every job in every folder in one nested `tree=` GET (docs/jenkins-rest.md
 * "Listing every job"), names only or with registration details; and one job with its
 * parameter definitions. A folder whose children come back without a name (the nesting ran
 * out) is queried again on its own.
 */
import { malformedJson, type HttpCore } from "./http.js";
import { forEachArrayItem } from "./json-items.js";
import { asObj, fail, isObj, optArr, optBool, optNum, optStr, reqStr, simpleClass, type Ctx, type Obj } from "./parse.js";
import type { JobDetails, JobInfo, ParameterDef } from "./types.js";

/** Levels of folders fetched in one request. */
export const JOB_TREE_DEPTH = 6;

/** Folders re-queried at most per listJobs() call (guards against a pathological tree). */
const MAX_FOLDER_REQUERIES = 200;

/**
 * What each listing asks for (docs/master-cost.md). `_class` is always written (IF_NEEDED: the
 * declared type is TopLevelItem) and tells a folder, a Pipeline and a freestyle job apart.
 * - names: new and deleted jobs, every few seconds; the least a listing of every job can cost.
 * - details: what registration reads (label, disabled) and `nextBuildNumber`, a plain int field
 *   of Job (Job.java:389-392), which reveals builds no poll saw without loading any build record
 *   (asking for `lastBuild` made Jenkins load the newest build of every job).
 * - run: one job, with its parameter definitions (by name: `_class` gives the type), read when
 *   the sidecar is about to run it. Defaults and choices are not asked for: nothing reads them.
 *   And its last build's `estimatedDuration` (the job's estimate, `Run.java:2485`, taken from the
 *   builds in memory, `LazyBuildMixIn.java:280`): the poller ranks the build it is about to start
 *   by it, to find it soon after it ends. It touches the last build (docs/master-cost.md).
 */
export const JOB_FIELDS = {
  names: "name",
  details: "name,buildable,disabled,labelExpression,nextBuildNumber",
  run: "name,fullName,buildable,disabled,labelExpression,nextBuildNumber,concurrentBuild,property[parameterDefinitions[name]],lastBuild[estimatedDuration]",
} as const;
export type JobListing = "names" | "details";

/** `jobs[FIELDS,jobs[FIELDS,...,jobs]]`: the innermost level names `jobs` bare, so a folder there shows children without a name. */
export function jobsTree(listing: JobListing, depth = JOB_TREE_DEPTH): string {
  return depth <= 0 ? "jobs" : `jobs[${JOB_FIELDS[listing]},${jobsTree(listing, depth - 1)}]`;
}

/** "a/b c" -> "job/a/job/b%20c/" (relative to the base URL). */
export function jobPath(fullName: string): string {
  const segs = fullName.split("/").filter((s) => s !== "");
  if (segs.length === 0) throw new RangeError(`invalid job name "${fullName}"`);
  return segs.map((s) => `job/${encodeURIComponent(s)}/`).join("");
}

/** Distinct strings or parameter lists kept before the table starts over (a bound, not a tuning). */
const SHARED_MAX = 50_000;

/**
 * Jobs generated from one template share their class and parameter list: one copy of each is
 * kept (for the client's lifetime), so 20,000 jobs hold a handful of parameter lists rather than
 * 160,000 objects, and a refresh compares unchanged lists by reference.
 */
export class SharedJobParts {
  readonly #strings = new Map<string, string>();
  readonly #lists = new Map<string, readonly ParameterDef[]>();

  string(s: string): string {
    const had = this.#strings.get(s);
    if (had !== undefined) return had;
    if (this.#strings.size >= SHARED_MAX) this.#strings.clear();
    this.#strings.set(s, s);
    return s;
  }

  parameters(defs: ParameterDef[]): readonly ParameterDef[] {
    const key = defs.map((d) => `${d.name}\0${d.type}`).join("\0");
    const had = this.#lists.get(key);
    if (had !== undefined) return had;
    if (this.#lists.size >= SHARED_MAX) this.#lists.clear();
    const list = Object.freeze(defs.map((d) => Object.freeze({ name: this.string(d.name), type: this.string(d.type) })));
    this.#lists.set(key, list);
    return list;
  }
}

/**
 * Every job in every folder (folders themselves are not listed), normally in one request. A
 * folder whose children came back without a name (the nesting ran out) is queried on its own.
 */
export async function listJobs(http: HttpCore, listing: JobListing, shared = new SharedJobParts()): Promise<JobInfo[]> {
  const out: JobInfo[] = [];
  const pending: { fullName: string; path: string }[] = [];
  const tree = jobsTree(listing);
  const root = await http.request({ method: "GET", path: "api/json", query: { tree }, expect: "jsonText", bulk: true });
  collectTop({ url: root.url, http, shared }, root.body, "", out, pending);
  let requeries = 0;
  for (let folder = pending.shift(); folder !== undefined && requeries < MAX_FOLDER_REQUERIES; folder = pending.shift()) {
    requeries++;
    const r = await http.request({ method: "GET", path: `${folder.path}api/json`, query: { tree }, expect: "jsonText", accept: [404], bulk: true });
    if (r.status === 404) continue; // deleted since the first answer
    collectTop({ url: r.url, http, shared }, r.body, `${folder.fullName}/`, out, pending);
  }
  return out;
}

/** One job with its parameter definitions; null if unknown. */
export async function getJob(http: HttpCore, fullName: string, shared = new SharedJobParts()): Promise<JobDetails | null> {
  const r = await http.request({ method: "GET", path: `${jobPath(fullName)}api/json`, query: { tree: JOB_FIELDS.run }, expect: "json", accept: [404] });
  if (r.status === 404) return null;
  const ctx: ListCtx = { url: r.url, http, shared };
  const parent = fullName.includes("/") ? `${fullName.slice(0, fullName.lastIndexOf("/"))}/` : "";
  const o = asObj(ctx, r.body, "(job)");
  const job = parseJob(ctx, o, parent, "(job)");
  const parameters = shared.parameters(parseParameters(ctx, o, "(job)"));
  const np = parameters.find((p) => p.type === "NodeParameterDefinition" || p.type === "LabelParameterDefinition");
  return {
    ...job,
    concurrentBuild: optBool(o, "concurrentBuild", false),
    estimatedDuration: lastEstimate(o),
    parameters,
    nodeParameter: np ? { name: np.name, kind: np.type === "NodeParameterDefinition" ? "node" : "label" } : null,
  };
}

type ListCtx = Ctx & { http: HttpCore; shared: SharedJobParts };

/** `lastBuild.estimatedDuration`, or -1 (no build yet, no history). */
function lastEstimate(o: Obj): number {
  const last = o["lastBuild"];
  if (typeof last !== "object" || last === null) return -1;
  const e = (last as Obj)["estimatedDuration"];
  return typeof e === "number" && e > 0 ? e : -1;
}

/**
 * The `jobs` of a root or folder answer, one element at a time (json-items.ts): the 20,000 parsed
 * job objects of a big master never exist all at once.
 */
function collectTop(ctx: ListCtx, text: unknown, prefix: string, out: JobInfo[], pending: { fullName: string; path: string }[]): void {
  // A 3xx (a proxy or single sign-on sending us to a login page) is an answer without a body.
  if (typeof text !== "string") fail(ctx, "(root)", "is missing (Jenkins answered with a redirect)");
  let found: boolean;
  try {
    found = forEachArrayItem(text, "jobs", (raw, i) => collect(ctx, [raw], prefix, `jobs[${i}]`, out, pending, true));
  } catch (e) {
    if (e instanceof SyntaxError) throw malformedJson(ctx.url, text, e);
    throw e;
  }
  if (!found) fail(ctx, "jobs", "is missing or not an array");
}

function collect(ctx: ListCtx, items: unknown[], prefix: string, field: string, out: JobInfo[], pending: { fullName: string; path: string }[], named = false): void {
  items.forEach((raw, i) => {
    const f = named ? field : `${field}[${i}]`;
    const o = asObj(ctx, raw, f);
    if (!Array.isArray(o["jobs"])) {
      out.push(parseJob(ctx, o, prefix, f));
      return;
    }
    const name = reqStr(ctx, o, "name", `${f}.name`);
    const fullName = `${prefix}${name}`;
    const children = o["jobs"] as unknown[];
    if (children.some((c) => !isObj(c) || optStr(c, "name") === null)) {
      pending.push({ fullName, path: jobPath(fullName) });
    } else {
      collect(ctx, children, `${fullName}/`, `${f}.jobs`, out, pending);
    }
  });
}

export function parseJob(ctx: ListCtx, o: Obj, prefix: string, field: string): JobInfo {
  const name = reqStr(ctx, o, "name", `${field}.name`);
  const fullName = optStr(o, "fullName") ?? `${prefix}${name}`;
  const className = ctx.shared.string(optStr(o, "_class") ?? "");
  const disabled = optBool(o, "disabled", false);
  return {
    fullName,
    name,
    url: ctx.http.url(jobPath(fullName)),
    className,
    buildable: optBool(o, "buildable", !disabled),
    disabled,
    labelExpression: optStr(o, "labelExpression"),
    nextBuildNumber: optNum(o, "nextBuildNumber"),
    isPipeline: simpleClass(className) === "WorkflowJob",
  };
}

function parseParameters(ctx: Ctx, o: Obj, field: string): ParameterDef[] {
  const defs: ParameterDef[] = [];
  optArr(o, "property").forEach((prop, i) => {
    if (!isObj(prop)) return;
    optArr(prop, "parameterDefinitions").forEach((d, j) => {
      const f = `${field}.property[${i}].parameterDefinitions[${j}]`;
      const def = asObj(ctx, d, f);
      defs.push({ name: reqStr(ctx, def, "name", `${f}.name`), type: simpleClass(optStr(def, "_class")) || (optStr(def, "type") ?? "") });
    });
  });
  return defs;
}
