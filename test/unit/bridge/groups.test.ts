import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { planGroups, pluginCanDoCount } from "../../../src/bridge/capacity/groups.js";

const m = (o: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(o));

describe("planGroups", () => {
  it("groups nodes by identical function set, ignoring nodes with none", () => {
    const { plan, nextId } = planGroups(
      m({ a1: ["build:x"], a2: ["build:x"], b1: ["build:x", "build:y"], off: [] }),
      [],
      1,
    );
    assert.equal(plan.groups.length, 2);
    assert.deepEqual(plan.groups.map((g) => g.nodes), [["a1", "a2"], ["b1"]]);
    assert.equal(nextId, 3);
  });

  it("keeps each group's worker when a job is added everywhere (a diff, not new connections)", () => {
    const first = planGroups(m({ a1: ["build:x"], b1: ["build:y"] }), [], 1);
    const second = planGroups(m({ a1: ["build:new", "build:x"], b1: ["build:new", "build:y"] }), first.plan.groups, first.nextId);
    assert.deepEqual(
      second.plan.groups.map((g) => [g.workerId, g.nodes]),
      first.plan.groups.map((g) => [g.workerId, g.nodes]),
    );
    assert.deepEqual(second.plan.retired, []);
    assert.equal(second.nextId, first.nextId);
  });

  it("retires a worker whose nodes all went away, and gives a split group a new worker", () => {
    const first = planGroups(m({ a1: ["f"], a2: ["f"], b1: ["g"] }), [], 1);
    const second = planGroups(m({ a1: ["f"], a2: ["f", "h"] }), first.plan.groups, first.nextId);
    const a1 = second.plan.groups.find((g) => g.nodes.includes("a1"))!;
    const a2 = second.plan.groups.find((g) => g.nodes.includes("a2"))!;
    assert.equal(a1.workerId, first.plan.groups.find((g) => g.nodes.includes("a1"))!.workerId);
    assert.equal(a2.workerId, 3);
    assert.deepEqual(second.plan.retired, [first.plan.groups.find((g) => g.nodes.includes("b1"))!.workerId]);
  });

  it("never gives one worker to two groups", () => {
    const first = planGroups(m({ a: ["f"], b: ["f"] }), [], 1);
    const second = planGroups(m({ a: ["f"], b: ["g"] }), first.plan.groups, first.nextId);
    const ids = second.plan.groups.map((g) => g.workerId);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe("pluginCanDoCount", () => {
  it("counts executors times functions, as one connection per executor would register", () => {
    assert.equal(pluginCanDoCount([{ executors: 2, functions: 10 }, { executors: 1, functions: 5 }]), 25);
  });
});
