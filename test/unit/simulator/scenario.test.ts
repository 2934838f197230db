// Scenario files (YAML or JSON) and generated scenarios for benchmarks and the demo.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SimulatorSpecError, generateScenario, loadScenario } from "../../../src/simulator/index.js";

describe("scenarios", () => {
  it("loads YAML with options, jobs and nodes, and rejects unknown keys", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-scn-"));
    try {
      const f = join(dir, "s.yaml");
      await writeFile(f, "options:\n  quietPeriodSec: 0\n  clock: manual\nusers:\n  - {user: u, token: t}\njobs:\n  - name: team/build\n    labelExpression: linux\n    parameters:\n      - {name: NODE, type: node}\nnodes:\n  - {name: a1, labels: linux docker, executors: 3}\n");
      const o = await loadScenario(f);
      assert.equal(o.quietPeriodSec, 0);
      assert.equal(o.clock, "manual");
      assert.deepEqual(o.users, [{ user: "u", token: "t" }]);
      assert.equal(o.jobs?.[0]?.name, "team/build");
      assert.deepEqual(o.nodes?.[0]?.labels, ["linux", "docker"]);
      const bad = join(dir, "bad.json");
      await writeFile(bad, JSON.stringify({ jobs: [{ name: "x", colour: "blue" }] }));
      await assert.rejects(loadScenario(bad), SimulatorSpecError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("generates jobs with ZUUL_* string parameters and a NODE node parameter, labels spread", () => {
    const s = generateScenario({ jobs: 250, nodes: 10, labels: ["a", "b", "c"], executors: 2, buildDurationMs: 5, result: "SUCCESS", folders: true });
    assert.equal(s.jobs?.length, 250);
    assert.equal(s.nodes?.length, 10);
    const j = s.jobs?.[0];
    assert.match(j?.name ?? "", /^team-000\/group-0\/job-00000$/);
    const names = (j?.parameters ?? []).map((p) => `${p.name}:${p.type}`);
    for (const p of ["ZUUL_UUID", "ZUUL_PROJECT", "ZUUL_PIPELINE", "ZUUL_BRANCH", "ZUUL_REF", "ZUUL_COMMIT", "ZUUL_CHANGE", "ZUUL_PATCHSET", "ZUUL_URL", "OFFLINE_NODE_WHEN_COMPLETE"]) {
      assert.ok(names.includes(`${p}:string`), p);
    }
    assert.ok(names.includes("NODE:node"));
    const exprs = new Set(s.jobs?.map((x) => x.labelExpression ?? null));
    assert.ok(exprs.has("a") && exprs.has("b") && exprs.has("c") && exprs.has(null));
  });
});
