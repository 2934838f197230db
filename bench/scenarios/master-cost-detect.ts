/**
 * The change-detection delays of issue 13, measured on a running sidecar (master-cost, sidecar under test):
 * each change is made on the simulated master at once, and each delay runs from its own change to the first
 * probe that shows it: gearmand's `status` (a job's functions appear or go), the sidecar's /status groups (a
 * node's group), or, for a renamed node parameter, the first build triggered after the change that carries
 * the new name. Every probe has a timeout; a delay that times out is reported as NaN (n/a, short).
 */
import { randomUUID } from "node:crypto";

import type { GearmanAdmin, GearmanClient } from "../../src/gearman/index.js";
import { ZUUL_PARAMS } from "../../src/simulator/scenario.js";
import type { SimParamSpec } from "../../src/simulator/index.js";
import { sleep, zuulParams, type Sample } from "../lib.js";
import { sidecarStatus } from "../procs.js";
import type { SimHooks } from "../sim-hooks.js";

/** Jobs job-00000 .. job-00019 are kept out of the Zuul load for these probes; nodes 0010-0012 are changed. */
export const RESERVED_JOBS = 20;

const params = (node: string): SimParamSpec[] => [
  ...ZUUL_PARAMS.map((name): SimParamSpec => ({ name, type: "string", default: name === "OFFLINE_NODE_WHEN_COMPLETE" ? "false" : "" })),
  { name: node, type: "node", default: "" },
];

interface Probe {
  figure: string;
  targetMs: number;
  timeoutMs: number;
  source: "gearmand" | "status" | "builds";
  /** Set when the change is made. */
  at: number;
  delay: number | null;
  check(s: Snapshot): boolean;
}

interface Snapshot {
  /** gearmand function -> workers. */
  fns: Map<string, number>;
  /** node -> its group's worker id (nodes in no group are absent). */
  groupOf: Map<string, string>;
}

const hasWorkers = (s: Snapshot, fn: string): boolean => (s.fns.get(fn) ?? 0) > 0;
const anyOf = (s: Snapshot, job: string): boolean => [...s.fns.entries()].some(([f, w]) => w > 0 && (f === `build:${job}` || f.startsWith(`build:${job}:`)));

