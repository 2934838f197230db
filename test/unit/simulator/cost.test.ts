// The cost model's counting (docs/master-cost.md): values visited as stapler's Model/Property write them
// (export/Property.java writeTo/writeValue, export/JSONDataWriter.java type/startObject), endpoint classes,
// and which builds are in memory (jenkins/model/lazy/AbstractLazyLoadRunMap.java, BuildReference.java).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SimCore, timerCause } from "../../../src/simulator/core.js";
import { BuildMemory } from "../../../src/simulator/cost-memory.js";
import { endpointOf, queryKey } from "../../../src/simulator/cost.js";
import type { Build } from "../../../src/simulator/model.js";
import { type BeanType, type RenderMeter, bean, lazy, prunerFor, renderJson, withMeter } from "../../../src/simulator/render.js";

interface Node {
  name: string;
  kids: Node[];
}
const nodeType: BeanType<Node, null> = {
  cls: () => "x.Node",
  props: [
    { name: "name", vis: 2, get: (n) => n.name },
    { name: "hidden", vis: -2, get: () => "secret" },
    { name: "kids", get: (n) => lazy(n.kids.length, (i) => bean(nodeType, n.kids[i] as Node)) },
    { name: "inl", inline: true, get: (n) => n.kids.map((k) => bean(plainType, k)) },
    { name: "nothing", get: () => null },
  ],
};
const plainType: BeanType<Node, null> = { cls: () => null, props: [{ name: "name", get: (n) => n.name }] };
const tree: Node = { name: "root", kids: [{ name: "a", kids: [{ name: "a1", kids: [] }] }, { name: "b", kids: [] }, { name: "c", kids: [] }] };

function meter(): RenderMeter & { beans: string[]; props: string[] } {
  return {
    values: 0,
    beans: [],
    props: [],
    onBean(cls) {
      this.beans.push(cls);
    },
    onProperty(cls, _o, name) {
      this.props.push(`${cls}.${name}`);
    },
  };
}

function count(q: { tree?: string; depth?: string }): ReturnType<typeof meter> {
  const m = meter();
  withMeter(m, () => renderJson(bean(nodeType, tree), prunerFor(q.tree ?? null, q.depth ?? null), null));
  return m;
}

describe("values visited (one per Property.writeValue call, plus one per _class written)", () => {
  it("depth 0: 20 values, hand-counted from the JSON it writes (TreePruner.ByDepth(1))", () => {
    // {_class,name,kids:[{_class,name} x3],inl:[{name} x3],nothing:null}
    // root: _class + 4 accepted properties = 5; kids: 3 elements + 3 x (_class + name) = 9;
    // inl (inline, same threshold): 3 elements + 3 names, no _class (declared type) = 6. hidden (vis -2) is not visited.
    assert.equal(count({}).values, 20);
  });

  it("depth 1: 34 values; one level more of every nested object", () => {
    // root 5; kids: 3 elements + 3 x (_class,name,kids,inl,nothing) = 18; a.kids: 1 + (_class,name) = 3;
    // a.inl: 1 + name = 2; root inl: 3 + 3 = 6.
    assert.equal(count({ depth: "1" }).values, 34);
  });

  it("tree= visits only the properties named, _class included; ranges visit only the elements written (NamedPathPruner)", () => {
    const m = count({ tree: "name,kids[name]{1,2}" });
    assert.equal(m.values, 6, "root _class, name, kids; 1 element; its _class and name");
    assert.deepEqual(m.props, ["x.Node.name", "x.Node.kids", "x.Node.name"]);
    assert.deepEqual(m.beans, ["x.Node", "x.Node"]);
    assert.equal(count({ tree: "kids{0,1}" }).values, 4);
    assert.equal(count({ tree: "nosuch" }).values, 1, "only the root's _class");
  });

  it("`*` names every property at its level (NamedPathPruner.accept)", () => {
    // root: _class + 5 properties (hidden too); kids: 3 elements + 3 _class; inl: 3 elements, no _class.
    assert.equal(count({ tree: "*" }).values, 15);
    const json = JSON.parse(renderJson(bean(nodeType, tree), prunerFor("*", null), null)) as Record<string, unknown>;
    assert.equal(json["hidden"], "secret");
  });

  it("counting does not change what is written", () => {
    const m = meter();
    const a = withMeter(m, () => renderJson(bean(nodeType, tree), prunerFor(null, null), null));
    assert.equal(renderJson(bean(nodeType, tree), prunerFor(null, null), null), a);
  });
});

