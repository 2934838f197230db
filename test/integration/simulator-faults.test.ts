// The simulator's faults for the reliability work: `hang` (a Jenkins under SIGSTOP: the kernel keeps
// accepting connections and buffering requests; on SIGCONT Jetty reads and runs them in order, and a client
// that gave up meanwhile gets no answer though its POST took effect) and held trigger answers (the build is
// queued by ParameterizedJobMixIn.doBuild before the 201 is written, docs/jenkins-rest.md "Triggering a build").
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import type { JenkinsSimulator } from "../../src/simulator/index.js";
import { TOKEN_AUTH, start } from "./simulator-fixtures.js";

// The manual clock never ends the 5 s quiet period, so triggered builds stay in the queue where the test looks.
const OPTS = { quietPeriodSec: 5, nodes: [{ name: "agent1", executors: 2 }], jobs: ["a", "b", "c"].map((name) => ({ name, parameters: [{ name: "P", type: "string" as const }] })) };

/** fetch with Basic auth and a client timeout: the status, "timeout" when the client gave up, "closed" when the connection dropped. */
async function call(sim: JenkinsSimulator, method: string, path: string, timeoutMs: number): Promise<number | "timeout" | "closed"> {
  try {
    const r = await fetch(sim.url + path, { method, redirect: "manual", headers: { Authorization: TOKEN_AUTH }, signal: AbortSignal.timeout(timeoutMs) });
    await r.arrayBuffer();
    return r.status;
  } catch (e) {
    if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return "timeout";
    if (e instanceof TypeError) return "closed"; // fetch failed: the connection was reset or refused
    throw e;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe("simulator faults: hang and held trigger answers", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("hang holds every request unanswered; /__sim/ still answers; when it ends, held requests run in arrival order, a POST whose client gave up included", async () => {
    sim = await start(OPTS);
    await sim.setFault({ hang: true });
    const gaveUpA = call(sim, "POST", "job/a/buildWithParameters?P=1", 150);
    await sleep(20);
    const gaveUpB = call(sim, "POST", "job/b/buildWithParameters?P=2", 150);
    await sleep(20);
    const patient = call(sim, "GET", "queue/api/json?tree=items[task[name]]", 10_000);
    assert.equal(await gaveUpA, "timeout");
    assert.equal(await gaveUpB, "timeout");
    assert.equal(sim.queueItems().length, 0, "nothing processed during the hang");
    const hook = await fetch(`${sim.url}__sim/queue`);
    assert.equal(hook.status, 200, "hooks are not held");
    const raced = await Promise.race([patient.then(() => "answered"), sleep(200).then(() => "held")]);
    assert.equal(raced, "held");
    await sim.setFault(null);
    assert.equal(await patient, 200);
    const items = sim.queueItems();
    assert.deepEqual(items.map((q) => q.job), ["a", "b"], "both POSTs took effect, in arrival order");
    assert.ok((items[0]?.id ?? 0) < (items[1]?.id ?? 0));
    const log = sim.requestLog().filter((r) => !r.path.startsWith("/__sim/")).map((r) => `${r.method} ${r.path.split("?")[0] ?? ""}`);
    assert.deepEqual(log, ["POST /job/a/buildWithParameters", "POST /job/b/buildWithParameters", "GET /queue/api/json"], "processed in arrival order");
    assert.equal(await call(sim, "GET", "api/json?tree=mode", 2_000), 200, "after the hang, requests are answered at once");
  });

  it("the GET that waited sees the POSTs before it (it is processed after them); a hang over the fault hook ends by itself with upAfterMs", async () => {
    sim = await start(OPTS);
    const r = await fetch(`${sim.url}__sim/fault`, { method: "POST", body: JSON.stringify({ hang: true, upAfterMs: 300 }) });
    assert.equal(r.status, 200);
    const post = call(sim, "POST", "job/c/buildWithParameters?P=3", 5_000);
    await sleep(20);
    const res = await fetch(`${sim.url}queue/api/json?tree=items[task[name]]`, { headers: { Authorization: TOKEN_AUTH }, signal: AbortSignal.timeout(5_000) });
    const body = (await res.json()) as { items: { task: { name: string } }[] };
    assert.deepEqual(body.items.map((i) => i.task.name), ["c"]);
    assert.equal(await post, 201);
  });

  it("down after a hang is a stopped Jenkins that was killed: the held requests are lost, not processed", async () => {
    sim = await start(OPTS);
    await sim.setFault({ hang: true });
    const lost = call(sim, "POST", "job/a/buildWithParameters?P=1", 2_000);
    await sleep(50);
    await sim.setFault({ down: true });
    assert.equal(typeof (await lost), "string", "the client sees the connection end or times out");
    await sim.setFault(null);
    assert.deepEqual(sim.queueItems(), []);
    assert.equal(await call(sim, "GET", "api/json?tree=mode", 2_000), 200, "up again on the same port");
  });

  it("holdTriggers: a trigger is queued at once but its 201 comes N ms late, so a shorter client timeout gives up on a queued build; other requests are not held; ms 0 ends it", async () => {
    sim = await start(OPTS);
    sim.holdTriggers(600);
    const t0 = Date.now();
    assert.equal(await call(sim, "POST", "job/a/buildWithParameters?P=x", 150), "timeout");
    assert.deepEqual(sim.queueItems().map((q) => q.job), ["a"], "the build was queued although the client gave up");
    assert.equal(await call(sim, "GET", "queue/api/json", 150), 200, "other requests answer at once");
    const slow = await call(sim, "POST", "job/b/build?delay=0sec", 5_000);
    assert.equal(slow, 400, "a parameterized job's plain build without json: still held, then answered (ParameterizedJobMixIn)");
    assert.ok(Date.now() - t0 >= 600 + 150 - 50, "the second trigger's answer waited too");
    const hook = await fetch(`${sim.url}__sim/holdTriggers`, { method: "POST", body: JSON.stringify({ ms: 0 }) });
    assert.equal(hook.status, 200);
    const t1 = Date.now();
    assert.equal(await call(sim, "POST", "job/c/buildWithParameters?P=y", 2_000), 201);
    assert.ok(Date.now() - t1 < 500, "no longer held");
    const bad = await fetch(`${sim.url}__sim/holdTriggers`, { method: "POST", body: JSON.stringify({ ms: "long" }) });
    assert.equal(bad.status, 400);
  });
});
