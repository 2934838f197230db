/**
 * What the simulator reads of a Pipeline script: the label of its first `node` step
 * (`ExecutorStep`, workflow-durable-task-step `ExecutorStepExecution.java:130-140` schedules a
 * PlaceholderTask with that label). The script is not run: the body of that node block takes the
 * job's scripted duration on a regular executor; a script without a node step runs only on the
 * flyweight executor (docs/simulator-jobs.md).
 */
import type { SimParamSpec } from "./types.js";

/** The label a Pipeline's first `node` step asks for. */
export type NodeStep =
  /** No `node` step: the whole run is the flyweight. */
  | { readonly kind: "none" }
  /** `node { }` (any node) or `node('label')`. */
  | { readonly kind: "label"; readonly label: string | null }
  /** `node(params.NAME)`: the value of a build parameter. */
  | { readonly kind: "param"; readonly name: string };

const NODE_CALL = /(?:^|[^\w.$])node\s*(?:\(([^)]*)\))?\s*\{/m;
const PARAM_REF = /^\$?\{?\s*params\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['"]([^'"]+)['"]\s*\])\s*\}?$/;

function unquote(s: string): string | null {
  const m = /^(['"])(.*)\1$/s.exec(s);
  return m === null ? null : (m[2] ?? "");
}

/** The first `node` step of a script: `node`, `node('x')`, `node(label: 'x')`, `node(params.NODE)`, `node("${params.NODE}")`. */
export function nodeStepOf(script: string | null): NodeStep {
  if (script === null) return { kind: "none" };
  const m = NODE_CALL.exec(script);
  if (m === null) return { kind: "none" };
  let arg = (m[1] ?? "").trim();
  if (arg.startsWith("label:")) arg = arg.slice("label:".length).trim();
  if (arg === "") return { kind: "label", label: null };
  const inner = unquote(arg) ?? arg;
  const p = PARAM_REF.exec(inner.trim());
  if (p !== null) return { kind: "param", name: (p[1] ?? p[2]) as string };
  const literal = unquote(arg);
  return { kind: "label", label: literal === null || literal.trim() === "" ? null : literal };
}

/**
 * The script of a Pipeline job given without one (addJob, scenarios): `node(params.P)` when it has a
 * Node or Label parameter P, else no node step (the run holds only the flyweight).
 */
export function defaultScript(params: readonly SimParamSpec[]): string {
  const p = params.find((x) => x.type === "node" || x.type === "label");
  return p === undefined ? "echo 'simulated'\n" : `node(params.${p.name}) {\n  sh 'true'\n}\n`;
}
