/**
 * The capacity owner (docs/architecture.md "Capacity"): grab budgets pushed on every change, a
 * retired group's worker closed only after its last packet, pauses. Through fake ports.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { FAILURE } from "../../../src/bridge/index.js";
import { jobInfo, nodeInfo, reported, settle, until } from "./fakes.js";
import { args, harness } from "./harness.js";

void describe("capacity", () => {
  void it("a group's grab budget is its free executors minus the jobs it holds; a job placed on a node keeps it", async () => {
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 2), nodeInfo("n2", ["linux"], 1)] });
    try {
      const w = h.group();
      assert.equal(w.budget, 3, "3 free executors, nothing held");
      const job = w.assign("build:ok", "u1", args("u1"));
      assert.equal(w.budget, 2, "the job is held the moment it is assigned, before anything async runs");
      await until("triggered", () => h.jenkins.calls.length > 0);
      assert.equal(w.budget, 2, "placed: the hold became a reservation");
      assert.deepEqual(h.jenkins.calls, ["trigger ok NODE=n1 u1"], "pinned to the node with the most free executors");
      job.loseConnection();
      await settle();
      assert.equal(w.budget, 3, "a job lost with its connection keeps its node (its build runs there) and is expected back: one grab more, for it");
      w.assign("build:ok", "u1", args("u1"));
      await settle();
      assert.equal(w.budget, 2, "taken back: the build's reservation serves it");
    } finally {
      await h.close();
    }
  });

  void it("a group retired by a relabel keeps its worker until its running job reports; then it closes, after the packet", async () => {
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 1)] });
    try {
      const w = h.group();
      const job = w.assign("build:ok", "u1", args("u1"));
      await until("queued", () => h.bridge.status().inFlight[0]?.state === "queued");
      h.poller.started(reported("ok", 1, "n1", { queueId: 100 }));
      // Relabelled: the node's function set changes, its old group retires while the build runs.
      h.poller.setNodes([nodeInfo("n1", ["other"], 1)]);
      await settle();
      assert.equal(w.closed, false, "not closed while it holds a job");
      assert.deepEqual([...w.functions], [], "but it registers nothing any more");
      h.poller.finished(reported("ok", 1, "n1", { queueId: 100, building: false, result: "SUCCESS" }));
      await until("closed", () => w.closed);
      assert.equal(job.ending?.startsWith("COMPLETE"), true);
      assert.ok(w.sentAtClose?.some((p) => p.startsWith("COMPLETE")), "WORK_COMPLETE was written before the close");
    } finally {
      await h.close();
    }
  });

  void it("the last node of a group deleted mid-build: WORK_FAIL first, then the retired worker closes (docs/architecture.md \"Capacity\")", async () => {
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 1)] });
    try {
      const w = h.group();
      const job = w.assign("build:ok", "u1", args("u1"));
      await until("queued", () => h.bridge.status().inFlight[0]?.state === "queued");
      h.poller.started(reported("ok", 1, "n1", { queueId: 100 }));
      h.poller.setNodes([]);
      await until("closed", () => w.closed);
      assert.equal(job.ending, "FAIL");
      assert.deepEqual(w.sentAtClose?.at(-1), "FAIL", "the close came after the result");
    } finally {
      await h.close();
    }
  });

  void it("draining and an unanswering Jenkins pause every group (budget 0); resuming restores the budget", async () => {
    const h = await harness();
    try {
      const w = h.group();
      assert.equal(w.budget, 2);
      await h.bridge.startDrain({ quietDown: false });
      assert.equal(w.budget, 0);
      h.poller.emit("health", { healthy: false, error: new Error("hung"), overdue: true });
      await h.bridge.resume();
      assert.equal(w.budget, 0, "still paused for Jenkins");
      h.poller.emit("health", { healthy: true });
      assert.equal(w.budget, 2);
    } finally {
      await h.close();
    }
  });

  void it("no free node within the placement wait: WORK_FAIL no_free_node, the job never triggered", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 1)] });
    try {
      const w = h.group();
      const outcomes: string[] = [];
      h.bridge.on("outcome", (o) => outcomes.push(String(o.code)));
      w.assign("build:ok", "u1", args("u1"));
      await until("triggered", () => h.jenkins.calls.length > 0);
      // The poll picture is a moment behind: the executor looks free but a second job has no node.
      const second = w.assign("build:ok", "u2", args("u2"));
      await settle();
      assert.equal(second.ending, undefined, "it waits, holding its slot");
      t.mock.timers.tick(10_000);
      await settle();
      assert.equal(second.ending, "FAIL");
      assert.deepEqual(outcomes, [FAILURE.noFreeNode]);
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("trigger")).length, 1);
    } finally {
      await h.close();
    }
  });

  void it("a waiting job takes a node as soon as the picture shows one free", async () => {
    const h = await harness({ jobs: [jobInfo("ok", "linux")], nodes: [nodeInfo("n1", ["linux"], 1)] });
    try {
      const w = h.group();
      w.assign("build:ok", "u1", args("u1"));
      await until("triggered", () => h.jenkins.calls.length > 0);
      const second = w.assign("build:ok", "u2", args("u2"));
      await settle();
      h.poller.setNodes([nodeInfo("n1", ["linux"], 1), nodeInfo("n2", ["linux"], 1)]);
      await until("second triggered", () => h.jenkins.calls.includes("trigger ok NODE=n2 u2"));
      assert.equal(second.ending, undefined);
    } finally {
      await h.close();
    }
  });
});
