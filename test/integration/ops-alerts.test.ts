// Issue 16 "alerts and dashboards": the Prometheus rules in deploy/prometheus/ pass `promtool check
// rules` and their own `promtool test rules`; and every metric that the rules and the Grafana
// dashboard (deploy/grafana/dashboard.json) read is one that a running sidecar really exports. The
// sidecar is the CLI `run` process against a real gearmand and the Jenkins simulator, made to do
// what makes the labelled series appear: a build that succeeds, one that fails unrun (its node is
// deleted mid-build: WORK_FAIL, as in test/integration/faults-jenkins.test.ts), a gearmand restart
// (a reconnect). Its /metrics also passes `promtool check metrics` (Prometheus naming conventions).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { parse } from "yaml";

import type { GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { exposedNames, metricNames } from "../helpers/promql.js";
import { ROOT, cli, exitOf, killAll, startRun, type Proc } from "../helpers/sidecar-proc.js";
import { connectClient, submitLikeZuul, waitFor, zuulJob } from "../helpers/stack.js";

const ALERTS = join(ROOT, "deploy/prometheus/alerts.yaml");
const ALERT_TESTS = join(ROOT, "deploy/prometheus/alerts.test.yaml");
const DASHBOARD = join(ROOT, "deploy/grafana/dashboard.json");
/** Series Prometheus makes itself for each target, not the sidecar. */
const PROMETHEUS_SYNTHETIC = new Set(["up"]);

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync("promtool", args, { encoding: "utf8", input, timeout: 60_000 });
  if (r.error) throw new Error(`promtool cannot run (${r.error.message}): run \`bash scripts/ensure-promtool.sh\` (Debian package prometheus)`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

function ruleExprs(): { where: string; expr: string }[] {
  const doc = parse(readFileSync(ALERTS, "utf8")) as { groups: { name: string; rules: Rule[] }[] };
  return doc.groups.flatMap((g) => g.rules.map((r) => ({ where: `alert ${r.alert ?? r.record ?? "?"}`, expr: r.expr })));
}

interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: { expr: string }[];
  panels?: Panel[];
  gridPos?: unknown;
}

function dashboardExprs(): { where: string; expr: string }[] {
  const d = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { panels: Panel[]; templating: { list: { name: string; query: unknown }[] } };
  const out: { where: string; expr: string }[] = [];
  const walk = (ps: Panel[]): void => {
    for (const p of ps) {
      for (const t of p.targets ?? []) out.push({ where: `panel "${p.title}"`, expr: t.expr });
      walk(p.panels ?? []);
    }
  };
  walk(d.panels);
  for (const v of d.templating.list) {
    const q = typeof v.query === "object" && v.query !== null ? (v.query as { query?: unknown }).query : undefined;
    if (typeof q === "string") out.push({ where: `variable $${v.name}`, expr: q });
  }
  return out;
}

describe("ops: alerting rules and the dashboard", { timeout: 120_000 }, () => {
  it("promtool checks the rules and runs their unit tests", () => {
    const check = promtool(["check", "rules", ALERTS]);
    assert.equal(check.status, 0, check.out);
    assert.match(check.out, /SUCCESS: \d+ rules found/);
    const test = promtool(["test", "rules", ALERT_TESTS]);
    assert.equal(test.status, 0, test.out);
    assert.match(test.out, /SUCCESS/);
    // Every alert has a test, and each names who it pages.
    const tested = readFileSync(ALERT_TESTS, "utf8");
    for (const { where } of ruleExprs()) assert.ok(tested.includes(`alertname: ${where.replace("alert ", "")}`), `${where} is tested`);
  });

  it("the dashboard is one Grafana dashboard with a data source variable, unique panel ids and a query in every panel", () => {
    const d = JSON.parse(readFileSync(DASHBOARD, "utf8")) as { uid: string; panels: Panel[]; templating: { list: { name: string; type: string }[] } };
    assert.equal(d.uid, "jenkins-gearman-sidecar");
    assert.ok(d.templating.list.some((v) => v.type === "datasource"), "data source chosen on import");
    const ids = d.panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, "panel ids are unique");
    for (const p of d.panels) {
      assert.ok(p.gridPos, `${p.title} has a position`);
      if (p.type !== "row") assert.ok((p.targets ?? []).length > 0, `${p.title} has a query`);
    }
  });

  describe("against a running sidecar", () => {
    let gd: Gearmand;
    let sim: JenkinsSimulator;
    let client: GearmanClient;
    let dir: string;
    const procs: Proc[] = [];
    let metrics = "";

    before(async () => {
      gd = await startGearmand();
      dir = mkdtempSync(join(tmpdir(), "jgs-alerts-"));
      sim = await startSimulator({
        jobs: [zuulJob("ok", "trusty", { durationMs: 200 }), zuulJob("long", "precise", { durationMs: 600_000 })],
        nodes: [
          { name: "t1", labels: ["trusty"], executors: 2 },
          // Two nodes, so that deleting one leaves its group standing (the group's worker stays).
          { name: "p1", labels: ["precise"], executors: 1 },
          { name: "p2", labels: ["precise"], executors: 1 },
        ],
      });
      client = await connectClient([{ host: gd.host, port: gd.port }]);
      const run = await startRun({ jenkinsUrl: sim.url, gearman: [`${gd.host}:${gd.port}`], name: "alerts-master", stateFile: join(dir, "state.json"), logLevel: "warn" });
      procs.push(run.p);

      assert.equal((await submitLikeZuul(client, "build:ok")).complete?.["result"], "SUCCESS");
      const failed = submitLikeZuul(client, "build:long");
      const b = await waitFor("the long build running", () => sim.runningBuilds().find((x) => x.job === "long"));
      const node = await waitFor("the sidecar follows it", async () => ((await (await fetch(new URL("status", run.admin))).json()) as { inFlight: { job: string; number: number | null; node: string }[] }).inFlight.find((x) => x.job === "long" && x.number === b.number)?.node);
      sim.removeNode(node);
      assert.equal((await failed).kind, "fail", "a node lost mid-build: WORK_FAIL");
      await gd.restart();
      await waitFor("ready after the gearmand restart", async () => (await fetch(new URL("readyz", run.admin))).status === 200, 30_000, 100);

      const res = await fetch(new URL("metrics", run.admin));
      assert.equal(res.status, 200);
      metrics = await res.text();
      const status = (await (await fetch(new URL("status", run.admin))).json()) as { version: string };
      const version = cli(["--version"]);
      assert.equal(await exitOf(version), 0);
      assert.equal(version.out().trim(), status.version, "--version and /status agree");
      assert.match(metrics, new RegExp(`^jgs_build_info\\{version="${status.version.replace(/\./g, "\\.")}",node="${process.version}"\\} 1$`, "m"));
      run.p.child.kill("SIGTERM");
      assert.equal(await exitOf(run.p), 143, run.p.err());
    });
    after(async () => {
      killAll(procs);
      await client?.close().catch(() => undefined);
      await sim?.close();
      await gd?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it("every metric the alert rules and the dashboard read is in its /metrics", () => {
      const have = exposedNames(metrics);
      const uses = [...ruleExprs(), ...dashboardExprs()];
      assert.ok(uses.length > 25, "rules and panels were found");
      const missing: string[] = [];
      const used = new Set<string>();
      for (const u of uses) {
        const names = metricNames(u.expr);
        assert.ok(names.length > 0, `${u.where} reads a metric: ${u.expr}`);
        for (const n of names) {
          used.add(n);
          if (!have.has(n) && !PROMETHEUS_SYNTHETIC.has(n)) missing.push(`${u.where}: ${n}`);
        }
      }
      assert.deepEqual(missing, [], `not exported by the sidecar:\n${missing.join("\n")}`);
      // The labelled series the test made appear are among those read.
      for (const n of ["jgs_jobs_failed_total", "jgs_jobs_completed_total", "jgs_gearman_reconnects_total", "jgs_free_executors", "jgs_ready", "jgs_build_info"]) assert.ok(used.has(n), n);
      assert.match(metrics, /^jgs_jobs_failed_total\{reason=".+"\} 1$/m);
      assert.match(metrics, /^jgs_gearman_reconnects_total\{server="127\.0\.0\.1:\d+"\} [1-9]/m);
      assert.match(metrics, /^jgs_ready 1$/m);
    });

    it("its /metrics follows Prometheus naming conventions (promtool check metrics)", () => {
      const r = promtool(["check", "metrics"], metrics);
      // prom-client's default collectors name three gauges *_total (prom-client 15,
      // lib/metrics/processRequests.js, processHandles.js, processResources.js); nothing of ours may add to them.
      const known = new Set(["jgs_nodejs_active_handles_total", "jgs_nodejs_active_requests_total", "jgs_nodejs_active_resources_total"]);
      const problems = r.out
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "" && !known.has(l.split(" ")[0] ?? ""));
      assert.deepEqual(problems, [], r.out);
    });
  });
});
