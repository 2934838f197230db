// The typed Jenkins client end to end against the simulator (docs/jenkins-rest.md).
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";

import { JenkinsClient, JenkinsConnectionError, JenkinsHttpError, JenkinsTimeoutError } from "../../src/jenkins/index.js";
import { startSimulator, type JenkinsSimulator, type SimJobSpec, type SimNodeSpec } from "../../src/simulator/index.js";

const USER = "sidecar";
const TOKEN = "0123456789abcdef0123";
const PASSWORD = "pa55-word";

const JOBS: SimJobSpec[] = [
  {
    name: "team/build",
    labelExpression: "linux",
    parameters: [
      { name: "REF", type: "string", default: "main" },
      { name: "MODE", type: "choice", choices: ["a", "b"] },
      { name: "NODE", type: "node" },
    ],
    durationMs: 10_000,
  },
  { name: "pipe", type: "pipeline", parameters: [{ name: "NODE", type: "label" }], durationMs: 10_000 },
  { name: "plain", durationMs: 10_000 },
  { name: "old", disabled: true, parameters: [{ name: "X", type: "string" }] },
  { name: "d1/d2/d3/d4/d5/d6/d7/deep job", durationMs: 1000 },
];
const NODES: SimNodeSpec[] = [
  { name: "agent1", labels: ["linux", "docker"], executors: 2 },
  { name: "agent2", labels: ["linux"], executors: 1, exclusive: true },
];

