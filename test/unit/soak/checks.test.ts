// The soak's checkers (test/soak/checks.ts, checks-fails.ts) on synthetic records: each failure the soak claims to catch
// (a lost job, a double build, a missing onStarted/onFinalized, a crash, a result mismatch, an
// unjustified repeat) is caught, and the healthy look-alike of each is not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { checkCrashes, checkDoubleBuilds, checkLost, checkMismatches, checkMissingEvents, checkRepeats, precedingFaults } from "../../soak/checks.js";
import { checkDroppedFails, checkFailedButBuilt, crossMasterBuilds, retriedBuilds } from "../../soak/checks-fails.js";
import type { AttemptRecord, BuildRecord, EventRecord, FailLogRecord, FaultRecord, SidecarRunRecord, ZuulJobRecord } from "../../soak/types.js";

const T = 1_000_000;

function attempt(o: Partial<AttemptRecord> & { uuid: string }): AttemptRecord {
  return { zuulJob: 1, attempt: 1, fn: "build:j", server: "127.0.0.1:4730", submittedAt: T, started: null, endedAt: T + 1000, ending: "complete", result: "SUCCESS", complete: null, ...o };
}

function job(id: number, outcome: ZuulJobRecord["outcome"], attempts: AttemptRecord[]): ZuulJobRecord {
  return { id, job: "j", submittedAt: T, attempts, outcome, result: outcome === "result" ? "SUCCESS" : null };
}

function build(o: Partial<BuildRecord> & { number: number }): BuildRecord {
  return { master: "m-a", job: "j", uuid: `u${o.number}`, node: "n1", queueId: o.number, building: false, result: "SUCCESS", startedAt: T, endedAt: T + 2000, ...o };
}

function ev(o: Partial<EventRecord> & { topic: string; number: number }): EventRecord {
  return { master: "m-a", runId: "r1", seq: 1, job: "j", seenAt: T, via: "live", ...o };
}

function run(o: Partial<SidecarRunRecord> & { runId: string }): SidecarRunRecord {
  return { master: "m-a", pid: 1, startedAt: T - 10_000, exitedAt: null, exit: null, ending: null, ...o };
}

