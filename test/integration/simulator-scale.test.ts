// Scale: 20,000 jobs in folders and 1,000 nodes (generateScenario), answering the listings the sidecar polls
// (docs/jenkins-rest.md "Listing every job", "Computers") well under a second each, plus 50+ builds/s.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type JenkinsSimulator, generateScenario, startSimulator } from "../../src/simulator/index.js";

const JOB_TREE = "jobs[name,url,color,buildable,disabled,labelExpression,jobs[name,url,color,buildable,disabled,labelExpression,jobs[name,url,color,buildable,disabled,labelExpression]]]";
const COMPUTER_TREE =
  "computer[displayName,offline,temporarilyOffline,offlineCauseReason,numExecutors,idle,assignedLabels[name],executors[number,idle,currentExecutable[number,url]],oneOffExecutors[currentExecutable[number,url]]]";

async function timed(url: string): Promise<{ ms: number; body: Record<string, unknown> }> {
  const t0 = performance.now();
  const r = await fetch(url);
  const body = (await r.json()) as Record<string, unknown>;
  return { ms: performance.now() - t0, body };
}

describe("simulator at scale", { timeout: 60_000 }, () => {
  let sim: JenkinsSimulator;
  before(async () => {
    const scenario = generateScenario({ jobs: 20_000, nodes: 1_000, labels: ["trusty", "xenial", "bionic", "focal"], executors: 2, buildDurationMs: 50, result: "SUCCESS", folders: true });
    sim = await startSimulator({ ...scenario, logRequests: true });
  });
  after(() => sim.close());

  it("lists 20,000 jobs in folders with one nested tree= GET in < 1000 ms", async () => {
    await timed(`${sim.url}api/json?tree=jobs[name]`); // warm-up
    const { ms, body } = await timed(`${sim.url}api/json?tree=${JOB_TREE}`);
    let count = 0;
    const walk = (jobs: unknown): void => {
      for (const j of jobs as Record<string, unknown>[]) {
        if (Array.isArray(j["jobs"])) walk(j["jobs"]);
        else count++;
      }
    };
    walk(body["jobs"]);
    assert.equal(count, 20_000);
    assert.ok(ms < 1000, `job listing took ${ms.toFixed(0)} ms`);
  });

  it("answers the computer tree of 1,000 nodes in < 1000 ms", async () => {
    const { ms, body } = await timed(`${sim.url}computer/api/json?tree=${COMPUTER_TREE}`);
    assert.equal((body["computer"] as unknown[]).length, 1_001);
    assert.ok(ms < 1000, `computer tree took ${ms.toFixed(0)} ms`);
  });

  it("runs 50+ builds per second with the real clock, every generated job carrying ZUUL_* and NODE", async () => {
    const job = await timed(`${sim.url}job/team-000/job/group-0/job/job-00000/api/json?tree=property[parameterDefinitions[name,type]]`);
    const defs = ((job.body["property"] as Record<string, unknown>[])[0]?.["parameterDefinitions"] as { name: string; type: string }[]) ?? [];
    assert.ok(defs.some((d) => d.name === "ZUUL_UUID" && d.type === "StringParameterDefinition"));
    assert.ok(defs.some((d) => d.name === "NODE" && d.type === "NodeParameterDefinition"));
    const t0 = performance.now();
    const n = 200;
    for (let i = 0; i < n; i++) sim.triggerBuild(`team-${String(Math.floor(i / 1000)).padStart(3, "0")}/group-${Math.floor(i / 100) % 10}/job-${String(i).padStart(5, "0")}`, { ZUUL_UUID: `u${i}` }, { delaySec: 0 });
    while (sim.builds().filter((b) => !b.building).length < n && performance.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    const secs = (performance.now() - t0) / 1000;
    assert.equal(sim.builds().filter((b) => b.result === "SUCCESS").length, n);
    assert.ok(n / secs >= 50, `${(n / secs).toFixed(0)} builds/s`);
  });
});