describe("endpoint classes and query shapes", () => {
  it("collapses job paths, build numbers, queue ids and computer names", () => {
    assert.equal(endpointOf("GET", ["api", "json"]), "GET /api/json");
    assert.equal(endpointOf("GET", ["job", "a", "job", "b", "api", "json"]), "GET /job/*/job/*/api/json");
    assert.equal(endpointOf("GET", ["label", "linux && docker", "api", "json"]), "GET /label/*/api/json");
    assert.equal(endpointOf("GET", ["job", "a", "42", "api", "json"]), "GET /job/*/N/api/json");
    assert.equal(endpointOf("GET", ["job", "a", "lastBuild", "api", "json"]), "GET /job/*/lastBuild/api/json");
    assert.equal(endpointOf("POST", ["job", "a", "buildWithParameters"]), "POST /job/*/buildWithParameters");
    assert.equal(endpointOf("POST", ["job", "a", "7", "stop"]), "POST /job/*/N/stop");
    assert.equal(endpointOf("GET", ["queue", "item", "17", "api", "json"]), "GET /queue/item/*/api/json");
    assert.equal(endpointOf("GET", ["queue", "api", "json"]), "GET /queue/api/json");
    assert.equal(endpointOf("GET", ["computer", "api", "json"]), "GET /computer/api/json");
    assert.equal(endpointOf("GET", ["computer", "(built-in)", "api", "json"]), "GET /computer/*/api/json");
    assert.equal(endpointOf("GET", []), "GET /");
  });

  it("keys the breakdown by the whole tree, else the depth", () => {
    assert.equal(queryKey(new URLSearchParams("tree=jobs[name]&depth=2")), "tree=jobs[name]");
    assert.equal(queryKey(new URLSearchParams("depth=1")), "depth=1");
    assert.equal(queryKey(new URLSearchParams("")), "");
  });
});

describe("builds in memory (AbstractLazyLoadRunMap, BuildReference soft holders, Executor and LeftItem hold strongly)", () => {
  function master(): { core: SimCore; builds: Build[]; run: (name: string) => Build } {
    const core = new SimCore({ clock: "manual", quietPeriodSec: 0, jobs: ["a", "b", "c", "d"].map((name) => ({ name })), nodes: [{ name: "n1", executors: 4 }] });
    const builds: Build[] = [];
    const run = (name: string): Build => {
      const job = core.m.getJob(name);
      core.trigger(job, [], 0, timerCause);
      core.tick(); // starts it
      core.tick(); // a 0-length build ends on the next tick
      const b = job.builds[job.builds.length - 1] as Build;
      builds.push(b);
      return b;
    };
    return { core, builds, run };
  }

  it("a running build is never loaded; a finished one is loaded once, then served from the LRU until evicted by newer touches", () => {
    const { core, run } = master();
    const a = run("a");
    const b = run("b");
    const c = run("c");
    const mem = new BuildMemory({ model: core.m, leftItemTtlMs: 300_000, manualClock: true, capacity: 2 });
    assert.equal(c.building, false, "0-length builds end on the tick after their start");
    mem.evict();
    assert.equal(mem.touch(a), true, "not in memory: read from disk");
    assert.equal(mem.touch(a), false, "now in memory");
    assert.equal(mem.touch(b), true);
    assert.equal(mem.touch(c), true);
    assert.equal(mem.size, 2);
    assert.equal(mem.touch(a), true, "a was the least recently used of 3 in an LRU of 2");
    core.m.getJob("d").durationMs = 60_000;
    const d = run("d");
    assert.equal(d.building, true);
    assert.equal(mem.touch(d), false, "a running build is held by its executor");
    assert.equal(mem.size, 2, "running builds take no LRU slot");
    core.close();
  });

  it("a LeftItem holds its build for the TTL (Queue.java:225, LeftItem.outcome); evict() drops that too, as a restart does", () => {
    const { core, run } = master();
    const a = run("a");
    const mem = new BuildMemory({ model: core.m, leftItemTtlMs: 300_000, manualClock: true, capacity: 0 });
    assert.equal(mem.touch(a), false, "held by its LeftItem although the LRU holds nothing");
    core.advance(300_001);
    assert.equal(mem.touch(a), true, "the LeftItem expired");
    const b = run("b");
    mem.evict();
    assert.equal(mem.touch(b), true, "LeftItems from before a restart hold nothing");
    core.close();
  });

  it("a build that ends enters the LRU when the sweep sees it end", () => {
    const { core } = master();
    const mem = new BuildMemory({ model: core.m, leftItemTtlMs: 0, manualClock: true, capacity: 5 });
    const job = core.m.getJob("a");
    job.durationMs = 1_000;
    core.trigger(job, [], 0, timerCause);
    core.tick();
    const a = job.builds[0] as Build;
    mem.sweep();
    assert.equal(a.building, true);
    core.advance(1_000);
    assert.equal(a.building, false);
    mem.sweep();
    assert.equal(mem.size, 1);
    assert.equal(mem.touch(a), false, "in memory since it ended");
    mem.capacity = 0;
    assert.equal(mem.touch(a), true);
    assert.throws(() => (mem.capacity = -1), /buildsInMemory must be an integer >= 0/);
    core.close();
  });
});