describe("soak checks", () => {
  it("a lost job: three launches without a result, or a launch that never ended; a result or EXCEPTION is not lost", () => {
    const fails = [1, 2, 3].map((n) => attempt({ uuid: `f${n}`, attempt: n, ending: "fail", result: null }));
    const c = checkLost([
      job(1, "result", [attempt({ uuid: "a" })]),
      job(2, "retry-limit", fails),
      job(3, "pending", [attempt({ uuid: "p", ending: null, endedAt: null, result: null })]),
      job(4, "exception", [attempt({ uuid: "x", ending: "submit-error", result: null })]),
      job(5, "result", [attempt({ uuid: "r1", ending: "disconnected", result: null }), attempt({ uuid: "r2", attempt: 2 })]),
    ]);
    assert.equal(c.failing, true);
    assert.deepEqual(c.items.map((i) => [i.zuulJob, i.reason]), [[2, "retry-limit"], [3, "pending"]]);
    assert.deepEqual(c.items[0]?.attempts.map((a) => a.uuid), ["f1", "f2", "f3"]);
    assert.equal(checkLost([job(1, "result", [attempt({ uuid: "a" })])]).failing, false);
  });

  it("a double build: one ZUUL_UUID twice on one master; the same on two masters, or foreign builds, are not", () => {
    const c = checkDoubleBuilds([
      build({ number: 1, uuid: "dup", startedAt: T }),
      build({ number: 2, uuid: "dup", startedAt: T + 5000 }),
      build({ number: 3, uuid: "ok" }),
      build({ number: 4, uuid: "both", master: "m-a" }),
      build({ number: 4, uuid: "both", master: "m-b" }),
      build({ number: 5, uuid: null }),
      build({ number: 6, uuid: null }),
    ]);
    assert.equal(c.count, 1);
    assert.equal(c.items[0]?.uuid, "dup");
    assert.equal(c.items[0]?.at, T + 5000);
    assert.deepEqual(crossMasterBuilds([build({ number: 4, uuid: "both", master: "m-a" }), build({ number: 4, uuid: "both", master: "m-b" })]), [{ uuid: "both", masters: ["m-a", "m-b"] }]);
  });

  it("a missing onFinalized or onStarted is caught, per master; a running build needs only its onStarted", () => {
    const builds = [build({ number: 1 }), build({ number: 2 }), build({ number: 3, building: true, endedAt: null }), build({ number: 4, uuid: null })];
    const events = [
      ev({ topic: "onStarted", number: 1 }),
      ev({ topic: "onFinalized", number: 1, seq: 2 }),
      ev({ topic: "onStarted", number: 2, seq: 3 }),
      ev({ topic: "onCompleted", number: 2, seq: 4 }),
      ev({ topic: "onStarted", number: 3, seq: 5 }),
      // #4's events came from the other master's sidecar: they do not count for m-a.
      ev({ topic: "onStarted", number: 4, master: "m-b" }),
      ev({ topic: "onFinalized", number: 4, master: "m-b", seq: 2 }),
    ];
    const c = checkMissingEvents(builds, events);
    assert.deepEqual(c.items.map((i) => `${i.number} ${i.topic}`), ["2 onFinalized", "4 onStarted", "4 onFinalized"]);
    assert.equal(c.items[0]?.at, T + 2000);
    assert.equal(checkMissingEvents([build({ number: 1 })], events).failing, false);
  });

  it("a crash is a run that ended without the soak killing it", () => {
    const c = checkCrashes([run({ runId: "a", ending: "sigkill" }), run({ runId: "b", ending: "crash", exitedAt: T }), run({ runId: "c", ending: "sigterm" }), run({ runId: "d", ending: "final" }), run({ runId: "e" })]);
    assert.deepEqual(c.items.map((r) => r.runId), ["b"]);
  });

  it("a result mismatch: another result, another ZUUL_UUID, no such build, still building; WORK_FAIL is not compared", () => {
    const done = (uuid: string, number: number, result: string): AttemptRecord =>
      attempt({ uuid, result, complete: { manager: "m-a", name: "j", number, result } });
    const builds = [build({ number: 1, uuid: "u1" }), build({ number: 2, uuid: "u2", result: "FAILURE" }), build({ number: 3, uuid: "other" }), build({ number: 5, uuid: "u5", building: true, result: null })];
    const c = checkMismatches(
      [
        done("u1", 1, "SUCCESS"),
        done("u2", 2, "SUCCESS"),
        done("u3", 3, "SUCCESS"),
        done("u4", 4, "SUCCESS"),
        done("u5", 5, "SUCCESS"),
        attempt({ uuid: "u6", ending: "fail", result: null }),
        attempt({ uuid: "u7", result: "SUCCESS", complete: { result: "SUCCESS" } }),
      ],
      builds,
    );
    assert.deepEqual(
      c.items.map((i) => [i.uuid, i.why]),
      [
        ["u2", "results differ"],
        ["u3", "the build belongs to another ZUUL_UUID"],
        ["u4", "no such build on that master"],
        ["u5", "reported complete while Jenkins still builds it"],
        ["u7", "WORK_COMPLETE has a result but does not name a build (manager, name, number)"],
      ],
    );
  });

  it("repeats: justified only right after a SIGKILL of the process that published first", () => {
    const runs = [
      run({ runId: "killed", ending: "sigkill", exitedAt: T + 1000 }),
      run({ runId: "termed", ending: "sigterm", exitedAt: T + 1000 }),
      run({ runId: "late", ending: "sigkill", exitedAt: T + 60_000 }),
      run({ runId: "next", ending: "final", exitedAt: T + 100_000 }),
    ];
    const pair = (number: number, first: string): EventRecord[] => [
      ev({ topic: "onFinalized", number, runId: first, seq: number, seenAt: T }),
      ev({ topic: "onFinalized", number, runId: "next", seq: number, seenAt: T + 5000 }),
    ];
    const events = [
      ...pair(1, "killed"),
      ...pair(2, "termed"),
      ...pair(3, "late"),
      // Twice from one process.
      ev({ topic: "onStarted", number: 4, runId: "next", seq: 10, seenAt: T }),
      ev({ topic: "onStarted", number: 4, runId: "next", seq: 11, seenAt: T + 10 }),
      // One publication received live and again by replay: not a repeat.
      ev({ topic: "onStarted", number: 5, runId: "next", seq: 12, seenAt: T, via: "live" }),
      ev({ topic: "onStarted", number: 5, runId: "next", seq: 12, seenAt: T + 900, via: "replay" }),
      // onCompleted repeats are not counted.
      ev({ topic: "onCompleted", number: 6, runId: "termed", seq: 13 }),
      ev({ topic: "onCompleted", number: 6, runId: "next", seq: 14 }),
    ];
    const c = checkRepeats(events, runs, 5000);
    const by = new Map(c.items.map((i) => [i.number, i]));
    assert.equal(c.count, 4);
    assert.equal(by.get(1)?.justified, true);
    assert.equal(by.get(2)?.justified, false);
    assert.match(by.get(2)?.why ?? "", /sigterm/);
    assert.equal(by.get(3)?.justified, false);
    assert.match(by.get(3)?.why ?? "", /before the kill/);
    assert.equal(by.get(4)?.justified, false);
    assert.equal(by.has(5), false);
    assert.equal(by.has(6), false);
    assert.deepEqual([c.justified, c.unjustified, c.failing], [1, 3, true]);
    assert.equal(checkRepeats(pair(1, "killed"), runs, 5000).failing, false);
  });

  it("work done twice: builds of a launch Zuul retried, and whether Zuul ever heard of them", () => {
    const attempts = [
      attempt({ uuid: "silent", ending: "fail", result: null }),
      attempt({ uuid: "told", ending: "disconnected", result: null, started: { manager: "m-a", name: "j", number: 2, at: T } }),
      attempt({ uuid: "fine" }),
    ];
    const r = retriedBuilds(attempts, [build({ number: 1, uuid: "silent" }), build({ number: 2, uuid: "told" }), build({ number: 3, uuid: "fine" })]);
    assert.deepEqual(r.map((x) => [x.uuid, x.reportedToZuul]), [["silent", false], ["told", true]]);
  });

  it("a WORK_FAIL for a build that ran (issue 15 §3), but not for a build lost with its agent, nor after a gearmand disconnect", () => {
    const drop: FaultRecord = { id: 1, kind: "agent-drop", target: "m-a/n2", master: "m-a", at: T + 1000, healedAt: T + 5000, detail: "", skipped: null };
    const attempts = [
      attempt({ uuid: "blind", ending: "fail", result: null, endedAt: T + 500 }),
      attempt({ uuid: "dropped", ending: "fail", result: null }),
      attempt({ uuid: "gone", ending: "disconnected", result: null }),
      attempt({ uuid: "excepted", ending: "exception", result: null }),
      attempt({ uuid: "fine" }),
    ];
    const builds = [
      build({ number: 1, uuid: "blind", startedAt: T + 3000, endedAt: T + 5000 }),
      build({ number: 2, uuid: "dropped", node: "n2", startedAt: T, endedAt: T + 1000, result: "FAILURE" }),
      build({ number: 3, uuid: "gone" }),
      build({ number: 4, uuid: "excepted", node: "n2", startedAt: T + 2000, endedAt: T + 4000 }),
      build({ number: 5, uuid: "fine" }),
    ];
    const c = checkFailedButBuilt(attempts, builds, [drop]);
    assert.deepEqual(c.items.map((i) => i.uuid), ["blind", "excepted"]);
    assert.equal(c.items[0]?.at, T + 500);
    assert.equal(checkFailedButBuilt(attempts.slice(1), builds, [drop]).items.length, 1);
    assert.equal(checkFailedButBuilt([attempts[1] as AttemptRecord], builds, [drop]).failing, false);
  });

  it("a WORK_FAIL that never reached Zuul (issue 15 §1): matched by master, job and queue id; not after a disconnect or just before a kill", () => {
    const fail = (queueId: number | null, o: Partial<FailLogRecord> = {}): FailLogRecord => ({ master: "m-a", pid: 1, time: T, job: "j", queueId, reason: 'node "n1" lost its connection', ...o });
    const attempts = [
      attempt({ uuid: "u1", ending: "complete", result: "SUCCESS", complete: { manager: "m-b", name: "j", number: 7, result: "SUCCESS" } }),
      attempt({ uuid: "u2", ending: "fail", result: null }),
      attempt({ uuid: "u3", ending: "disconnected", result: null }),
      attempt({ uuid: "u4", ending: null, endedAt: null, result: null }),
      attempt({ uuid: "u5", ending: "complete", result: "SUCCESS" }),
    ];
    const builds = [1, 2, 3, 4, 5].map((n) => build({ number: n, result: "FAILURE" }));
    const runs = [run({ runId: "a", pid: 1, ending: "final", exitedAt: T + 100_000 }), run({ runId: "b", pid: 2, ending: "sigkill", exitedAt: T + 500 })];
    const c = checkDroppedFails([fail(1), fail(2), fail(3), fail(4), fail(5, { pid: 2 }), fail(null), fail(9), fail(1, { master: "m-b" })], attempts, builds, runs);
    assert.deepEqual(c.items.map((i) => [i.uuid, i.zuulSaw]), [["u1", "complete SUCCESS from m-b j #7"], ["u4", "nothing (still waiting)"]]);
    assert.equal(checkDroppedFails([fail(2)], attempts, builds, runs).failing, false);
  });

  it("the faults before an event: within the window, on that master or on a gearmand, not skipped; those still on first", () => {
    const f = (id: number, at: number, master: string | null, o: Partial<FaultRecord> = {}): FaultRecord => ({
      id, kind: "sidecar-kill", target: master ?? "gearmand-1", master, at, healedAt: at + 1000, detail: "", skipped: null, ...o,
    });
    const faults = [f(1, T - 60_000, "m-a"), f(2, T - 10_000, "m-a"), f(3, T - 5000, "m-b"), f(4, T - 4000, null), f(5, T - 3000, "m-a", { skipped: "busy" }), f(6, T + 1000, "m-a"), f(7, T - 50_000, "m-a", { kind: "jenkins-stop", healedAt: T })];
    assert.deepEqual(precedingFaults(faults, T, "m-a").map((x) => x.id), [7, 4, 2]);
    assert.deepEqual(precedingFaults(faults, T, null, 30_000, 10).map((x) => x.id), [7, 4, 3, 2]);
  });
});
