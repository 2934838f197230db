// The bridge end to end: real gearmand, the Jenkins simulator, our client playing Zuul v2.
// Contract: docs/contract.md "Registration", "Reporting", "stop and set_description",
// "OFFLINE_NODE_WHEN_COMPLETE"; docs/architecture.md "Capacity", "No build twice".
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { JenkinsClient } from "../../src/jenkins/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { startStack, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Stack } from "../helpers/stack.js";

describe("bridge: Zuul builds on one master", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let s: Stack;
  before(async () => {
    gd = await startGearmand();
    s = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      masters: [
        {
          name: "jenkins01",
          jobs: [
            zuulJob("ok", "trusty"),
            zuulJob("bad", "trusty", { result: "FAILURE" }),
            zuulJob("flaky", "trusty", { result: "UNSTABLE" }),
            zuulJob("aborted", "trusty", { result: "ABORTED" }),
            zuulJob("any", "trusty || precise"),
            zuulJob("slow", "trusty", { durationMs: 60_000 }),
            zuulJob("doomed", "trusty"),
            zuulJob("single-use", "precise"),
            zuulJob("folder/nested", "trusty"),
          ],
          nodes: [
            { name: "t1", labels: ["trusty"], executors: 2 },
            { name: "t2", labels: ["trusty"], executors: 2 },
            { name: "p1", labels: ["precise"], executors: 1 },
            { name: "p2", labels: ["precise"], executors: 1 },
          ],
        },
      ],
    });
    await waitRegistered(s.admin, ["build:ok", "build:ok:trusty", "build:any:precise", "build:nested", "stop:jenkins01", "set_description:jenkins01"]);
  });
  after(async () => {
    await s?.close();
    await gd?.stop();
  });

  for (const [job, result] of [
    ["ok", "SUCCESS"],
    ["bad", "FAILURE"],
    ["flaky", "UNSTABLE"],
    ["aborted", "ABORTED"],
  ] as const) {
    it(`reports ${result} with WORK_COMPLETE, after WORK_DATA and WORK_STATUS (docs/contract.md "Reporting")`, async () => {
      const o = await submitLikeZuul(s.client, `build:${job}`);
      assert.equal(o.kind, "complete");
      assert.equal(o.complete?.["result"], result);
      const start = o.data[0]!;
      assert.deepEqual(Object.keys(start), ["name", "number", "manager", "worker", "url", "node_name", "node_labels"]);
      assert.equal(start["name"], job);
      assert.equal(typeof start["number"], "number");
      assert.equal(start["manager"], "jenkins01");
      assert.match(String(start["url"]), new RegExp(`/job/${job}/${String(start["number"])}/$`));
      assert.ok(["t1", "t2"].includes(String(start["node_name"])));
      assert.ok((start["node_labels"] as string[]).includes("trusty"));
      assert.ok((start["node_labels"] as string[]).includes(String(start["node_name"])), "self-label included");
      assert.equal(o.statuses.length >= 1, true, "one WORK_STATUS after WORK_DATA");
      assert.deepEqual({ ...o.complete, result: undefined }, { ...start, result: undefined }, "WORK_COMPLETE carries the same JSON plus result");
      // The build really got Zuul's parameters and was pinned through NODE.
      const b = s.masters[0]!.sim.builds(job).find((x) => x.number === start["number"])!;
      assert.equal(b.parameters["ZUUL_UUID"], o.uuid);
      assert.equal(b.parameters["NODE"], start["node_name"]);
      assert.equal(b.node, start["node_name"]);
    });
  }

  it("build:JOB:LABEL lands on a node with that label; a job in a folder is registered by its short name", async () => {
    const o = await submitLikeZuul(s.client, "build:any:precise");
    assert.equal(o.complete?.["result"], "SUCCESS");
    assert.ok(["p1", "p2"].includes(String(o.data[0]!["node_name"])));
    const n = await submitLikeZuul(s.client, "build:nested");
    assert.equal(n.complete?.["result"], "SUCCESS");
    assert.equal(n.data[0]!["name"], "nested");
  });

  it("stop:MASTER aborts a running build (WORK_COMPLETE), and the build reports ABORTED (docs/contract.md \"stop and set_description\")", async () => {
    let number = 0;
    const running = submitLikeZuul(s.client, "build:slow", zuulParams(), {
      onJob: (j) => j.on("data", (d) => (number = (JSON.parse(d.toString()) as { number: number }).number)),
    });
    await waitFor("slow build started", () => number > 0, 10_000);
    const stop = await s.client.submit("stop:jenkins01", JSON.stringify({ name: "slow", number }), { priority: "high" });
    assert.equal((await stop.result).kind, "complete");
    const o = await running;
    assert.equal(o.complete?.["result"], "ABORTED");
    // Stopping it again: it is not running any more -> WORK_FAIL.
    const again = await s.client.submit("stop:jenkins01", JSON.stringify({ name: "slow", number }));
    assert.equal((await again.result).kind, "fail");
    // A build that does not exist -> WORK_EXCEPTION then WORK_FAIL (Zuul sees a fail).
    const none = await s.client.submit("stop:jenkins01", JSON.stringify({ name: "slow", number: 9999 }));
    assert.equal((await none.result).kind, "fail");
  });

  // Zuul sends stop: only with a number it had from WORK_DATA (docs/contract.md "stop and
  // set_description"): a queued build of the same job belongs to another Zuul build.
  it("stop:MASTER for a build that does not exist fails and leaves a queued build of the job alone", async () => {
    const sim = s.masters[0]!.sim;
    const jenkins = new JenkinsClient({ baseUrl: sim.url });
    await jenkins.quietDown();
    let quiet = true;
    try {
      const pending = submitLikeZuul(s.client, "build:doomed");
      await waitFor("queued behind quiet-down", () => sim.queueItems().some((q) => q.job === "doomed"), 10_000);
      const stop = await s.client.submit("stop:jenkins01", JSON.stringify({ name: "doomed", number: 1 }));
      assert.equal((await stop.result).kind, "fail");
      assert.ok(sim.queueItems().some((q) => q.job === "doomed"), "the queued build is still there");
      await jenkins.cancelQuietDown();
      quiet = false;
      const o = await pending;
      assert.equal(o.kind, "complete");
      assert.equal(sim.builds("doomed").length, 1);
    } finally {
      if (quiet) await jenkins.cancelQuietDown();
    }
  });

  it("set_description:MASTER sets the build's description (docs/contract.md \"stop and set_description\")", async () => {
    const o = await submitLikeZuul(s.client, "build:ok");
    const number = o.complete!["number"] as number;
    const d = await s.client.submit("set_description:jenkins01", JSON.stringify({ name: "ok", number, html_description: "<b>gate</b>" }));
    const r = await d.result;
    assert.equal(r.kind, "complete");
    assert.match(r.kind === "complete" ? r.data.toString() : "", /Description for Jenkins build \d+ was updated to <b>gate<\/b>/);
    assert.equal(s.masters[0]!.sim.builds("ok").find((b) => b.number === number)!.description, "<b>gate</b>");
    const missing = await s.client.submit("set_description:jenkins01", JSON.stringify({ name: "ok", number: 424242, html_description: "x" }));
    assert.equal((await missing.result).kind, "fail");
  });

  it("OFFLINE_NODE_WHEN_COMPLETE takes the node offline before WORK_COMPLETE (docs/contract.md \"OFFLINE_NODE_WHEN_COMPLETE\")", async () => {
    const sim = s.masters[0]!.sim;
    const o = await submitLikeZuul(s.client, "build:single-use", zuulParams({ OFFLINE_NODE_WHEN_COMPLETE: "1" }));
    assert.equal(o.complete?.["result"], "SUCCESS");
    const node = String(o.data[0]!["node_name"]);
    // Checked as soon as WORK_COMPLETE arrived: the node is already offline.
    const c = (await (await fetch(new URL(`computer/${node}/api/json`, sim.url))).json()) as { temporarilyOffline: boolean; offlineCauseReason: string };
    assert.equal(c.temporarilyOffline, true);
    assert.equal(c.offlineCauseReason, "Offline due to Gearman request");
  });

  it("bad arguments give WORK_EXCEPTION then WORK_FAIL, and nothing runs", async () => {
    const before = s.masters[0]!.sim.builds("ok").length;
    for (const bad of ["not json", "[1,2]", '{"a":{"b":1}}']) {
      const j = await s.client.submit("build:ok", bad, { unique: `bad-${Math.random()}` });
      const r = await j.result;
      assert.equal(r.kind, "fail");
    }
    assert.equal(s.masters[0]!.sim.builds("ok").length, before);
  });

  it("a job removed in Jenkins disappears from gearmand's workers", async () => {
    const sim = s.masters[0]!.sim;
    sim.addJob(zuulJob("ephemeral", "trusty"));
    await waitRegistered(s.admin, ["build:ephemeral"]);
    sim.removeJob("ephemeral");
    await waitFor(
      "build:ephemeral without workers",
      async () => (await s.admin.status()).find((f) => f.name === "build:ephemeral")?.workers === 0,
      10_000,
    );
    const workers = await s.admin.workers();
    assert.ok(workers.every((w) => !w.functions.includes("build:ephemeral")));
  });
});