void describe("JenkinsClient against the simulator", { timeout: 30_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  async function setup(): Promise<JenkinsClient> {
    sim = await startSimulator({ users: [{ user: USER, token: TOKEN, password: PASSWORD }], clock: "manual", jobs: JOBS, nodes: NODES });
    return new JenkinsClient({ baseUrl: sim.url, auth: { user: USER, token: TOKEN }, retries: 1, backoff: { initialMs: 5, jitter: 0 } });
  }

  void it("root, listJobs (folders deeper than one request's nesting), listNodes (built-in, exclusive via config.xml)", async () => {
    const c = await setup();
    const root = await c.root();
    assert.deepEqual(root, { url: sim.url, quietingDown: false, quietDownReason: null, version: "2.479.1", useCrumbs: true, useSecurity: true, mode: "NORMAL" });

    sim.clearRequestLog();
    const jobs = await c.listJobs();
    assert.deepEqual(jobs.map((j) => j.fullName).sort(), ["d1/d2/d3/d4/d5/d6/d7/deep job", "old", "pipe", "plain", "team/build"]);
    assert.equal(sim.requestLog().length, 2, "one request plus one re-query of the folder where the nesting ran out");
    const listed = jobs.find((j) => j.fullName === "team/build");
    assert.equal(listed?.labelExpression, "linux");
    assert.ok((listed?.nextBuildNumber ?? 0) >= 1, "the details listing carries nextBuildNumber");
    assert.deepEqual(new Set((await c.listJobs("names")).map((j) => j.fullName)), new Set(jobs.map((j) => j.fullName)), "the names-only listing finds the same jobs");
    const b = await c.getJob("team/build");
    assert.ok(b !== null);
    assert.deepEqual(b.parameters, [
      { name: "REF", type: "StringParameterDefinition" },
      { name: "MODE", type: "ChoiceParameterDefinition" },
      { name: "NODE", type: "NodeParameterDefinition" },
    ]);
    assert.deepEqual(b.nodeParameter, { name: "NODE", kind: "node" });
    const pipe = await c.getJob("pipe");
    assert.equal(pipe?.isPipeline, true);
    assert.deepEqual(pipe?.nodeParameter, { name: "NODE", kind: "label" });
    const old = jobs.find((j) => j.fullName === "old")!;
    assert.deepEqual([old.disabled, old.buildable], [true, false]);
    assert.equal(c.jobUrl("d1/d2/d3/d4/d5/d6/d7/deep job"), `${sim.url}job/d1/job/d2/job/d3/job/d4/job/d5/job/d6/job/d7/job/deep%20job/`);

    sim.clearRequestLog();
    const nodes = await c.listNodes();
    assert.deepEqual(nodes.map((n) => [n.name, n.displayName, n.exclusive]), [["", "Built-In Node", false], ["agent1", "agent1", false], ["agent2", "agent2", true]]);
    assert.ok(nodes[1]!.labels.includes("agent1") && nodes[1]!.labels.includes("docker"), "self-label included");
    assert.equal(nodes[1]!.freeExecutors, 2);
    assert.equal(sim.requestLog().length, 3, "computer tree + config.xml of the two agents (the built-in mode came with root())");
    sim.clearRequestLog();
    await c.listNodes();
    assert.deepEqual(sim.requestLog().map((r) => r.path.split("?")[0]), ["/computer/api/json"]);
  });

  void it("trigger (201, 303 duplicate, parameterless), queue states, queue item -> build, cancel", async () => {
    const c = await setup();
    const t1 = await c.trigger("team/build", { REF: "r1", NODE: "agent1" }, { delaySec: 5 });
    assert.equal(t1.existing, false);
    const dup = await c.trigger("team/build", { REF: "r1", NODE: "agent1" }, { delaySec: 5 });
    assert.deepEqual(dup, { queueId: t1.queueId, existing: true }, "303 to the existing item (Queue.java:612-668)");
    const plain = await c.trigger("plain", {}, { delaySec: 5 });
    const queue = await c.listQueue();
    assert.deepEqual(queue.map((q) => [q.id, q.state, q.jobName]), [[t1.queueId, "waiting", "build"], [plain.queueId, "waiting", "plain"]]);
    assert.match(queue[0]!.why ?? "", /^In the quiet period/);
    assert.deepEqual(queue[0]!.params, { REF: "r1", MODE: "a", NODE: "agent1" });

    assert.equal(await c.cancelQueueItem(plain.queueId), true);
    const cancelled = await c.getQueueItem(plain.queueId);
    assert.deepEqual([cancelled?.state, cancelled?.cancelled, cancelled?.executable], ["left", true, null]);
    assert.equal(await c.cancelQueueItem(9999), false);

    sim.advance(5000);
    const left = await c.getQueueItem(t1.queueId);
    assert.equal(left?.state, "left");
    assert.ok(left?.executable);
    const build = await c.getBuildByUrl(left.executable.url);
    assert.equal(build?.jobFullName, "team/build");
    assert.equal(build?.building, true);
    assert.equal(build?.builtOn, "agent1");
    assert.equal(build?.queueId, t1.queueId);
    assert.deepEqual(build?.parameters, { REF: "r1", MODE: "a", NODE: "agent1" });
    assert.equal((await c.findBuildByQueueId("team/build", t1.queueId))?.number, build?.number);
    assert.equal(await c.getQueueItem(424242), null);
  });

  void it("getBuild, stopBuild, setDescription, 404 -> null", async () => {
    const c = await setup();
    const { queueId } = await c.trigger("team/build", { NODE: "agent1" });
    sim.tick();
    const item = await c.getQueueItem(queueId);
    const n = item!.executable!.number;
    await c.setDescription("team/build", n, "<a href='x'>zuul</a>");
    await c.stopBuild("team/build", n);
    const b = await c.getBuild("team/build", n);
    assert.deepEqual([b?.building, b?.result, b?.done, b?.description], [false, "ABORTED", true, "<a href='x'>zuul</a>"]);
    await c.stopBuild("team/build", n); // a finished build: still 302, no change
    assert.equal(await c.getBuild("team/build", 999), null);
    assert.equal(await c.getBuild("nosuch", 1), null);
  });

  void it("setNodeOffline / setNodeOnline, quietDown / cancelQuietDown", async () => {
    const c = await setup();
    await c.setNodeOffline("agent1", "going away");
    await c.setNodeOffline("agent1", "going away"); // idempotent
    let a1 = (await c.listNodes()).find((n) => n.name === "agent1")!;
    assert.deepEqual([a1.offline, a1.temporarilyOffline, a1.offlineReason, a1.freeExecutors], [true, true, "going away", 0]);
    await c.setNodeOnline("agent1");
    await c.setNodeOnline("agent1"); // already online: no toggle back
    a1 = (await c.listNodes()).find((n) => n.name === "agent1")!;
    assert.deepEqual([a1.offline, a1.temporarilyOffline], [false, false]);

    await c.quietDown("sidecar drain");
    assert.deepEqual([(await c.root()).quietingDown, (await c.root()).quietDownReason], [true, "sidecar drain"]);
    await c.cancelQuietDown();
    assert.equal((await c.root()).quietingDown, false);
  });

  void it("password auth: crumb + session cookie, fetched once", async () => {
    await setup();
    const c = new JenkinsClient({ baseUrl: sim.url, auth: { user: USER, password: PASSWORD } });
    sim.clearRequestLog();
    await c.quietDown();
    await c.cancelQuietDown();
    await c.trigger("plain", {});
    assert.deepEqual(
      sim.requestLog().map((r) => `${r.method} ${r.path.split("?")[0]} ${r.status}`),
      ["GET /crumbIssuer/api/json 200", "POST /quietDown 302", "POST /cancelQuietDown 302", "POST /job/plain/build 201"],
    );
  });

  void it("errors: bad token 401, HTML 500 with retries, latency timeout, Jenkins down", async () => {
    const good = await setup();
    const bad = new JenkinsClient({ baseUrl: sim.url, auth: { user: USER, token: "wrong-token-xyz" } });
    await assert.rejects(bad.listJobs(), (e: unknown) => e instanceof JenkinsHttpError && e.status === 401 && /check the user "sidecar" and API token/.test(e.message));

    await sim.setFault({ html: true });
    sim.clearRequestLog();
    await assert.rejects(good.listQueue(), (e: unknown) => e instanceof JenkinsHttpError && e.status === 500 && /retried 1 times/.test(e.message));
    assert.equal(sim.requestLog().length, 2);

    await sim.setFault({ latencyMs: 300 });
    const slow = new JenkinsClient({ baseUrl: sim.url, auth: { user: USER, token: TOKEN }, timeoutMs: 50, retries: 0 });
    await assert.rejects(slow.listQueue(), JenkinsTimeoutError);

    await sim.setFault({ down: true });
    await assert.rejects(good.listNodes(), (e: unknown) => e instanceof JenkinsConnectionError && e.code === "ECONNREFUSED");
    await sim.setFault(null);
    await sim.setFault({ down: false });
    assert.equal((await good.listNodes()).length, 3);
  });
});
