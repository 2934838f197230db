// docs/jenkins-rest.md "Pinning a build to a node", "The simulator": labels, exclusive nodes (hudson/model/Node.java canTake),
// executors, non-concurrent jobs, dropped agents; plus the /__sim/ hooks and fault injection.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { JenkinsSimulator } from "../../src/simulator/index.js";
import { get, post, queueId, start } from "./simulator-fixtures.js";

type Obj = Record<string, unknown>;

describe("simulator scheduler", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("a buildable item takes an idle executor of an online node whose labels match", async () => {
    sim = await start({
      nodes: [{ name: "win", labels: ["windows"], executors: 1 }, { name: "lin", labels: ["linux", "docker"], executors: 2 }],
      jobs: [{ name: "j", labelExpression: "linux && docker", durationMs: 1000, parameters: [{ name: "N", type: "string" }] }],
    });
    for (let i = 0; i < 3; i++) sim.triggerBuild("j", { N: String(i) }, { delaySec: 0 });
    sim.tick();
    assert.deepEqual(sim.runningBuilds().map((b) => b.node), ["lin", "lin"]);
    assert.deepEqual(sim.queueItems().map((q) => q.why), ["Waiting for next available executor on ‘lin’"]);
    sim.advance(1000); // both end
    sim.tick();
    assert.equal(sim.runningBuilds().length, 1);
    sim.advance(1000);
    assert.equal(sim.builds("j").filter((b) => b.result === "SUCCESS").length, 3);
  });

  it("label resolution: Node parameter, then the job's label, then any node; label parameters take expressions (LabelParameterValue.java:167-170, Queue.java:2364-2370)", async () => {
    sim = await start({
      nodes: [{ name: "a", labels: ["x"], executors: 1 }, { name: "b", labels: ["y"], executors: 1 }, { name: "c", labels: ["y", "z"], executors: 1 }],
      jobs: [
        { name: "pin", labelExpression: "x", parameters: [{ name: "NODE", type: "node" }], durationMs: 1000 },
        { name: "lab", parameters: [{ name: "L", type: "label" }], durationMs: 1000 },
      ],
    });
    sim.triggerBuild("pin", { NODE: "b" }, { delaySec: 0 });
    sim.triggerBuild("lab", { L: "y && z" }, { delaySec: 0 });
    sim.tick();
    assert.deepEqual(sim.runningBuilds().map((b) => `${b.job}@${b.node}`).sort(), ["lab@c", "pin@b"]);
    sim.triggerBuild("pin", {}, { delaySec: 0 }); // job label x → a
    sim.tick();
    assert.ok(sim.runningBuilds().some((b) => b.job === "pin" && b.node === "a"));
  });

  it("exclusive nodes take only tasks whose label matches them; unlabelled tasks go elsewhere (Node.canTake)", async () => {
    sim = await start({
      nodes: [{ name: "excl", labels: ["special"], executors: 2, exclusive: true }, { name: "norm", labels: [], executors: 1 }],
      jobs: [{ name: "any", durationMs: 1000, parameters: [{ name: "N", type: "string" }] }, { name: "sp", labelExpression: "special", durationMs: 1000 }],
    });
    sim.triggerBuild("any", { N: "1" }, { delaySec: 0 });
    sim.triggerBuild("any", { N: "2" }, { delaySec: 0 });
    sim.triggerBuild("sp", {}, { delaySec: 0 });
    sim.tick();
    const running = sim.runningBuilds().map((b) => `${b.job}@${b.node}`).sort();
    assert.deepEqual(running, ["any@norm", "sp@excl"]);
    assert.deepEqual(sim.queueItems().map((q) => q.why), ["Waiting for next available executor"]);
  });

  it("non-concurrent jobs run one at a time; a dropped agent fails its builds and shows offline without temporarilyOffline", async () => {
    sim = await start({
      nodes: [{ name: "n1", labels: ["l"], executors: 3 }],
      jobs: [{ name: "serial", labelExpression: "l", concurrent: false, durationMs: 60_000, parameters: [{ name: "N", type: "string" }] }],
    });
    sim.triggerBuild("serial", { N: "1" }, { delaySec: 0 });
    sim.triggerBuild("serial", { N: "2" }, { delaySec: 0 });
    sim.tick();
    assert.equal(sim.runningBuilds().length, 1);
    assert.match(sim.queueItems()[0]?.why ?? "", /^Build #1 is already in progress/);
    sim.dropAgent("n1");
    assert.equal(sim.builds("serial")[0]?.result, "FAILURE");
    const c = await get(sim, "computer/n1/api/json?tree=offline,temporarilyOffline");
    assert.deepEqual([c.json["offline"], c.json["temporarilyOffline"]], [true, false]);
    sim.tick();
    assert.equal(sim.queueItems()[0]?.why, "‘n1’ is offline");
    sim.reconnectAgent("n1");
    sim.tick();
    assert.equal(sim.runningBuilds().length, 1);
  });

  it("the real clock ends builds by itself (durationMs 0 finishes on the next tick)", async () => {
    sim = await start({ clock: "real", nodes: [{ name: "n", executors: 1 }], jobs: [{ name: "fast" }] });
    const r = await post(sim, "job/fast/build?delay=0sec");
    const id = queueId(r);
    for (let i = 0; i < 100 && sim.builds("fast")[0]?.building !== false; i++) await new Promise((res) => setTimeout(res, 5));
    const b = sim.builds("fast")[0];
    assert.equal(b?.queueId, id);
    assert.equal(b?.result, "SUCCESS");
  });
});

