/**
 * Job listing: every job in every folder in one nested `tree=` GET (spec §2.1), with the
 * parameter definitions of §2.2. A folder whose children come back without `url` (the nesting
 * ran out) is queried again on its own.
 */
import type { HttpCore } from "./http.js";
import { asObj, isObj, jobRelativePath, optArr, optBool, optNum, optStr, reqArr, reqStr, simpleClass, valueString, type Ctx, type Obj } from "./parse.js";
import type { JobInfo, ParameterDef } from "./types.js";

/** Levels of folders fetched in one request. */
export const JOB_TREE_DEPTH = 6;

/** Folders re-queried at most per listJobs() call (guards against a pathological tree). */
const MAX_FOLDER_REQUERIES = 200;

export const JOB_FIELDS =
  "name,fullName,url,buildable,disabled,labelExpression,concurrentBuild,lastBuild[number]," +
  "property[parameterDefinitions[name,type,defaultParameterValue[value],choices]]";

/** `jobs[FIELDS,jobs[FIELDS,...,jobs]]`: the innermost level names `jobs` bare, so a folder there shows children without url. */
export function jobsTree(depth = JOB_TREE_DEPTH): string {
  return depth <= 0 ? "jobs" : `jobs[${JOB_FIELDS},${jobsTree(depth - 1)}]`;
}

/** "a/b c" -> "job/a/job/b%20c/" (relative to the base URL). */
export function jobPath(fullName: string): string {
  const segs = fullName.split("/").filter((s) => s !== "");
  if (segs.length === 0) throw new RangeError(`invalid job name "${fullName}"`);
  return segs.map((s) => `job/${encodeURIComponent(s)}/`).join("");
}

export async function listJobs(http: HttpCore): Promise<JobInfo[]> {
  const out: JobInfo[] = [];
  const pending: { fullName: string; path: string }[] = [];
  const root = await http.request({ method: "GET", path: "api/json", query: { tree: jobsTree() }, expect: "json" });
  const ctx: Ctx = { url: root.url };
  collect(ctx, reqArr(ctx, asObj(ctx, root.body, "(root)"), "jobs", "jobs"), "", "jobs", out, pending);
  let requeries = 0;
  while (pending.length > 0 && requeries < MAX_FOLDER_REQUERIES) {
    const folder = pending.shift()!;
    requeries++;
    const r = await http.request({ method: "GET", path: `${folder.path}api/json`, query: { tree: jobsTree() }, expect: "json", accept: [404] });
    if (r.status === 404) continue; // deleted since the first answer
    const fctx: Ctx = { url: r.url };
    collect(fctx, reqArr(fctx, asObj(fctx, r.body, "(folder)"), "jobs", "jobs"), `${folder.fullName}/`, "jobs", out, pending);
  }
  return out;
}

export async function getJob(http: HttpCore, fullName: string): Promise<JobInfo | null> {
  const r = await http.request({ method: "GET", path: `${jobPath(fullName)}api/json`, query: { tree: JOB_FIELDS }, expect: "json", accept: [404] });
  if (r.status === 404) return null;
  const ctx: Ctx = { url: r.url };
  const parent = fullName.includes("/") ? `${fullName.slice(0, fullName.lastIndexOf("/"))}/` : "";
  return parseJob(ctx, asObj(ctx, r.body, "(job)"), parent, "(job)");
}

function collect(ctx: Ctx, items: unknown[], prefix: string, field: string, out: JobInfo[], pending: { fullName: string; path: string }[]): void {
  items.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const o = asObj(ctx, raw, f);
    if (!Array.isArray(o["jobs"])) {
      out.push(parseJob(ctx, o, prefix, f));
      return;
    }
    const name = reqStr(ctx, o, "name", `${f}.name`);
    const fullName = optStr(o, "fullName") ?? `${prefix}${name}`;
    const children = o["jobs"] as unknown[];
    if (children.some((c) => !isObj(c) || optStr(c, "url") === null)) {
      const url = reqStr(ctx, o, "url", `${f}.url`);
      pending.push({ fullName, path: jobRelativePath(url) ?? jobPath(fullName) });
    } else {
      collect(ctx, children, `${fullName}/`, `${f}.jobs`, out, pending);
    }
  });
}

export function parseJob(ctx: Ctx, o: Obj, prefix: string, field: string): JobInfo {
  const name = reqStr(ctx, o, "name", `${field}.name`);
  const url = reqStr(ctx, o, "url", `${field}.url`);
  const className = optStr(o, "_class") ?? "";
  const disabled = optBool(o, "disabled", false);
  const parameters = parseParameters(ctx, o, field);
  const np = parameters.find((p) => p.type === "NodeParameterDefinition" || p.type === "LabelParameterDefinition");
  const lastBuild = o["lastBuild"];
  return {
    fullName: optStr(o, "fullName") ?? `${prefix}${name}`,
    name,
    url,
    className,
    buildable: optBool(o, "buildable", !disabled),
    disabled,
    labelExpression: optStr(o, "labelExpression"),
    concurrentBuild: optBool(o, "concurrentBuild", false),
    parameters,
    nodeParameter: np ? { name: np.name, kind: np.type === "NodeParameterDefinition" ? "node" : "label" } : null,
    lastBuildNumber: isObj(lastBuild) ? optNum(lastBuild, "number") : null,
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
      const dv = def["defaultParameterValue"];
      const choices = def["choices"];
      defs.push({
        name: reqStr(ctx, def, "name", `${f}.name`),
        type: optStr(def, "type") ?? simpleClass(optStr(def, "_class")),
        defaultValue: isObj(dv) ? valueString(dv["value"]) : null,
        choices: Array.isArray(choices) ? choices.map((c) => valueString(c) ?? "") : null,
      });
    });
  });
  return defs;
}
