/** Scenario files (YAML or JSON: options plus jobs and nodes) and generated scenarios for benchmarks and the demo. */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { SimulatorSpecError } from "./errors.js";
import { PARAM_TYPES, type SimJobSpec, type SimNodeSpec, type SimParamSpec, type SimResult, type SimulatorOptions, isSimResult } from "./types.js";

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function fail(file: string, where: string, msg: string): never {
  throw new SimulatorSpecError(`${file}: ${where}: ${msg}`);
}

const OPTION_KEYS = {
  host: "string", port: "number", rootUrl: "string", anonymousRead: "boolean", crumbIssuer: "boolean", quietPeriodSec: "number",
  leftItemTtlMs: "number", executableNullWindowMs: "number", clock: "string", builtInExecutors: "number", version: "string",
  logRequests: "boolean", jobsFrom: "string",
} as const;

function checkTypes(file: string, where: string, o: Obj, spec: Record<string, string>, allowed: readonly string[]): void {
  for (const [k, v] of Object.entries(o)) {
    if (!allowed.includes(k) && !(k in spec)) fail(file, where, `unknown key "${k}"`);
    const t = spec[k];
    if (t !== undefined && v !== null && typeof v !== t) fail(file, `${where}.${k}`, `must be a ${t}`);
  }
}

function job(file: string, i: number, v: unknown): SimJobSpec {
  const where = `jobs[${i}]`;
  if (!isObj(v)) fail(file, where, "must be a mapping");
  checkTypes(file, where, v, { name: "string", type: "string", disabled: "boolean", concurrent: "boolean", durationMs: "number", estimatedDurationMs: "number", description: "string" }, ["labelExpression", "parameters", "result"]);
  if (typeof v["name"] !== "string") fail(file, where, "needs a name");
  if (v["type"] !== undefined && v["type"] !== "freestyle" && v["type"] !== "pipeline") fail(file, `${where}.type`, "must be freestyle or pipeline");
  if (v["result"] !== undefined && !isSimResult(v["result"])) fail(file, `${where}.result`, "must be a Jenkins result");
  const le = v["labelExpression"];
  if (le !== undefined && le !== null && typeof le !== "string") fail(file, `${where}.labelExpression`, "must be a string");
  const params = v["parameters"];
  if (params !== undefined && !Array.isArray(params)) fail(file, `${where}.parameters`, "must be a list");
  for (const [k, p] of (params ?? []).entries()) {
    if (!isObj(p) || typeof p["name"] !== "string" || !(PARAM_TYPES as readonly unknown[]).includes(p["type"])) {
      fail(file, `${where}.parameters[${k}]`, `needs a name and a type (${PARAM_TYPES.join(", ")})`);
    }
  }
  return v as unknown as SimJobSpec;
}

function node(file: string, i: number, v: unknown): SimNodeSpec {
  const where = `nodes[${i}]`;
  if (!isObj(v)) fail(file, where, "must be a mapping");
  checkTypes(file, where, v, { name: "string", executors: "number", exclusive: "boolean", offline: "boolean", description: "string" }, ["labels"]);
  if (typeof v["name"] !== "string") fail(file, where, "needs a name");
  const labels = v["labels"];
  if (typeof labels === "string") return { ...(v as unknown as SimNodeSpec), labels: labels.split(/\s+/).filter((l) => l !== "") };
  if (labels !== undefined && !(Array.isArray(labels) && labels.every((l) => typeof l === "string"))) fail(file, `${where}.labels`, "must be a list of strings");
  return v as unknown as SimNodeSpec;
}