describe("simulator hooks and faults", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  const hook = async (name: string, body: unknown): Promise<{ status: number; json: Obj }> => {
    const r = await fetch(`${sim.url}__sim/${name}`, { method: "POST", body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Obj };
  };

  it("/__sim/ hooks: addNode, addJob, triggerBuild, advance, finishBuild, dropAgent, removeNode, removeJob, requestLog", async () => {
    sim = await start();
    assert.equal((await hook("addNode", { name: "h1", labels: ["l"], executors: 1 })).status, 200);
    assert.equal((await hook("addJob", { name: "f/j", labelExpression: "l", durationMs: 100_000 })).status, 200);
    const t = await hook("triggerBuild", { job: "f/j", delaySec: 0 });
    assert.equal(t.json["queueId"], 1);
    await hook("tick", {});
    assert.equal((await hook("finishBuild", { job: "f/j", number: 1, result: "UNSTABLE" })).status, 200);
    assert.equal(sim.builds("f/j")[0]?.result, "UNSTABLE");
    await hook("triggerBuild", { job: "f/j", delaySec: 0 });
    const adv = await hook("advance", { ms: 10 });
    assert.equal(typeof adv.json["now"], "number");
    assert.equal((await hook("dropAgent", { name: "h1" })).status, 200);
    assert.equal(sim.builds("f/j")[1]?.result, "FAILURE");
    assert.equal((await hook("removeNode", { name: "h1" })).status, 200);
    assert.equal((await get(sim, "computer/h1/api/json")).status, 404);
    assert.equal((await hook("removeNode", { name: "h1" })).status, 404);
    assert.equal((await hook("finishBuild", { job: "f/j", number: 1, result: "BAD" })).status, 400);
    assert.equal((await hook("removeJob", { name: "f/j" })).status, 200);
    assert.equal((await get(sim, "job/f/job/j/api/json")).status, 404);
    sim.clearRequestLog();
    await get(sim, "api/json");
    await get(sim, "queue/api/json");
    const log = (await (await fetch(`${sim.url}__sim/requestLog`)).json()) as { method: string; path: string; status: number }[];
    assert.deepEqual(log.map((l) => [l.method, l.path, l.status]), [["GET", "/api/json", 200], ["GET", "/queue/api/json", 200]]);
  });

  it("fault injection: status, HTML 500, latency, down and up again on the same port", async () => {
    sim = await start();
    await sim.setFault({ status: 503 });
    assert.equal((await get(sim, "api/json")).status, 503);
    await sim.setFault({ html: true });
    const h = await get(sim, "api/json");
    assert.equal(h.status, 500);
    assert.match(h.headers.get("content-type") ?? "", /text\/html/);
    await sim.setFault({ latencyMs: 150 });
    const t0 = Date.now();
    assert.equal((await get(sim, "api/json")).status, 200);
    assert.ok(Date.now() - t0 >= 140);
    await sim.setFault({ down: true });
    await assert.rejects(fetch(`${sim.url}api/json`));
    await sim.setFault({ down: false });
    assert.equal((await get(sim, "api/json")).status, 200);
    // The HTTP hook: a fault with a status, then cleared with {}.
    assert.equal((await hook("fault", { status: 500 })).status, 200, "hooks are exempt from faults");
    assert.equal((await get(sim, "api/json")).status, 500);
    await hook("fault", {});
    assert.equal((await get(sim, "api/json")).status, 200);
  });
});
