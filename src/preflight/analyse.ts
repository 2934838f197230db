/**
 * The preflight's analysis, pure: from what was read (jobs with parameters, nodes, Pipeline scripts, probes) to
 * the report. The plugin's rules come from the bridge (compileJobs, functionsForNode, planGroups, pluginCanDoCount),
 * so `check` says what the sidecar itself would register.
 */
import { compileJobs, functionsForNode, planGroups, pluginCanDoCount, setDescriptionFunction, stopFunction } from "../bridge/index.js";
import type { NodeInfo, PreflightJob } from "../jenkins/index.js";
import { labelMatches, parseLabelExpression } from "../util/index.js";
import { type ProbeResults, permissionReports } from "./permissions.js";
import type { Finding, GroupReport, JobReport, PreflightReport } from "./types.js";
import { NODE_PARAMETER_TYPES, ZUUL_PARAMETERS, ZUUL_REF_PARAMETERS, scriptUsesParameter } from "./zuul.js";

export interface PreflightInput {
  readonly jenkins: { readonly url: string; readonly version: string | null; readonly user: string | null; readonly userName: string | null; readonly useSecurity: boolean };
  readonly masterName: string;
  readonly jobs: readonly PreflightJob[];
  readonly nodes: readonly NodeInfo[];
  /** Pipeline scripts by job full name (null: unreadable). */
  readonly scripts: ReadonlyMap<string, string | null>;
  readonly probes: ProbeResults;
  /** Jobs Zuul may run, by full name. @default every job */
  readonly zuulJobs?: RegExp;
  /** @default 1 */
  readonly gearmanServers?: number;
  /** Functions shown per group. @default 5 */
  readonly sample?: number;
}

const online = (n: NodeInfo): boolean => !n.offline && !n.temporarilyOffline;
const MANAGEMENT = 2;

function analyseJob(j: PreflightJob, nodes: readonly NodeInfo[], script: string | null | undefined, findings: Finding[]): Omit<JobReport, "functions"> {
  const declared = new Set(j.parameters.map((p) => p.name));
  const missing = ZUUL_PARAMETERS.filter((p) => !declared.has(p));
  const missingRef = ZUUL_REF_PARAMETERS.filter((p) => !declared.has(p));
  const np = j.parameters.find((p) => NODE_PARAMETER_TYPES[p.type] !== undefined);
  const nodeParameter = np === undefined ? null : { name: np.name, kind: NODE_PARAMETER_TYPES[np.type] as "node" | "label" };
  const subject = j.fullName;
  if (j.disabled) findings.push({ severity: "warning", subject, message: "disabled: it registers nothing, so Zuul gets NOT_REGISTERED for it" });
  if (missing.length > 0) findings.push({ severity: "error", subject, message: `does not declare ${missing.join(", ")}: Jenkins drops undeclared parameters, so the build never sees them` });
  if (missingRef.length > 0) findings.push({ severity: "warning", subject, message: `does not declare ${missingRef.join(", ")} (sent for ref-updated events only)` });
  let pinnable = nodeParameter !== null;
  if (nodeParameter === null) {
    findings.push({ severity: "warning", subject, message: "has no node parameter (NodeLabel Parameter plugin): its builds run wherever Jenkins puts them within its label, not on the node the sidecar chose" });
  } else if (j.isPipeline && script !== undefined) {
    // The parameter places the run's flyweight; only node(params.X) places the work (docs/simulator-jobs.md).
    if (script === null) findings.push({ severity: "warning", subject, message: `Pipeline whose script could not be read (Item/ExtendedRead, or a script from SCM): whether node(params.${nodeParameter.name}) pins its work is unknown` });
    else if (!scriptUsesParameter(script, nodeParameter.name)) {
      pinnable = false;
      findings.push({ severity: "warning", subject, message: `Pipeline with a node parameter its script does not pass to node(): ${nodeParameter.name} places only the flyweight; write node(params.${nodeParameter.name}) { … }` });
    }
  }
  let labelError: string | null = null;
  let matching: NodeInfo[];
  const raw = j.labelExpression?.trim() ?? "";
  if (raw === "") matching = nodes.filter((n) => !n.exclusive);
  else {
    try {
      const expr = parseLabelExpression(raw);
      matching = nodes.filter((n) => labelMatches(expr, new Set(n.labels)));
      if (/^"[^"]*(&&|\|\||->|<->|!|\(|\))[^"]*"$/.test(raw)) {
        findings.push({ severity: "warning", subject, message: `label ${raw} is quoted: Jenkins could not parse the job's assigned label and took it as one label name (AbstractProject.getAssignedLabelString)` });
      }
    } catch (e) {
      labelError = e instanceof Error ? e.message : String(e);
      matching = [];
      findings.push({ severity: "error", subject, message: `label expression does not parse: ${labelError}` });
    }
  }
  const up = matching.filter((n) => online(n) && n.numExecutors > 0).length;
  if (!j.disabled && labelError === null && up === 0) {
    findings.push({ severity: "error", subject, message: raw === "" ? "no online node in NORMAL mode: it registers nothing" : `no online node satisfies ${raw}: it registers nothing (Zuul: NOT_REGISTERED)` });
  }
  return {
    fullName: j.fullName, name: j.name, type: j.isPipeline ? "pipeline" : j.className === "FreeStyleProject" ? "freestyle" : j.className, disabled: j.disabled,
    missingParameters: missing, missingRefParameters: missingRef, nodeParameter, pinnable, labelExpression: j.labelExpression, labelError,
    nodes: matching.map((n) => n.name || "(built-in)"), onlineNodes: up,
  };
}

