// The cost model over real HTTP (docs/master-cost.md): bytes, values visited (stapler export/Model.java,
// Property.java, TreePruner.java, NamedPathPruner.java) and build records touched and loaded
// (jenkins/model/lazy/AbstractLazyLoadRunMap.java, BuildReference.java; hudson/model/Job.java, Run.java,
// Executor.java:114, Queue.java:2900-2931), per endpoint class and query shape.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import type { JenkinsSimulator, SimCostCounters, SimulatorOptions } from "../../src/simulator/index.js";
import { get, post, queueId, settle, start } from "./simulator-fixtures.js";

const NODES = [{ name: "agent1", labels: ["linux"], executors: 2 }];

/** Two jobs; "a" has one finished build, "b" none; "long" builds for a minute. */
const OPTS: SimulatorOptions = {
  quietPeriodSec: 0,
  nodes: NODES,
  jobs: [{ name: "a" }, { name: "b" }, { name: "long", durationMs: 60_000 }],
};

async function finishedBuild(sim: JenkinsSimulator, job: string): Promise<void> {
  sim.triggerBuild(job, {}, { delaySec: 0 });
  sim.tick();
  sim.tick();
  await settle();
}

/** The counters of one request: reset, GET, read. */
async function costOf(sim: JenkinsSimulator, path: string): Promise<SimCostCounters & { body: string }> {
  sim.resetCost();
  const r = await get(sim, path);
  assert.equal(r.status, 200, path);
  return { ...sim.cost().total, body: r.text };
}

