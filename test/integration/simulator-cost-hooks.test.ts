// The /__sim/ hooks the master-cost benchmark drives from another process: a job's label expression and
// parameter definitions changed as a saved configuration changes them (labelExpression as entered,
// hudson/model/AbstractProject.java:415-425; ParametersDefinitionProperty.getParameterDefinitions), a node
// taken offline as toggleOffline does (hudson/model/Computer.java:1401-1413), and the running builds.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import type { JenkinsSimulator, SimBuild } from "../../src/simulator/index.js";
import { get, start } from "./simulator-fixtures.js";

type Obj = Record<string, unknown>;

async function hook(sim: JenkinsSimulator, name: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const r = await fetch(`${sim.url}__sim/${name}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

describe("simulator hooks for the master-cost benchmark", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("setJobLabel changes labelExpression and where new builds may run; null lets the job roam", async () => {
    sim = await start({ quietPeriodSec: 0, nodes: [{ name: "a1", labels: ["x"] }, { name: "b1", labels: ["y"] }], jobs: [{ name: "j", labelExpression: "x", durationMs: 60_000 }] });
    assert.equal((await hook(sim, "setJobLabel", { name: "j", labelExpression: "y" })).status, 200);
    assert.equal((await get(sim, "job/j/api/json?tree=labelExpression")).json["labelExpression"], "y");
    sim.triggerBuild("j", {}, { delaySec: 0 });
    sim.tick();
    assert.deepEqual(sim.runningBuilds().map((b) => b.node), ["b1"]);
    await hook(sim, "setJobLabel", { name: "j", labelExpression: null });
    assert.equal((await get(sim, "job/j/api/json?tree=labelExpression")).json["labelExpression"], null);
    assert.equal((await hook(sim, "setJobLabel", { name: "nope", labelExpression: "x" })).status, 404);
  });

  it("setJobParameters replaces the definitions: a renamed node parameter pins builds through the new name; unknown ones are ignored (SimpleParameterDefinition)", async () => {
    sim = await start({ quietPeriodSec: 0, nodes: [{ name: "a1" }, { name: "a2" }], jobs: [{ name: "j", parameters: [{ name: "NODE", type: "node" }], durationMs: 60_000 }] });
    const r = await hook(sim, "setJobParameters", { name: "j", parameters: [{ name: "NODE_NAME", type: "node", default: "" }, { name: "REF", type: "string", default: "main" }] });
    assert.equal(r.status, 200);
    const defs = (((await get(sim, "job/j/api/json?tree=property[parameterDefinitions[name]]")).json["property"] as Obj[])[0] as Obj)["parameterDefinitions"] as Obj[];
    assert.deepEqual(defs.map((d) => d["name"]), ["NODE_NAME", "REF"]);
    sim.triggerBuild("j", { NODE: "a1", NODE_NAME: "a2" }, { delaySec: 0 });
    sim.tick();
    const running = sim.runningBuilds();
    assert.deepEqual(running.map((b) => [b.node, b.parameters]), [["a2", { NODE_NAME: "a2", REF: "main" }]]);
    assert.equal((await hook(sim, "setJobParameters", { name: "j", parameters: [{ name: "A", type: "nope" }] })).status, 400);
    assert.equal((await hook(sim, "setJobParameters", { name: "j", parameters: [{ name: "A", type: "string" }, { name: "A", type: "string" }] })).status, 400);
  });

  it("setNodeOffline takes a node temporarily offline with a message and back; runningBuilds lists what runs", async () => {
    sim = await start({ quietPeriodSec: 0, nodes: [{ name: "a1" }], jobs: [{ name: "j", durationMs: 60_000 }] });
    await hook(sim, "setNodeOffline", { name: "a1", offline: true, message: "bench" });
    const off = (await get(sim, "computer/a1/api/json?tree=offline,temporarilyOffline,offlineCauseReason")).json;
    assert.deepEqual([off["offline"], off["temporarilyOffline"], off["offlineCauseReason"]], [true, true, "bench"]);
    await hook(sim, "setNodeOffline", { name: "a1", offline: false });
    assert.equal((await get(sim, "computer/a1/api/json?tree=offline")).json["offline"], false);
    sim.triggerBuild("j", {}, { delaySec: 0 });
    sim.tick();
    const running = (await hook(sim, "runningBuilds")).json as SimBuild[];
    assert.deepEqual(running.map((b) => [b.job, b.number, b.building]), [["j", 1, true]]);
  });
});
