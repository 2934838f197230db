/**
 * Following, reporting, adoption and drain (docs/architecture.md "The life of a Gearman job",
 * "No build twice", "Drain"), through fake ports with a clock the test moves.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { EXPECT_BACK_MS } from "../../../src/bridge/capacity/expected.js";
import { FAILURE } from "../../../src/bridge/index.js";
import { StateStore } from "../../../src/bridge/runs/state-file.js";
import { J, jobInfo, nodeInfo, qitem, reported, settle, until } from "./fakes.js";
import { args, codes, harness, startedOk } from "./harness.js";

void describe("following and reporting", () => {
  void it("start: WORK_DATA with the plugin's fields, then WORK_STATUS; end: WORK_COMPLETE with the same JSON plus the result (docs/contract.md)", async () => {
    const h = await harness();
    try {
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("queued", () => h.poller.followed.length === 1);
      h.clock.now = 1_000_050;
      h.poller.started(reported("ok", 7, "n1", { queueId: 100, timestamp: 1_000_000, estimatedDuration: 4000 }));
      h.poller.finished(reported("ok", 7, "n1", { queueId: 100, building: false, result: "UNSTABLE" }));
      await until("reported", () => job.ending !== undefined);
      const [data] = job.json("DATA");
      assert.deepEqual(data, { name: "ok", number: 7, manager: "jenkins01", worker: h.group().clientId, url: "http://j/job/ok/7/", node_name: "n1", node_labels: ["n1", "linux"] });
      assert.equal(job.sent[1], "STATUS 50/4000");
      assert.deepEqual(job.json("COMPLETE")[0], { ...data, result: "UNSTABLE" });
    } finally {
      await h.close();
    }
  });

  void it("OFFLINE_NODE_WHEN_COMPLETE takes the node offline before WORK_COMPLETE goes out", async () => {
    const h = await harness();
    try {
      const job = h.group().assign("build:ok", "u1", args("u1", { OFFLINE_NODE_WHEN_COMPLETE: "1" }));
      await until("queued", () => h.poller.followed.length === 1);
      h.poller.started(reported("ok", 1, "n1", { queueId: 100 }));
      h.poller.finished(reported("ok", 1, "n1", { queueId: 100, building: false, result: "SUCCESS" }));
      await until("reported", () => job.ending !== undefined);
      assert.ok(h.jenkins.calls.includes('offline "n1" Offline due to Gearman request'));
      // Offline in the picture at once, not at the next node listing: nothing else is placed there.
      assert.deepEqual(h.poller.markedOffline, ["n1"]);
      assert.equal(h.bridge.capacity.freeOf(["n1"]), 0);
    } finally {
      await h.close();
    }
  });

  void it("a running build that is gone from Jenkins (its URL answers 404): WORK_FAIL build_deleted", async () => {
    const h = await harness();
    try {
      const out = codes(h);
      const job = await startedOk(h);
      await until("running", () => job.sent.some((x) => x.startsWith("DATA ")));
      h.poller.emit("buildGone", reported("ok", 1, "n1", { queueId: 100 }));
      await until("failed", () => job.ending !== undefined);
      assert.equal(job.ending, "FAIL");
      assert.deepEqual(out, [FAILURE.buildDeleted]);
    } finally {
      await h.close();
    }
  });

  // A start timeout whose cancel answers 404 (the item left the queue that moment,
  // docs/jenkins-rest.md "Queue"): the build is starting, and failing the job would make Zuul
  // run it a second time.
  void it("a start timeout whose cancel finds the item gone follows the build instead of failing", async () => {
    const h = await harness({ options: { buildStartTimeoutMs: 60_000 } });
    try {
      const out = codes(h);
      const job = h.group().assign("build:ok", "a", args("a"));
      await until("queued", () => h.poller.followed.length === 1);
      h.jenkins.cancelAnswer = false;
      h.clock.now += 60_001;
      await h.bridge.onCycle();
      await h.bridge.onCycle();
      assert.equal(job.ending, undefined, "not failed: its build is starting");
      assert.equal(h.jenkins.calls.filter((x) => x.startsWith("cancel")).length, 1, "not cancelled again every cycle");
      h.poller.started(reported("ok", 1, "n1", { queueId: 100 }));
      h.poller.finished(reported("ok", 1, "n1", { queueId: 100, building: false, result: "SUCCESS" }));
      await until("reported", () => job.ending !== undefined);
      assert.match(job.ending ?? "", /^COMPLETE .*"result":"SUCCESS"/);
      assert.deepEqual(out, ["result SUCCESS"]);
    } finally {
      await h.close();
    }
  });

  void it("node lost mid-build, queue item cancelled in Jenkins, start timeout: each a WORK_FAIL with its code", async () => {
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 3)], options: { buildStartTimeoutMs: 60_000 } });
    try {
      const out = codes(h);
      const w = h.group();
      const a = w.assign("build:ok", "a", args("a"));
      const b = w.assign("build:ok", "b", args("b"));
      const c = w.assign("build:ok", "c", args("c"));
      await until("three queued", () => h.poller.followed.length === 3);
      h.poller.emit("queueItem", qitem(101, "ok", { state: "left", cancelled: true }));
      await until("one failed", () => [a, b, c].some((j) => j.ending !== undefined));
      h.clock.now += 60_001;
      await h.bridge.onCycle();
      await until("the others timed out", () => [a, b, c].every((j) => j.ending !== undefined));
      assert.deepEqual(out.sort(), [FAILURE.queueCancelled, FAILURE.startTimeout, FAILURE.startTimeout].sort());
      assert.deepEqual(h.jenkins.calls.filter((x) => x.startsWith("cancel")).sort(), ["cancel 100", "cancel 102"]);

      const d = w.assign("build:ok", "d", args("d"));
      await until("d queued", () => h.poller.followed.length === 4);
      h.poller.started(reported("ok", 1, "n1", { queueId: 103 }));
      h.poller.setNodes([nodeInfo("n1", ["linux"], 3, { offline: true })]);
      await until("d failed", () => d.ending !== undefined);
      assert.equal(out.at(-1), FAILURE.nodeLost);
    } finally {
      await h.close();
    }
  });

  void it("a foreign build took the executor a pinned build waits for: after a while the build moves to a free node of its group", async () => {
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 1), nodeInfo("n2", ["linux"], 1)] });
    try {
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("queued", () => h.poller.followed.length === 1);
      const placed = h.jenkins.calls[0]?.includes("NODE=n1") === true ? "n1" : "n2";
      const other = placed === "n1" ? "n2" : "n1";
      const busy = { ...nodeInfo(placed, ["linux"], 1), executors: [{ number: 0, idle: false, build: { number: 3, url: "http://j/job/foreign/3/" } }], freeExecutors: 0 };
      h.poller.setNodes([busy, nodeInfo(other, ["linux"], 1)]);
      await h.bridge.onCycle();
      assert.equal(h.jenkins.calls.length, 1, "not at once: the foreign build may end soon");
      h.clock.now += 5001;
      await h.bridge.onCycle();
      await until("moved", () => h.jenkins.calls.length === 3);
      assert.deepEqual(h.jenkins.calls.slice(1), ["cancel 100", `trigger ok NODE=${other} u1`]);
      assert.equal(job.ending, undefined);
    } finally {
      await h.close();
    }
  });
});

void describe("adoption", () => {
  void it("the same unique id again on a new connection: the build is followed, not triggered again; WORK_DATA is sent again", async () => {
    const h = await harness();
    try {
      const w = h.group();
      const first = await startedOk(h);
      first.loseConnection();
      const again = w.assign("build:ok", "u1", args("u1"));
      await until("announced", () => again.json("DATA").length === 1);
      assert.equal(again.json("DATA")[0]?.["number"], 1);
      h.poller.finished(reported("ok", 1, "n1", { queueId: 100, building: false, result: "SUCCESS" }));
      await until("reported", () => again.ending !== undefined);
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("trigger")).length, 1);
    } finally {
      await h.close();
    }
  });

  void it("after a restart: a record with a queue id is followed; one written just before its trigger is looked up, never blindly triggered", async () => {
    const seedDir = await harness();
    const stateFile = seedDir.stateFile;
    await seedDir.bridge.close();
    const seed = new StateStore(stateFile);
    await seed.put({ unique: "q", uuid: "q", fn: "build:ok", job: "ok", node: "n1", grabbedAt: 1, phase: "queued", queueId: 55, buildUrl: null, number: null });
    await seed.put({ unique: "t", uuid: "t", fn: "build:ok", job: "ok", node: "n1", grabbedAt: 1, phase: "triggering", queueId: null, buildUrl: null, number: null });
    const h = await harness({ stateFile });
    try {
      const w = h.group();
      w.assign("build:ok", "q", args("q"));
      w.assign("build:ok", "t", args("t"));
      await until("followed and uncertain", () => h.poller.followed.length === 1 && h.bridge.status().inFlight.some((r) => r.unique === "t" && r.state === "uncertain"));
      assert.deepEqual(h.poller.followed, ["55 ok n1"]);
      h.jenkins.queueList = [qitem(77, "ok", { params: { ZUUL_UUID: "t" } })];
      await h.bridge.onCycle();
      assert.deepEqual(h.poller.followed, ["55 ok n1", "77 ok n1"]);
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("trigger")).length, 0);
    } finally {
      await h.close();
    }
  });
});

void describe("drain", () => {
  void it("a drain survives a restart of the sidecar: the next process starts paused, and resume takes it back", async () => {
    const first = await harness();
    const stateFile = first.stateFile;
    await first.bridge.startDrain({ quietDown: false });
    await first.bridge.close();
    const h = await harness({ stateFile, jobs: [jobInfo("ok", "linux")] });
    try {
      await h.bridge.onCycle();
      assert.equal(h.bridge.drainStatus().phase, "drained");
      assert.equal(h.group().budget, 0);
      await h.bridge.resume();
      assert.equal(h.group().budget, 2);
      const again = await harness({ stateFile });
      assert.equal(again.bridge.drainStatus().phase, "running");
      await again.bridge.close();
    } finally {
      await h.close();
    }
  });

  void it("the drain of a shutdown is not inherited by the next start", async () => {
    const first = await harness();
    const stateFile = first.stateFile;
    await first.bridge.startDrain({ quietDown: false, persist: false });
    await first.bridge.close();
    const h = await harness({ stateFile });
    try {
      assert.equal(h.bridge.drainStatus().phase, "running");
    } finally {
      await h.close();
    }
  });
});

void describe("jobs deleted in Jenkins", () => {
  void it("a job deleted while its build runs: WORK_FAIL job_missing (its builds went with it)", async () => {
    const h = await harness();
    try {
      const out = codes(h);
      const job = await startedOk(h);
      h.poller.jobs.delete("ok");
      h.poller.emit("jobs", { added: [], changed: [], removed: ["ok"] });
      await until("failed", () => job.ending !== undefined);
      assert.deepEqual(out, [FAILURE.jobMissing]);
    } finally {
      await h.close();
    }
  });
});

void describe("draining while builds are expected back", () => {
  const restoredDraining = async (records: { unique: string; queueId: number | null; buildUrl?: string | null }[]): Promise<string> => {
    const first = await harness();
    const stateFile = first.stateFile;
    await first.bridge.startDrain({ quietDown: false });
    await first.bridge.close();
    const st = new StateStore(stateFile);
    await st.load();
    for (const r of records) {
      await st.put({ unique: r.unique, uuid: r.unique, fn: "build:ok", job: "ok", node: "n1", grabbedAt: 1, phase: r.buildUrl != null ? "running" : "queued", queueId: r.queueId, buildUrl: r.buildUrl ?? null, number: null });
    }
    return stateFile;
  };

  void it("a restored record keeps one grab while draining: our job is taken back, not triggered again", async () => {
    const h = await harness({ stateFile: await restoredDraining([{ unique: "mine", queueId: 55 }]) });
    try {
      const w = h.group();
      assert.equal(w.budget, 1, "paused, yet one grab for the job gearmand will hand back");
      w.assign("build:ok", "mine", args("mine"));
      await until("followed", () => h.poller.followed.length === 1);
      assert.deepEqual(h.poller.followed, ["55 ok n1"]);
      assert.equal(w.budget, 0, "taken back: nothing more to grab while draining");
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("trigger")).length, 0);
    } finally {
      await h.close();
    }
  });

  // The soak's lost jobs (RELIABILITY.md "Seeded fault soak"): a draining master refused every
  // new job on that grab, and Zuul's three launches were spent on it in milliseconds.
  void it("a new job grabbed on that grab is held, not refused, and runs after resume", async () => {
    const h = await harness({ stateFile: await restoredDraining([{ unique: "mine", queueId: 55 }]) });
    try {
      const out = codes(h);
      const w = h.group();
      const fresh = w.assign("build:ok", "someone-else", args("someone-else"));
      await settle();
      assert.equal(fresh.ending, undefined, "no WORK_FAIL: none of Zuul's launches is spent");
      assert.equal(w.budget, 0, "the grab is spent: nothing more is grabbed while draining");
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("trigger")).length, 0, "nothing runs while draining");
      assert.deepEqual(
        h.bridge.status().heldWhilePaused.map((j) => [j.function, j.unique]),
        [["build:ok", "someone-else"]],
        "/status shows the held job",
      );
      await h.bridge.resume();
      await until("triggered after resume", () => h.jenkins.calls.some((c) => c.startsWith("trigger")));
      assert.deepEqual(out, []);
      assert.deepEqual(h.bridge.status().heldWhilePaused, [], "started: no longer held");
    } finally {
      await h.close();
    }
  });

  void it("a job held for longer than the outage bound is handed back, once", async () => {
    const h = await harness({ stateFile: await restoredDraining([{ unique: "mine", queueId: 55 }]), options: { outageHoldMs: 60_000 } });
    try {
      const out = codes(h);
      const fresh = h.group().assign("build:ok", "someone-else", args("someone-else"));
      await settle();
      h.clock.now += 59_000;
      await h.bridge.onCycle();
      assert.equal(fresh.ending, undefined);
      h.clock.now += 2_000;
      await h.bridge.onCycle();
      await h.bridge.onCycle();
      assert.equal(fresh.ending, "FAIL");
      assert.deepEqual(out, [FAILURE.handedBack]);
    } finally {
      await h.close();
    }
  });

  void it("a job that does not come back within two minutes no longer keeps a grab", async () => {
    const h = await harness({ stateFile: await restoredDraining([{ unique: "mine", queueId: 55 }]) });
    try {
      const w = h.group();
      assert.equal(w.budget, 1);
      h.clock.now += EXPECT_BACK_MS - 1;
      await h.bridge.onCycle();
      assert.equal(w.budget, 1, "still within the window");
      h.clock.now += 2;
      await h.bridge.onCycle();
      assert.equal(w.budget, 0, "gearmand lost it: the draining master grabs nothing");
    } finally {
      await h.close();
    }
  });

  void it("counts a restored build in flight while the master runs it, and not once it has ended", async () => {
    const url = `${J}job/ok/7/`;
    const h = await harness({ stateFile: await restoredDraining([{ unique: "mine", queueId: 55, buildUrl: url }]) });
    try {
      const busy = nodeInfo("n1", ["linux"], 2);
      busy.executors[0] = { number: 0, idle: false, build: { number: 7, url } };
      h.poller.nodes.set("n1", busy);
      await h.bridge.onCycle();
      assert.equal(h.bridge.drainStatus().inFlight, 1);
      assert.equal(h.bridge.drainStatus().phase, "draining", "its build still runs on the master");
      h.poller.nodes.set("n1", nodeInfo("n1", ["linux"], 2));
      await h.bridge.onCycle();
      assert.equal(h.bridge.drainStatus().inFlight, 0, "ended: its result waits in the record, the master is idle");
      assert.equal(h.bridge.drainStatus().phase, "drained");
    } finally {
      await h.close();
    }
  });
});
