/** The simulator's /__sim/ hooks over HTTP, for a simulator in another process (bench/sim-child.ts). */
import type { SimBuild, SimCostReport, SimJobSpec, SimNodeSpec, SimParamSpec } from "../src/simulator/index.js";

async function call<T>(base: string, name: string, body?: unknown): Promise<T> {
  const r = await fetch(`${base}__sim/${name}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`simulator hook ${name}: ${r.status} ${text}`);
  return JSON.parse(text) as T;
}

export interface SimHooks {
  cost(): Promise<SimCostReport>;
  resetCost(o?: { evict?: boolean; buildsInMemory?: number }): Promise<void>;
  addJob(spec: SimJobSpec): Promise<void>;
  removeJob(name: string): Promise<void>;
  setJobDisabled(name: string, disabled: boolean): Promise<void>;
  setJobLabel(name: string, labelExpression: string | null): Promise<void>;
  setJobParameters(name: string, parameters: SimParamSpec[]): Promise<void>;
  setJobScript(name: string, s: { durationMs?: number }): Promise<void>;
  addNode(spec: SimNodeSpec): Promise<void>;
  removeNode(name: string): Promise<void>;
  setNodeLabels(name: string, labels: string[]): Promise<void>;
  setNodeOffline(name: string, offline: boolean, message?: string): Promise<void>;
  builds(job: string): Promise<SimBuild[]>;
  runningBuilds(): Promise<SimBuild[]>;
}

/** `base` is the simulator's root URL, with its trailing slash. */
export function simHooks(base: string): SimHooks {
  const post = async (name: string, body: unknown): Promise<void> => {
    await call(base, name, body);
  };
  return {
    cost: () => call<SimCostReport>(base, "cost"),
    resetCost: (o = {}) => post("cost/reset", o),
    addJob: (spec) => post("addJob", spec),
    removeJob: (name) => post("removeJob", { name }),
    setJobDisabled: (name, disabled) => post("setJobDisabled", { name, disabled }),
    setJobLabel: (name, labelExpression) => post("setJobLabel", { name, labelExpression }),
    setJobParameters: (name, parameters) => post("setJobParameters", { name, parameters }),
    setJobScript: (name, s) => post("setJobScript", { name, ...s }),
    addNode: (spec) => post("addNode", spec),
    removeNode: (name) => post("removeNode", { name }),
    setNodeLabels: (name, labels) => post("setNodeLabels", { name, labels }),
    setNodeOffline: (name, offline, message = "") => post("setNodeOffline", { name, offline, message }),
    builds: (job) => call<SimBuild[]>(base, `builds?job=${encodeURIComponent(job)}`),
    runningBuilds: () => call<SimBuild[]>(base, "runningBuilds"),
  };
}