describe("bridge: capacity", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let s: Stack;
  before(async () => {
    gd = await startGearmand();
    s = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      masters: [
        {
          name: "cap",
          jobs: [zuulJob("unit", "linux", { durationMs: 50 })],
          nodes: Array.from({ length: 10 }, (_, i) => ({ name: `n${i}`, labels: ["linux"], executors: 2 })),
        },
      ],
    });
    await waitRegistered(s.admin, ["build:unit"]);
  });
  after(async () => {
    await s?.close();
    await gd?.stop();
  });

  it("200 concurrent submissions on 20 executors: never more builds in Jenkins than free executors, each run once", async () => {
    const sim = s.masters[0]!.sim;
    let maxInJenkins = 0;
    let waitingForExecutor = 0;
    const sampler = setInterval(() => {
      const q = sim.queueItems();
      maxInJenkins = Math.max(maxInJenkins, sim.runningBuilds().length + q.length);
      waitingForExecutor += q.filter((i) => i.why?.includes("Waiting for next available executor") ?? false).length;
    }, 5);
    try {
      const outcomes = await Promise.all(Array.from({ length: 200 }, () => submitLikeZuul(s.client, "build:unit")));
      assert.equal(outcomes.filter((o) => o.complete?.["result"] === "SUCCESS").length, 200);
    } finally {
      clearInterval(sampler);
    }
    assert.ok(maxInJenkins <= 20, `at most 20 builds queued or running in Jenkins, saw ${maxInJenkins}`);
    assert.equal(waitingForExecutor, 0, "no pinned build ever waited for an executor");
    const uuids = sim.builds("unit").map((b) => b.parameters["ZUUL_UUID"]);
    assert.equal(uuids.length, 200);
    assert.equal(new Set(uuids).size, 200, "no build started twice");
  });
});

