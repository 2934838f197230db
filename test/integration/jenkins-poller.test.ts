// The poller against the simulator: every build on the master reported started then finished
// (docs/architecture.md "Polling"; docs/contract.md "Events"), at a fixed request cost per cycle.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { JenkinsClient, JenkinsPoller, type BuildInfo } from "../../src/jenkins/index.js";
import { startSimulator, type JenkinsSimulator, type SimJobSpec, type SimNodeSpec } from "../../src/simulator/index.js";

const USER = "sidecar";
const TOKEN = "0123456789abcdef0123";

const JOBS: SimJobSpec[] = [
  { name: "long", parameters: [{ name: "ID", type: "string" }, { name: "NODE", type: "node" }], durationMs: 10_000 },
  { name: "quick", parameters: [{ name: "ZUUL_UUID", type: "string" }], durationMs: 0 },
  { name: "forever", parameters: [{ name: "ID", type: "string" }], durationMs: 1_000_000_000 },
];
const NODES: SimNodeSpec[] = [{ name: "agent1", labels: ["linux"], executors: 2 }];

interface Recorder {
  events: string[];
  finished: BuildInfo[];
}

function record(p: JenkinsPoller): Recorder {
  const r: Recorder = { events: [], finished: [] };
  p.on("buildStarted", (b) => r.events.push(`started ${b.jobFullName}#${b.number}`));
  p.on("buildFinished", (b) => {
    r.events.push(`finished ${b.jobFullName}#${b.number} ${b.result}`);
    r.finished.push(b);
  });
  return r;
}