describe("simulator cost model", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("tree= naming 3 fields of 2 jobs visits 12 values (_class of the root and of each job included); color resolves the newest build (Job.getIconColor, Job.java:1256)", async () => {
    sim = await start({ ...OPTS, jobs: [{ name: "a" }, { name: "b" }] });
    await finishedBuild(sim, "a");
    const c = await costOf(sim, "api/json?tree=jobs[name,url,color]");
    // root _class + jobs + 2 elements + 2 x (_class, name, url, color) = 1 + 1 + 2 + 8
    assert.equal(c.values, 12);
    assert.equal(c.bytes, Buffer.byteLength(c.body), "bytes of the answer body");
    assert.equal(c.buildsTouched, 1, "a's newest build, for its color; b has none");
    assert.equal(c.buildsLoaded, 0, "held by its LeftItem (Queue.java:225)");
    const report = sim.cost();
    assert.deepEqual(Object.keys(report.endpoints), ["GET /api/json"]);
    assert.deepEqual(Object.keys(report.endpoints["GET /api/json"]?.byQuery ?? {}), ["tree=jobs[name,url,color]"]);
  });

  it("_class counts where Stapler writes it (a computer), not where the runtime class is the declared one (an executor, ClassAttributeBehaviour.IF_NEEDED)", async () => {
    sim = await start(OPTS);
    // root _class + computer + 2 elements (built-in, agent1) + 2 x (_class, displayName, executors)
    // + 2 executor elements of agent1 (0 of the built-in) + 2 x number, no _class = 1 + 1 + 2 + 6 + 2 + 2
    assert.equal((await costOf(sim, "computer/api/json?tree=computer[displayName,executors[number]]")).values, 14);
  });

  it("depth=0 vs depth=1 on a computer: 28 and 38 values; a busy executor adds its build at depth 1 only (TreePruner.ByDepth, Executor.getCurrentExecutable)", async () => {
    sim = await start(OPTS);
    // depth 0: root _class + 20 properties; assignedLabels 2 x (element, name); executors 2 elements whose
    // properties (visibility 1) are pruned; loadStatistics' _class.
    assert.equal((await costOf(sim, "computer/agent1/api/json")).values, 28);
    // depth 1: the 5 properties of each executor are visited too: 21 + 4 + 2 x (1 + 5) + 1.
    assert.equal((await costOf(sim, "computer/agent1/api/json?depth=1")).values, 38);
    sim.triggerBuild("long", {}, { delaySec: 0 });
    sim.tick();
    const d0 = await costOf(sim, "computer/agent1/api/json");
    assert.deepEqual([d0.values, d0.buildsTouched], [28, 0], "depth 0 never calls getCurrentExecutable");
    const d1 = await costOf(sim, "computer/agent1/api/json?depth=1");
    assert.deepEqual([d1.values, d1.buildsTouched, d1.buildsLoaded], [41, 1, 0], "+ currentExecutable{_class,number,url}; running: never loaded");
  });

  it("lastBuild in a job listing loads each job's newest build once, and not again while it stays in memory; an LRU too small reloads them every time", async () => {
    sim = await start({ ...OPTS, jobs: [{ name: "a" }, { name: "b" }] });
    await finishedBuild(sim, "a");
    await finishedBuild(sim, "b");
    sim.resetCost({ evict: true }); // as after a restart: nothing but running builds in memory
    const tree = "api/json?tree=jobs[name,lastBuild[number]]";
    const first = await costOf(sim, tree);
    // root _class + jobs + 2 elements + 2 x (_class, name, lastBuild) + 2 x lastBuild (_class, number)
    assert.equal(first.values, 14);
    assert.deepEqual([first.buildsTouched, first.buildsTouchedRunning, first.buildsLoaded], [2, 0, 2]);
    const again = await costOf(sim, tree);
    assert.deepEqual([again.buildsTouched, again.buildsLoaded], [2, 0]);
    sim.resetCost({ buildsInMemory: 1 });
    await costOf(sim, tree);
    const thrash = await costOf(sim, tree);
    assert.deepEqual([thrash.buildsTouched, thrash.buildsLoaded], [2, 2], "LRU of 1: each touch evicts the other");
    assert.equal(sim.cost().buildsInMemory, 1);
  });

  it("a running build is touched but never loaded: lastBuild, its own api/json, an executor's currentExecutable, a queue item's executable (Executor.java:114, Queue.LeftItem)", async () => {
    sim = await start(OPTS);
    const trig = await post(sim, "job/long/build?delay=0sec");
    const id = queueId(trig);
    sim.tick();
    sim.resetCost({ evict: true });
    for (const p of ["job/long/api/json?tree=lastBuild[number]", "job/long/1/api/json", "job/long/lastBuild/api/json?tree=number", "computer/api/json?tree=computer[executors[currentExecutable[number]]]", `queue/item/${id}/api/json`]) {
      const c = await costOf(sim, p);
      assert.deepEqual([c.buildsTouched, c.buildsTouchedRunning, c.buildsLoaded], [1, 1, 0], p);
    }
  });

  it("builds[..]{0,1} resolves up to 101 newest builds whatever the range (Range.apply calls RunList.size, RunList.java:129); color walks back past running builds (Run.getIconColor, Run.java:712)", async () => {
    sim = await start(OPTS);
    for (let i = 0; i < 3; i++) await finishedBuild(sim, "a");
    sim.resetCost({ evict: true });
    const c = await costOf(sim, "job/a/api/json?tree=builds[number]{0,1}");
    assert.equal(c.values, 5, "root _class, builds, 1 element, its _class and number");
    assert.deepEqual([c.buildsTouched, c.buildsLoaded], [3, 3]);
    sim.setJobScript("a", { durationMs: 60_000 });
    sim.triggerBuild("a", {}, { delaySec: 0 });
    sim.tick();
    const color = await costOf(sim, "job/a/api/json?tree=color");
    assert.deepEqual([color.buildsTouched, color.buildsLoaded], [2, 0], "#4 running, then #3 for the base color; #3 is in memory since the last request");
  });

  it("a URL below a build resolves it before anything else (Job.getDynamic → getBuildByNumber): POST stop and submitDescription count too", async () => {
    sim = await start(OPTS);
    await finishedBuild(sim, "a");
    sim.resetCost({ evict: true });
    assert.equal((await post(sim, "job/a/1/submitDescription", { "Content-Type": "application/x-www-form-urlencoded" }, "description=x")).status, 302);
    const ep = sim.cost().endpoints["POST /job/*/N/submitDescription"];
    assert.deepEqual([ep?.requests, ep?.buildsTouched, ep?.buildsLoaded], [1, 1, 1]);
  });

  it("a build that ends while the LeftItem TTL is 0 stays in memory through the LRU (entered when it ends), unless the LRU holds nothing", async () => {
    sim = await start({ ...OPTS, leftItemTtlMs: 0 });
    sim.setJobScript("a", { durationMs: 1_000 });
    sim.triggerBuild("a", {}, { delaySec: 0 });
    sim.tick();
    await costOf(sim, "queue/api/json"); // a request sees it running
    sim.advance(1_000);
    await settle();
    const c = await costOf(sim, "job/a/1/api/json?tree=result");
    assert.deepEqual([c.buildsTouched, c.buildsLoaded], [1, 0]);
    sim.resetCost({ buildsInMemory: 0 });
    const none = await costOf(sim, "job/a/1/api/json?tree=result");
    assert.deepEqual([none.buildsTouched, none.buildsLoaded], [1, 1]);
  });

  it("GET /__sim/cost reports per endpoint class and query shape, POST /__sim/cost/reset clears; hooks are not counted", async () => {
    sim = await start(OPTS);
    const trig = await post(sim, "job/a/build?delay=0sec");
    assert.equal(trig.status, 201);
    sim.tick();
    await get(sim, `queue/item/${queueId(trig)}/api/json?tree=executable[number]`);
    await get(sim, "job/a/1/api/json?tree=number");
    await get(sim, "job/a/1/api/json?tree=number,result");
    const r = await fetch(`${sim.url}__sim/cost`);
    const report = (await r.json()) as { total: SimCostCounters; endpoints: Record<string, SimCostCounters & { byQuery: Record<string, SimCostCounters> }> };
    assert.deepEqual(Object.keys(report.endpoints).sort(), ["GET /job/*/N/api/json", "GET /queue/item/*/api/json", "POST /job/*/build"]);
    assert.equal(report.total.requests, 4);
    assert.equal(report.endpoints["POST /job/*/build"]?.bytes, 0, "201 with an empty body");
    const builds = report.endpoints["GET /job/*/N/api/json"];
    assert.equal(builds?.requests, 2);
    assert.deepEqual(Object.keys(builds?.byQuery ?? {}), ["tree=number", "tree=number,result"]);
    assert.equal(builds?.byQuery["tree=number,result"]?.values, 3);
    const reset = await fetch(`${sim.url}__sim/cost/reset`, { method: "POST", body: JSON.stringify({ evict: true }) });
    assert.equal(reset.status, 200);
    assert.equal(sim.cost().total.requests, 0);
    const bad = await fetch(`${sim.url}__sim/cost/reset`, { method: "POST", body: JSON.stringify({ buildsInMemory: -3 }) });
    assert.equal(bad.status, 400);
  });
});