describe("bridge: restarts and several masters", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let s: Stack;
  before(async () => {
    gd = await startGearmand();
    const nodes = (m: string): { name: string; labels: string[]; executors: number }[] => [
      { name: `${m}-1`, labels: ["linux"], executors: 2 },
      { name: `${m}-2`, labels: ["linux"], executors: 2 },
    ];
    s = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      masters: [
        { name: "jenkins-a", jobs: [zuulJob("shared", "linux", { durationMs: 30 }), zuulJob("long", "linux", { durationMs: 2500 })], nodes: nodes("a") },
        { name: "jenkins-b", jobs: [zuulJob("shared", "linux", { durationMs: 30 })], nodes: nodes("b") },
      ],
    });
    await waitRegistered(s.admin, ["build:shared", "build:long", "stop:jenkins-a", "stop:jenkins-b"]);
  });
  after(async () => {
    await s?.close();
    await gd?.stop();
  });

  it("a sidecar restarted mid-build adopts the running build instead of triggering it again", async () => {
    const a = s.masters[0]!;
    let started = false;
    const p = submitLikeZuul(s.client, "build:long", zuulParams(), { onJob: (j) => j.on("data", () => (started = true)) });
    await waitFor("long build started", () => started, 10_000);
    await a.restart(); // the old connections close: gearmand requeues the job (docs/contract.md "gearmand requeues a job whose connection drops")
    const o = await p;
    assert.equal(o.kind, "complete");
    assert.equal(o.complete?.["result"], "SUCCESS");
    assert.equal(a.sim.builds("long").length, 1, "exactly one Jenkins build for the Gearman job");
    assert.ok(o.data.length >= 2, "the adopting sidecar announced the same build again");
    assert.equal(o.data[0]!["number"], o.data.at(-1)!["number"]);
  });

  it("two masters behind one gearmand: every job runs exactly once", async () => {
    const outcomes = await Promise.all(Array.from({ length: 60 }, () => submitLikeZuul(s.client, "build:shared")));
    assert.equal(outcomes.filter((o) => o.complete?.["result"] === "SUCCESS").length, 60);
    const uuids = [...s.masters[0]!.sim.builds("shared"), ...s.masters[1]!.sim.builds("shared")].map((b) => b.parameters["ZUUL_UUID"]);
    const mine = new Set(outcomes.map((o) => o.uuid));
    const ran = uuids.filter((u) => u !== undefined && mine.has(u));
    assert.equal(ran.length, 60);
    assert.equal(new Set(ran).size, 60);
    const managers = new Set(outcomes.map((o) => o.complete?.["manager"]));
    assert.deepEqual([...managers].sort(), ["jenkins-a", "jenkins-b"], "both masters took work");
  });
});
