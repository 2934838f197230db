/**
 * What each simulated master holds: the same Zuul-style jobs on every master (Zuul's layout names jobs,
 * not masters), a few labels, and nodes enough for the submit rate. One label has a single node per
 * master, so "the last node of a label dies mid-build" (issue 15 §1) can happen.
 */
import { ZUUL_PARAMS } from "../helpers/stack.js";
import type { SimJobSpec, SimNodeSpec, SimResult, SimulatorOptions } from "../../src/simulator/index.js";

export interface SoakJob {
  name: string;
  /** The job's label expression; null lets it run on any NORMAL node. */
  label: string | null;
  /** Labels Zuul may name in ZUUL_NODE for `build:JOB:LABEL` (the atoms of the expression). */
  atoms: string[];
  durationMs: number;
  result: SimResult;
}

/** Builds of a few seconds; one job always fails and one is unstable, so results other than SUCCESS travel too. */
export const SOAK_JOBS: readonly SoakJob[] = [
  { name: "gate-nova-pep8", label: "trusty", atoms: ["trusty"], durationMs: 2000, result: "SUCCESS" },
  { name: "gate-nova-python27", label: "trusty", atoms: ["trusty"], durationMs: 4000, result: "SUCCESS" },
  { name: "gate-nova-docs", label: "xenial || trusty", atoms: ["xenial", "trusty"], durationMs: 3000, result: "SUCCESS" },
  { name: "gate-tempest-dsvm-full", label: "xenial", atoms: ["xenial"], durationMs: 6000, result: "SUCCESS" },
  { name: "gate-grenade-dsvm", label: "bionic", atoms: ["bionic"], durationMs: 4000, result: "SUCCESS" },
  { name: "gate-nova-flaky", label: "trusty", atoms: ["trusty"], durationMs: 2500, result: "FAILURE" },
  { name: "gate-nova-coverage", label: "xenial", atoms: ["xenial"], durationMs: 3000, result: "UNSTABLE" },
  { name: "noop-check", label: null, atoms: [], durationMs: 1500, result: "SUCCESS" },
];

/** Per master: 3 trusty, 2 xenial and 1 bionic node, 2 executors each. */
export const SOAK_NODES: readonly { name: string; labels: string[] }[] = [
  { name: "trusty-1", labels: ["trusty"] },
  { name: "trusty-2", labels: ["trusty"] },
  { name: "trusty-3", labels: ["trusty"] },
  { name: "xenial-1", labels: ["xenial"] },
  { name: "xenial-2", labels: ["xenial"] },
  { name: "bionic-1", labels: ["bionic"] },
];

/** The string parameters Zuul v2 sends (test/helpers/stack.ts) and a NodeLabel `NODE` parameter the sidecar pins with. */
function jobSpec(j: SoakJob): SimJobSpec {
  return {
    name: j.name,
    labelExpression: j.label,
    parameters: [...ZUUL_PARAMS.map((p) => ({ name: p, type: "string" as const, default: "" })), { name: "NODE", type: "node" as const }],
    durationMs: j.durationMs,
    result: j.result,
  };
}

/** The scenario file given to `simulate --config`. */
export function scenarioFor(): SimulatorOptions {
  const nodes: SimNodeSpec[] = SOAK_NODES.map((n) => ({ name: n.name, labels: n.labels, executors: 2 }));
  // A quiet period of 1 s for foreign (timer) builds; the sidecar's own triggers pass delay=0.
  return { quietPeriodSec: 1, logRequests: false, jobs: SOAK_JOBS.map(jobSpec), nodes };
}
