// The soak's plan (test/soak/schedule.ts, prng.ts): the same seed gives the same faults, launches and
// foreign builds; faults come every 3-8 s (issue 15), hold within their ranges, and never overlap on one resource.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Prng } from "../../soak/prng.js";
import { SOAK_JOBS, SOAK_NODES } from "../../soak/scenario.js";
import { LaunchPlan, planFaults, planForeign, type PlannedFault } from "../../soak/schedule.js";
import { FAULT_KINDS } from "../../soak/types.js";

const TOPO = { masters: ["master-a", "master-b"], gearmands: ["gearmand-1", "gearmand-2"], nodes: SOAK_NODES.map((n) => n.name) };

describe("soak plan", () => {
  it("the PRNG is deterministic, in range, and forked streams do not depend on draws from the parent", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 50 }, () => a.int(3, 8));
    assert.deepEqual(xs, Array.from({ length: 50 }, () => b.int(3, 8)));
    assert.ok(xs.every((x) => x >= 3 && x <= 8));
    assert.equal(new Set(xs).size, 6);
    const f1 = new Prng(42).fork("x").next();
    const p = new Prng(42);
    p.next();
    assert.equal(p.fork("x").next(), f1);
    assert.notEqual(new Prng(42).fork("y").next(), f1);
    assert.throws(() => new Prng(1.5), /integer/);
  });

  it("the same seed replays the same plan; another seed does not", () => {
    const o = { durationMs: 240_000 };
    assert.deepEqual(planFaults(7, TOPO, o), planFaults(7, TOPO, o));
    assert.notDeepEqual(planFaults(7, TOPO, o), planFaults(8, TOPO, o));
    assert.deepEqual(planForeign(7, TOPO.masters, SOAK_JOBS, 240_000), planForeign(7, TOPO.masters, SOAK_JOBS, 240_000));
    const l1 = new LaunchPlan(7, SOAK_JOBS);
    const l2 = new LaunchPlan(7, SOAK_JOBS);
    const seq = Array.from({ length: 100 }, () => l1.next());
    assert.deepEqual(seq, Array.from({ length: 100 }, () => l2.next()));
    for (const l of seq) {
      const j = SOAK_JOBS.find((x) => x.name === l.job);
      assert.ok(j, l.job);
      assert.ok(l.zuulNode === null || j.atoms.includes(l.zuulNode), `${l.job} ${l.zuulNode}`);
    }
  });

  it("faults are 3-8 s apart, every kind occurs, holds are in range, resources never overlap", () => {
    for (const seed of [1, 2, 3, 99, 12345]) {
      const plan = planFaults(seed, TOPO, { durationMs: 240_000 });
      assert.ok(plan.length >= 240 / 8 - 2, `seed ${seed}: ${plan.length} faults`);
      assert.ok((plan[0]?.atMs ?? 0) >= 5000 + 3000);
      for (let i = 1; i < plan.length; i++) {
        const gap = (plan[i] as PlannedFault).atMs - (plan[i - 1] as PlannedFault).atMs;
        // A slot whose draws all land on busy resources stays empty (a longer gap); none does for these seeds.
        assert.ok(gap >= 3000 && gap <= 8000, `seed ${seed}: gap ${gap}`);
      }
      assert.ok(plan.every((f) => f.atMs < 240_000));
      const kinds = new Set(plan.map((f) => f.kind));
      for (const k of FAULT_KINDS) assert.ok(kinds.has(k), `seed ${seed}: no ${k}`);
      for (const f of plan) {
        if (f.kind === "jenkins-stop" || f.kind === "drain") assert.ok(f.holdMs >= 3000 && f.holdMs <= 15_000);
        if (f.kind === "gearmand-kill") assert.equal(f.master, null);
        else assert.ok(TOPO.masters.includes(f.master ?? ""));
        if (f.kind === "node-offline") assert.ok(TOPO.nodes.includes(f.target));
      }
      // Two stops of one master's Jenkins never overlap, nor two gearmand kills.
      const stops = plan.filter((f) => f.kind === "jenkins-stop");
      for (const m of TOPO.masters) {
        const s = stops.filter((f) => f.master === m);
        for (let i = 1; i < s.length; i++) assert.ok((s[i] as PlannedFault).atMs >= (s[i - 1] as PlannedFault).atMs + (s[i - 1] as PlannedFault).holdMs);
      }
      const gk = plan.filter((f) => f.kind === "gearmand-kill");
      for (let i = 1; i < gk.length; i++) assert.ok((gk[i] as PlannedFault).atMs >= (gk[i - 1] as PlannedFault).atMs + (gk[i - 1] as PlannedFault).holdMs);
    }
  });
});
