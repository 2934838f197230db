/**
 * Which Gearman functions a node registers: the Gearman plugin's rules, exactly
 * (docs/contract.md "The plugin's rules", GP ExecutorWorkerThread.registerJobs after 6961c9d / 67f6b23).
 *
 * - An offline or temporarily offline node registers nothing.
 * - Disabled jobs register nothing.
 * - A job without a label: `build:JOB` on every node in NORMAL mode; nothing on EXCLUSIVE nodes.
 * - A job with a label expression, on a node that satisfies the whole expression: `build:JOB`, and
 *   `build:JOB:ATOM` for every atom the expression shares with the node's labels (self-label
 *   included). A node that does not satisfy it registers nothing for the job.
 *
 * Pure: no I/O, so it can be table-tested from the contract's examples.
 */
import { labelAtoms, labelMatches, parseLabelExpression, type LabelExpr } from "../util/index.js";

export interface FunctionJob {
  /** Short job name, as the plugin used (`project.getName()`). */
  readonly name: string;
  readonly disabled: boolean;
  readonly labelExpression: string | null;
}

export interface FunctionNode {
  readonly name: string;
  /** Labels including the self-label. */
  readonly labels: readonly string[];
  readonly exclusive: boolean;
  /** Online and not temporarily offline. */
  readonly online: boolean;
}

export function buildFunction(job: string, label?: string): string {
  return label === undefined ? `build:${job}` : `build:${job}:${label}`;
}

export function stopFunction(master: string): string {
  return `stop:${master}`;
}

export function setDescriptionFunction(master: string): string {
  return `set_description:${master}`;
}

/** Parses `build:JOB` / `build:JOB:LABEL`. Job names cannot contain ':' in Jenkins, labels can. */
export function parseBuildFunction(fn: string): { job: string; label: string | null } | null {
  if (!fn.startsWith("build:")) return null;
  const rest = fn.slice("build:".length);
  const i = rest.indexOf(":");
  if (i < 0) return rest.length > 0 ? { job: rest, label: null } : null;
  const job = rest.slice(0, i);
  const label = rest.slice(i + 1);
  return job.length > 0 && label.length > 0 ? { job, label } : null;
}

/** A job prepared once per job-list change: its expression parsed, or the parse error kept. */
export interface CompiledJob {
  readonly name: string;
  readonly expr: LabelExpr | null;
  readonly atoms: readonly string[];
  readonly error: string | null;
}

export function compileJobs(jobs: Iterable<FunctionJob>): CompiledJob[] {
  const out: CompiledJob[] = [];
  for (const j of jobs) {
    if (j.disabled) continue;
    const raw = j.labelExpression?.trim() ?? "";
    if (raw === "") {
      out.push({ name: j.name, expr: null, atoms: [], error: null });
      continue;
    }
    try {
      const expr = parseLabelExpression(raw);
      out.push({ name: j.name, expr, atoms: labelAtoms(expr), error: null });
    } catch (e) {
      // A job Jenkins itself cannot schedule: register nothing for it, and say why in status.
      out.push({ name: j.name, expr: null, atoms: [], error: (e as Error).message });
    }
  }
  return out;
}

/** The function set of one node, sorted. */
export function functionsForNode(node: FunctionNode, jobs: readonly CompiledJob[]): string[] {
  if (!node.online) return [];
  const labels = new Set(node.labels);
  const out = new Set<string>();
  for (const job of jobs) {
    if (job.error !== null) continue;
    if (job.expr === null) {
      if (!node.exclusive) out.add(buildFunction(job.name));
      continue;
    }
    // The atoms only on a node that satisfies the whole expression (the plugin's atom loop is
    // inside its `projectLabelNodes.contains(node)` test).
    if (!labelMatches(job.expr, labels)) continue;
    out.add(buildFunction(job.name));
    for (const atom of job.atoms) if (labels.has(atom)) out.add(buildFunction(job.name, atom));
  }
  return [...out].sort();
}