/** Reads a scenario: `{options?: {...}, jobs: [...], nodes: [...]}` (option keys may also sit at the top level). */
export async function loadScenario(file: string): Promise<SimulatorOptions> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    throw new SimulatorSpecError(`cannot read scenario ${file}`, { cause: e });
  }
  let doc: unknown;
  try {
    doc = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SimulatorSpecError(`scenario ${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}`, { cause: e });
  }
  if (!isObj(doc)) fail(file, "top level", "must be a mapping");
  const { options, jobs, nodes, users, builtInLabels, ...top } = doc;
  const opts: Obj = { ...top, ...(isObj(options) ? options : {}) };
  checkTypes(file, "options", opts, OPTION_KEYS, ["users", "builtInLabels"]);
  if (opts["clock"] !== undefined && opts["clock"] !== "real" && opts["clock"] !== "manual") fail(file, "options.clock", "must be real or manual");
  if (jobs !== undefined && !Array.isArray(jobs)) fail(file, "jobs", "must be a list");
  if (nodes !== undefined && !Array.isArray(nodes)) fail(file, "nodes", "must be a list");
  const out = opts as SimulatorOptions;
  const u = users ?? opts["users"];
  if (u !== undefined) {
    if (!Array.isArray(u) || !u.every((x) => isObj(x) && typeof x["user"] === "string")) fail(file, "users", "must be a list of {user, token?, password?}");
    out.users = u as SimulatorOptions["users"] & object;
  }
  const bl = builtInLabels ?? opts["builtInLabels"];
  if (bl !== undefined) {
    if (!Array.isArray(bl) || !bl.every((x) => typeof x === "string")) fail(file, "builtInLabels", "must be a list of strings");
    out.builtInLabels = bl;
  }
  if (typeof opts["jobsFrom"] === "string") out.jobsFrom = resolve(dirname(file), opts["jobsFrom"]);
  out.jobs = (jobs ?? []).map((j, i) => job(file, i, j));
  out.nodes = (nodes ?? []).map((n, i) => node(file, i, n));
  return out;
}

export interface GenerateScenarioOptions {
  jobs: number;
  nodes: number;
  labels: string[];
  executors: number;
  buildDurationMs: number;
  result: SimResult;
  /** Put jobs in two levels of folders ("team-03/group-7/job-00042"). @default false */
  folders?: boolean;
}

/** The string parameters Zuul's Gearman jobs carry, plus the node parameter NODE. */
export const ZUUL_PARAMS = [
  "ZUUL_UUID", "ZUUL_PROJECT", "ZUUL_PIPELINE", "ZUUL_BRANCH", "ZUUL_REF", "ZUUL_COMMIT", "ZUUL_CHANGE", "ZUUL_PATCHSET",
  "ZUUL_URL", "OFFLINE_NODE_WHEN_COMPLETE",
] as const;

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

/**
 * Jobs with the ZUUL_* parameters and a NodeParameterDefinition NODE, label expressions spread over the
 * labels (mostly single labels, every 10th `a || b`, every 25th none), and nodes with one or two labels each.
 */
export function generateScenario(o: GenerateScenarioOptions): SimulatorOptions {
  if (o.labels.length === 0) throw new SimulatorSpecError("generateScenario needs at least one label");
  const L = o.labels;
  const parameters: SimParamSpec[] = [
    ...ZUUL_PARAMS.map((name): SimParamSpec => ({ name, type: "string", default: name === "OFFLINE_NODE_WHEN_COMPLETE" ? "false" : "" })),
    { name: "NODE", type: "node", default: "" },
  ];
  const jobs: SimJobSpec[] = [];
  const perGroup = 100;
  for (let i = 0; i < o.jobs; i++) {
    const base = `job-${pad(i, 5)}`;
    const group = Math.floor(i / perGroup);
    const name = o.folders === true ? `team-${pad(Math.floor(group / 10), 3)}/group-${group % 10}/${base}` : base;
    const a = L[i % L.length] as string;
    const b = L[(i + 1) % L.length] as string;
    const labelExpression = i % 25 === 24 ? null : i % 10 === 9 && a !== b ? `${a} || ${b}` : a;
    jobs.push({ name, labelExpression, parameters, durationMs: o.buildDurationMs, result: o.result });
  }
  const nodes: SimNodeSpec[] = [];
  for (let k = 0; k < o.nodes; k++) {
    const labels = [L[k % L.length] as string];
    if (k % 3 === 2 && L.length > 1) labels.push(L[(k + 1) % L.length] as string);
    nodes.push({ name: `node-${pad(k, 4)}`, labels: [...new Set(labels)], executors: o.executors });
  }
  return { jobs, nodes };
}