/** Short-name clashes: two folders' jobs with one name register one function (the plugin used short names). */
function clashes(jobs: readonly PreflightJob[], findings: Finding[]): void {
  const byName = new Map<string, string[]>();
  for (const j of jobs) byName.set(j.name, [...(byName.get(j.name) ?? []), j.fullName]);
  for (const [name, full] of byName) {
    if (full.length > 1) findings.push({ severity: "warning", subject: name, message: `${full.join(", ")} share the function name build:${name}; Zuul cannot tell them apart` });
  }
}

export function analyse(input: PreflightInput): PreflightReport {
  const findings: Finding[] = [];
  const filter = input.zuulJobs;
  const zuulJobs = input.jobs.filter((j) => filter === undefined || filter.test(j.fullName));
  const nodes = input.nodes;
  const reports = zuulJobs.map((j) => analyseJob(j, nodes, j.isPipeline ? input.scripts.get(j.fullName) : undefined, findings));
  clashes(zuulJobs, findings);

  const compiled = compileJobs(zuulJobs.map((j) => ({ name: j.name, disabled: j.disabled, labelExpression: j.labelExpression })));
  const byNode = new Map<string, readonly string[]>();
  const perJob = new Map<string, Set<string>>();
  for (const n of nodes) {
    if (n.numExecutors === 0) continue;
    const fns = functionsForNode({ name: n.name, labels: n.labels, exclusive: n.exclusive, online: online(n) }, compiled);
    byNode.set(n.name, fns);
    for (const f of fns) {
      const job = f.slice("build:".length).split(":")[0] as string;
      let s = perJob.get(job);
      if (s === undefined) perJob.set(job, (s = new Set()));
      s.add(f);
    }
  }
  const { plan } = planGroups(byNode, [], 1);
  const info = new Map(nodes.map((n) => [n.name, n]));
  const sample = input.sample ?? 5;
  const groups: GroupReport[] = plan.groups.map((g) => {
    const ns = g.nodes.map((n) => info.get(n)).filter((n): n is NodeInfo => n !== undefined);
    const self = new Set(g.nodes.map((n) => (n === "" ? "built-in" : n)));
    return {
      nodes: g.nodes.map((n) => n || "(built-in)"), labels: [...new Set(ns.flatMap((n) => n.labels))].filter((l) => !self.has(l)).sort(),
      executors: ns.reduce((s, n) => s + n.numExecutors, 0), exclusive: ns.some((n) => n.exclusive), functions: g.functions.length, sample: g.functions.slice(0, sample),
    };
  });
  const servers = input.gearmanServers ?? 1;
  const ours = groups.reduce((s, g) => s + g.functions, 0) + MANAGEMENT;
  const plugin = pluginCanDoCount(nodes.filter((n) => byNode.has(n.name)).map((n) => ({ executors: n.numExecutors, functions: byNode.get(n.name)?.length ?? 0 }))) + MANAGEMENT;
  const distinct = new Set(plan.groups.flatMap((g) => g.functions)).size + MANAGEMENT;

  const permissions = permissionReports(input.jenkins.user, input.probes);
  for (const p of permissions) {
    if (p.status === "missing") {
      const breaks = p.id === "hudson.model.Hudson.Read" || p.id === "hudson.model.Item.Build";
      findings.push({ severity: breaks ? "error" : "warning", subject: p.name, message: `missing (needed to ${p.why}); ${p.grant}` });
    } else if (p.status === "unknown") findings.push({ severity: "warning", subject: p.name, message: `${p.probe}; ${p.grant}` });
  }
  if (!input.jenkins.useSecurity) findings.push({ severity: "warning", subject: "security", message: "Jenkins has security off: anyone who reaches it can run builds" });
  return {
    jenkins: input.jenkins, masterName: input.masterName, permissions,
    jobs: reports.map((r) => ({ ...r, functions: perJob.get(r.name)?.size ?? 0 })), jobsSkipped: input.jobs.length - zuulJobs.length,
    nodes: nodes.map((n) => ({ name: n.name || "(built-in)", labels: n.labels, executors: n.numExecutors, exclusive: n.exclusive, online: online(n) })),
    groups, registration: { ours, plugin, distinctFunctions: distinct, gearmanServers: servers },
    findings, ok: !findings.some((f) => f.severity === "error"),
  };
}

/** The two functions every master registers besides its jobs'. */
export function managementFunctions(master: string): string[] {
  return [stopFunction(master), setDescriptionFunction(master)];
}
