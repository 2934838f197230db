/**
 * Intake and the trigger (docs/architecture.md "The life of a Gearman job", "A trigger whose
 * outcome is unknown"): through fake ports with a clock the test moves.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import { FAILURE } from "../../../src/bridge/index.js";
import { JenkinsConnectionError, JenkinsHttpError, JenkinsTimeoutError } from "../../../src/jenkins/index.js";
import { jobInfo, nodeInfo, qitem, reported, settle, until } from "./fakes.js";
import { args, codes, harness } from "./harness.js";

const timeout = (): JenkinsTimeoutError => new JenkinsTimeoutError({ method: "POST", url: "http://j/job/ok/buildWithParameters", timeoutMs: 10_000, retries: 0 });
const refused = (): JenkinsConnectionError => new JenkinsConnectionError({ method: "POST", url: "http://j/job/ok/buildWithParameters", baseUrl: "http://j/", code: "ECONNREFUSED", retries: 3 });

void describe("intake", () => {
  void it("the record is on disk before the trigger leaves, pinned through the job's node parameter", async () => {
    const h = await harness();
    try {
      let release = (): void => undefined;
      h.jenkins.triggerGate = new Promise<void>((r) => (release = r));
      h.group().assign("build:ok", "u1", args("u1"));
      await until("trigger sent", () => h.jenkins.calls.length > 0);
      const state = JSON.parse(readFileSync(h.stateFile, "utf8")) as { builds: { unique: string; phase: string; node: string }[] };
      assert.deepEqual(state.builds.map((b) => [b.unique, b.phase, b.node]), [["u1", "triggering", "n1"]], "a crash now finds the record and looks the build up");
      assert.deepEqual(h.jenkins.calls, ["trigger ok NODE=n1 u1"]);
      release();
      await until("queued", () => h.poller.followed.length > 0);
      assert.deepEqual(h.poller.followed, ["100 ok n1"]);
    } finally {
      await h.close();
    }
  });

  void it("bad arguments: WORK_EXCEPTION then WORK_FAIL; an unknown job: WORK_FAIL; nothing triggered", async () => {
    const h = await harness();
    try {
      const out = codes(h);
      const bad = h.group().assign("build:ok", "u1", "[1,2]");
      const missing = h.group().assign("build:ok:linux", "u2", args("u2"));
      h.poller.jobs.delete("ok");
      await until("both ended", () => bad.ending !== undefined && missing.ending !== undefined);
      assert.ok(bad.sent[0]?.startsWith("EXCEPTION arguments must be a JSON object"), bad.sent.join("; "));
      assert.equal(bad.ending, "FAIL");
      assert.equal(missing.ending, "FAIL");
      assert.deepEqual(out.sort(), [FAILURE.badArguments, FAILURE.jobMissing].sort());
      assert.deepEqual(h.jenkins.calls, []);
    } finally {
      await h.close();
    }
  });

  void it("a job deleted while its build waited for a node fails with that reason, not an unexpected error", async () => {
    const h = await harness({ nodes: [nodeInfo("n1", ["linux"], 1)] });
    try {
      const out = codes(h);
      h.group().assign("build:ok", "u1", args("u1"));
      await until("first triggered", () => h.jenkins.calls.length === 1);
      const second = h.group().assign("build:ok", "u2", args("u2"));
      await settle();
      h.poller.jobs.delete("ok");
      h.poller.setNodes([nodeInfo("n1", ["linux"], 1), nodeInfo("n2", ["linux"], 1)]);
      await until("second ended", () => second.ending !== undefined);
      assert.deepEqual(out, [FAILURE.jobMissing]);
    } finally {
      await h.close();
    }
  });

  void it("Jenkins refuses the trigger (409, disabled job): WORK_FAIL trigger_refused", async () => {
    const h = await harness();
    try {
      const out = codes(h);
      h.jenkins.triggerError = new JenkinsHttpError("POST x: 409 Conflict", { status: 409, method: "POST", url: "x" });
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("ended", () => job.ending !== undefined);
      assert.deepEqual(out, [FAILURE.triggerRefused]);
    } finally {
      await h.close();
    }
  });
});

void describe("a trigger whose outcome is unknown (docs/architecture.md \"A trigger whose outcome is unknown\")", () => {
  void it("a trigger that timed out is looked up by ZUUL_UUID once Jenkins answers; found queued: followed, never failed nor sent twice", async () => {
    const h = await harness();
    try {
      const out = codes(h);
      h.jenkins.triggerError = timeout();
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("uncertain", () => h.bridge.status().inFlight[0]?.state === "uncertain");
      h.jenkins.queueList = [qitem(42, "ok", { params: { ZUUL_UUID: "u1" } })];
      await h.bridge.onCycle();
      assert.deepEqual(h.poller.followed, ["42 ok n1"]);
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("trigger")).length, 1);
      h.poller.started(reported("ok", 1, "n1", { queueId: 42, parameters: { ZUUL_UUID: "u1" } }));
      h.poller.finished(reported("ok", 1, "n1", { queueId: 42, building: false, result: "SUCCESS" }));
      await until("reported", () => job.ending !== undefined);
      assert.ok(job.ending?.startsWith("COMPLETE"));
      assert.deepEqual(out, ["result SUCCESS"]);
    } finally {
      await h.close();
    }
  });

  void it("two look-ups that find nothing, uncertainSettleMs apart, let it trigger again (Jenkins folds an identical queued trigger anyway)", async () => {
    const h = await harness({ options: { uncertainSettleMs: 2000 } });
    try {
      h.jenkins.triggerError = timeout();
      h.group().assign("build:ok", "u1", args("u1"));
      await until("uncertain", () => h.bridge.status().inFlight[0]?.state === "uncertain");
      await h.bridge.onCycle();
      await h.bridge.onCycle();
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("find")).length, 1, "the second look-up waits for the settle time");
      h.clock.now += 2001;
      await h.bridge.onCycle();
      await until("sent again", () => h.jenkins.calls.filter((c) => c.startsWith("trigger")).length === 2);
      assert.deepEqual(h.jenkins.calls.filter((c) => /^(find|trigger)/.test(c)), ["trigger ok NODE=n1 u1", "find ok ZUUL_UUID=u1", "find ok ZUUL_UUID=u1", "trigger ok NODE=n1 u1"]);
    } finally {
      await h.close();
    }
  });

  void it("no look-up while Jenkins does not answer; held past the outage bound: WORK_FAIL jenkins_outage, and the ZUUL_UUID tombstoned", async () => {
    const h = await harness({ options: { outageHoldMs: 60_000 } });
    try {
      const out = codes(h);
      h.jenkins.triggerError = timeout();
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("uncertain", () => h.bridge.status().inFlight[0]?.state === "uncertain");
      h.poller.emit("health", { healthy: false, error: new Error("hung"), overdue: true });
      await h.bridge.onCycle();
      assert.equal(h.jenkins.calls.filter((c) => c.startsWith("find")).length, 0);
      h.clock.now += 60_001;
      await h.bridge.onCycle();
      await until("failed", () => job.ending !== undefined);
      assert.deepEqual(out, [FAILURE.jenkinsOutage]);
      // Jenkins comes back and runs the POST it had: the build is cancelled in the queue.
      h.poller.emit("health", { healthy: true });
      h.poller.queue.set(9, qitem(9, "ok", { params: { ZUUL_UUID: "u1" } }));
      await h.bridge.onCycle();
      assert.ok(h.jenkins.calls.includes("cancel 9"), h.jenkins.calls.join("; "));
    } finally {
      await h.close();
    }
  });

  void it("a trigger Jenkins never got (connection refused) is held, and sent when Jenkins answers", async () => {
    const h = await harness();
    try {
      h.jenkins.triggerError = refused();
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("held", () => h.bridge.status().inFlight[0]?.state === "held");
      h.poller.emit("health", { healthy: false, error: new Error("down") });
      await h.bridge.onCycle();
      assert.equal(h.jenkins.calls.length, 1);
      h.poller.emit("health", { healthy: true });
      await h.bridge.onCycle();
      await until("queued", () => h.poller.followed.length === 1);
      assert.equal(job.ending, undefined, "never failed");
      assert.deepEqual(h.jenkins.calls, ["trigger ok NODE=n1 u1", "trigger ok NODE=n1 u1"]);
    } finally {
      await h.close();
    }
  });

  void it("a second build of one job (a late trigger taking effect) is stopped; the first one reports", async () => {
    const h = await harness({ jobs: [jobInfo("ok", "linux")] });
    try {
      const job = h.group().assign("build:ok", "u1", args("u1"));
      await until("queued", () => h.poller.followed.length === 1);
      h.poller.started(reported("ok", 1, "n1", { queueId: 100, parameters: { ZUUL_UUID: "u1" } }));
      h.poller.started(reported("ok", 2, "n1", { queueId: 101, parameters: { ZUUL_UUID: "u1" } }));
      assert.ok(h.jenkins.calls.includes("stop ok#2"), h.jenkins.calls.join("; "));
      assert.equal(job.json("DATA").length, 1);
    } finally {
      await h.close();
    }
  });
});