void describe("JenkinsPoller against the simulator", { timeout: 60_000 }, () => {
  let sim: JenkinsSimulator;
  let poller: JenkinsPoller | null = null;
  afterEach(async () => {
    await poller?.stop();
    poller = null;
    await sim.close();
  });

  async function setup(o: { nodes?: SimNodeSpec[]; detailsMs?: number } = {}): Promise<{ c: JenkinsClient; p: JenkinsPoller; r: Recorder }> {
    sim = await startSimulator({ users: [{ user: USER, token: TOKEN }], clock: "manual", jobs: JOBS, nodes: o.nodes ?? NODES });
    const c = new JenkinsClient({ baseUrl: sim.url, auth: { user: USER, token: TOKEN }, retries: 0 });
    poller = new JenkinsPoller(c, { jobsRefreshMs: 1e9, jobDetailsRefreshMs: o.detailsMs ?? 1e9, nodesRefreshMs: 1e9 });
    return { c, p: poller, r: record(poller) };
  }

  void it("a running build: started while it runs, finished with result and parameters once it is done", async () => {
    const { c, p, r } = await setup();
    await p.pollOnce();
    await c.trigger("long", { ID: "x1", NODE: "agent1" });
    sim.tick();
    await p.pollOnce();
    assert.deepEqual(r.events, ["started long#1"]);
    assert.equal(p.runningBuilds[0]?.node, "agent1");
    await p.pollOnce();
    sim.advance(10_000);
    await p.pollOnce();
    await p.pollOnce();
    assert.deepEqual(r.events, ["started long#1", "finished long#1 SUCCESS"]);
    assert.deepEqual(r.finished[0]?.parameters, { ID: "x1", NODE: "agent1" });
    assert.equal(r.finished[0]?.done, true);
  });

  void it("a build triggered and finished between two polls, never seen queued: reported within a cycle once its queue item is followed", async () => {
    const { c, p, r } = await setup();
    await p.pollOnce();
    const { queueId } = await c.trigger("quick", { ZUUL_UUID: "w1" }, { delaySec: 0 });
    p.follow(queueId, "quick");
    sim.tick();
    sim.advance(1); // started and finished before the next poll
    await p.pollOnce();
    assert.deepEqual(r.events, ["started quick#1", "finished quick#1 SUCCESS"]);
    await p.pollOnce();
    assert.equal(r.events.length, 2, "never reported twice");
  });

  void it("a build shorter than the poll interval, seen only in the queue: found through its queue item", async () => {
    const { c, p, r } = await setup();
    await c.trigger("quick", { ZUUL_UUID: "u1" }, { delaySec: 5 });
    await p.pollOnce(); // the item is waiting in the queue
    assert.equal(p.queue.size, 1);
    sim.advance(5000); // starts and finishes between two polls
    sim.tick();
    assert.equal(sim.runningBuilds().length, 0);
    sim.clearRequestLog();
    await p.pollOnce();
    assert.deepEqual(r.events, ["started quick#1", "finished quick#1 SUCCESS"]);
    assert.deepEqual(r.finished[0]?.parameters, { ZUUL_UUID: "u1" });
    assert.deepEqual(
      sim.requestLog().map((x) => x.path.split("?")[0]),
      ["/queue/api/json", "/queue/item/1/api/json", "/job/quick/1/api/json", "/computer/api/json"],
      "the queue, the item that left it, its build, and the executor counts",
    );
  });

  void it("a build never seen at all (queued and done between two polls) is caught by nextBuildNumber in the details listing", async () => {
    const { p, r } = await setup({ detailsMs: 300 });
    await p.pollOnce(); // the first cycle loads the job list
    sim.triggerBuild("quick", { ZUUL_UUID: "u2" }, { delaySec: 0 });
    sim.tick();
    sim.tick();
    assert.equal(sim.builds("quick")[0]?.building, false);
    await p.pollOnce(); // nothing to see: no queue item, no executor change
    assert.deepEqual(r.events, []);
    await new Promise((res) => setTimeout(res, 350));
    await p.pollOnce(); // the details listing: nextBuildNumber 1 -> 2
    assert.deepEqual(r.events, ["started quick#1", "finished quick#1 SUCCESS"]);
  });

  void it("builds started directly in Jenkins (not by the sidecar) are reported too", async () => {
    const { p, r } = await setup();
    await p.pollOnce();
    sim.triggerBuild("long", { ID: "direct" }, { delaySec: 0 });
    sim.triggerBuild("long", { ID: "direct2" }, { delaySec: 0 });
    sim.tick();
    await p.pollOnce();
    assert.deepEqual(r.events.sort(), ["started long#1", "started long#2"]);
    sim.finishBuild("long", 2, "FAILURE");
    await p.pollOnce();
    sim.advance(10_000);
    await p.pollOnce();
    assert.deepEqual(r.events.slice(2), ["finished long#2 FAILURE", "finished long#1 SUCCESS"]);
    await p.pollOnce();
    assert.equal(r.events.length, 4, "never twice");
  });

  void it("health goes false while Jenkins is down and back to true; state is kept", async () => {
    const { p } = await setup();
    const health: boolean[] = [];
    p.on("health", (h) => health.push(h.healthy));
    await p.pollOnce();
    await sim.setFault({ down: true });
    await p.pollOnce();
    assert.equal(p.healthy, false);
    assert.deepEqual([...p.nodes.keys()], ["", "agent1"]);
    await sim.setFault({ down: false });
    await p.pollOnce();
    assert.deepEqual(health, [true, false, true]);
  });

  void it("the measured request count per cycle is the same for 10 and for 200 running builds", async () => {
    const nodes: SimNodeSpec[] = Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, labels: ["linux"], executors: 20 }));
    async function steadyCycle(running: number): Promise<{ log: number; reported: number; started: number }> {
      const { p, r } = await setup({ nodes });
      for (let i = 0; i < running; i++) sim.triggerBuild("forever", { ID: `b${i}` }, { delaySec: 0 });
      sim.tick();
      assert.equal(sim.runningBuilds().length, running);
      await p.pollOnce(); // reports the starts
      await p.pollOnce();
      let reported = -1;
      p.on("cycle", (x) => (reported = x.requests));
      sim.clearRequestLog();
      await p.pollOnce();
      const log = sim.requestLog().length;
      const started = r.events.length;
      await poller?.stop();
      await sim.close();
      return { log, reported, started };
    }
    const ten = await steadyCycle(10);
    const many = await steadyCycle(200);
    assert.equal(ten.started, 10);
    assert.equal(many.started, 200);
    assert.deepEqual(ten, { log: 2, reported: 2, started: 10 });
    assert.deepEqual({ log: many.log, reported: many.reported }, { log: ten.log, reported: ten.reported });
    sim = await startSimulator({}); // for afterEach
  });

  void it("start()/stop() on a real clock: events arrive without pollOnce", async () => {
    sim = await startSimulator({ users: [{ user: USER, token: TOKEN }], jobs: [{ name: "j", parameters: [{ name: "A", type: "string" }], durationMs: 150 }], nodes: NODES });
    const c = new JenkinsClient({ baseUrl: sim.url, auth: { user: USER, token: TOKEN } });
    poller = new JenkinsPoller(c, { intervalMs: 30 });
    const r = record(poller);
    poller.start();
    await c.trigger("j", { A: "1" });
    const deadline = Date.now() + 5000;
    while (r.events.length < 2 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 20));
    await poller.stop();
    assert.deepEqual(r.events, ["started j#1", "finished j#1 SUCCESS"]);
  });
});