export async function measureDetection(o: {
  hooks: SimHooks;
  admin: GearmanAdmin;
  client: GearmanClient;
  sidecarAdmin: string;
  pollMs: number;
  note(m: string): void;
}): Promise<Sample[]> {
  const { hooks } = o;
  const onePoll = o.pollMs + 1_000;
  const probes: Probe[] = [
    { figure: "detect: new job registered (build:NAME has a worker)", targetMs: 30_000, timeoutMs: 60_000, source: "gearmand", at: 0, delay: null, check: (s) => hasWorkers(s, "build:zz-new-job") },
    { figure: "detect: deleted job unregistered", targetMs: 30_000, timeoutMs: 60_000, source: "gearmand", at: 0, delay: null, check: (s) => !anyOf(s, "job-00001") },
    { figure: "detect: label expression changed (new build:NAME:LABEL)", targetMs: 300_000, timeoutMs: 330_000, source: "gearmand", at: 0, delay: null, check: (s) => hasWorkers(s, "build:job-00002:label-05") },
    { figure: "detect: job disabled (its functions gone)", targetMs: 300_000, timeoutMs: 330_000, source: "gearmand", at: 0, delay: null, check: (s) => !anyOf(s, "job-00003") },
    { figure: "detect: node parameter renamed (a build pinned through the new name)", targetMs: 300_000, timeoutMs: 330_000, source: "builds", at: 0, delay: null, check: () => false },
    { figure: "detect: node added (in a /status group)", targetMs: onePoll, timeoutMs: 30_000, source: "status", at: 0, delay: null, check: (s) => s.groupOf.has("zz-new-node") },
    { figure: "detect: node removed", targetMs: onePoll, timeoutMs: 30_000, source: "status", at: 0, delay: null, check: (s) => !s.groupOf.has("node-0010") },
    // node-0011 has label-11 and label-12; relabelled to label-07 alone it joins node-0007's group.
    // A relabel changes no executor count: the label atoms' totals show it (label-watch.ts). It is
    // made on its own, after the other node changes are seen, so that their listing does not see it too.
    { figure: "detect: node relabelled (in its new group)", targetMs: onePoll, timeoutMs: 30_000, source: "status", at: 0, delay: null, check: (s) => s.groupOf.get("node-0011") !== undefined && s.groupOf.get("node-0011") === s.groupOf.get("node-0007") },
    { figure: "detect: node taken offline (in no group)", targetMs: onePoll, timeoutMs: 30_000, source: "status", at: 0, delay: null, check: (s) => !s.groupOf.has("node-0012") },
  ];
  const [newJob, delJob, label, disabled, param, newNode, delNode, relabel, offline] = probes as [Probe, Probe, Probe, Probe, Probe, Probe, Probe, Probe, Probe];
  await hooks.setJobScript("job-00004", { durationMs: 0 });
  const change = async (p: Probe, f: () => Promise<void>): Promise<void> => {
    p.at = Date.now();
    await f();
  };
  await change(newJob, () => hooks.addJob({ name: "zz-new-job", labelExpression: "label-00", parameters: params("NODE") }));
  await change(delJob, () => hooks.removeJob("job-00001"));
  await change(label, () => hooks.setJobLabel("job-00002", "label-05"));
  await change(disabled, () => hooks.setJobDisabled("job-00003", true));
  await change(param, () => hooks.setJobParameters("job-00004", params("NODE_NAME")));
  await change(newNode, () => hooks.addNode({ name: "zz-new-node", labels: ["label-00"], executors: 2 }));
  await change(delNode, () => hooks.removeNode("node-0010"));
  await change(offline, () => hooks.setNodeOffline("node-0012", true, "bench"));

  // The renamed parameter: trigger job-00004 again and again until a build carries NODE_NAME.
  // Its failure is kept and thrown after the other probes (caught here, so that a failure of the
  // probe loop below, which tears the stack down under it, is not an unhandled rejection).
  const paramFailure: { error: Error | null } = { error: null };
  const paramLoop = (async () => {
    while (param.delay === null && Date.now() - param.at < param.timeoutMs) {
      const submitted = Date.now();
      const uuid = randomUUID().replace(/-/g, "");
      const job = await o.client.submit("build:job-00004", JSON.stringify(zuulParams(uuid)), { unique: uuid });
      const r = await Promise.race([job.result, sleep(60_000).then(() => null)]);
      if (r === null || r.kind !== "complete") {
        await sleep(500);
        continue;
      }
      const builds = await hooks.builds("job-00004");
      const b = builds.find((x) => x.parameters["ZUUL_UUID"] === uuid);
      if (b !== undefined && (b.parameters["NODE_NAME"] ?? "") !== "") param.delay = submitted - param.at;
    }
  })().catch((e: unknown) => {
    paramFailure.error = e instanceof Error ? e : new Error(String(e));
  });

  const pending = (src: Probe["source"]): Probe[] => probes.filter((p) => p.source === src && p.delay === null && (p.at === 0 || Date.now() - p.at < p.timeoutMs));
  while (pending("gearmand").length + pending("status").length > 0) {
    if (relabel.at === 0 && [newNode, delNode, offline].every((p) => p.delay !== null || Date.now() - p.at >= p.timeoutMs)) {
      await change(relabel, () => hooks.setNodeLabels("node-0011", ["label-07"]));
    }
    const now = Date.now();
    const snap: Snapshot = { fns: new Map(), groupOf: new Map() };
    if (pending("gearmand").length > 0) for (const f of await o.admin.status()) snap.fns.set(f.name, f.workers);
    if (pending("status").length > 0) {
      for (const g of (await sidecarStatus(o.sidecarAdmin)).groups) for (const n of g.nodes) snap.groupOf.set(n, g.worker);
    }
    for (const p of [...pending("gearmand"), ...pending("status")]) if (p.at !== 0 && p.check(snap)) p.delay = now - p.at;
    await sleep(100);
  }
  await paramLoop;
  if (paramFailure.error !== null) throw paramFailure.error;
  for (const p of probes) o.note(`${p.figure}: ${p.delay === null ? `not seen within ${p.timeoutMs / 1000} s` : `${(p.delay / 1000).toFixed(1)} s`}`);
  return probes.map((p) => ({ figure: p.figure, value: p.delay ?? Number.NaN, unit: "ms", target: { op: "<=", value: p.targetMs } }));
}
