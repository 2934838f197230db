// Issue 6 "Rolling upgrade, end to end": gearmand, two simulated masters, two sidecars, Zuul
// submitting at a steady rate. Drain A with quiet-down through the admin API, restart A's
// Jenkins (and, for B, the sidecar too), resume; then the same for B. Every job Zuul submitted
// completes exactly once with a result, none fails, no build runs twice, a draining master takes
// no work. Zuul v2 relaunches a build that ended without a result (docs/contract.md "WORK_FAIL":
// no result means build.retry), with a fresh ZUUL_UUID; the stand-in does the same and we count those retries.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { Daemon } from "../../src/daemon.js";
import { startSimulator, type JenkinsSimulator, type SimJobSpec, type SimNodeSpec } from "../../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { startMasterDaemon, startStack, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Outcome, type Stack } from "../helpers/stack.js";

const JOBS: SimJobSpec[] = [zuulJob("unit", "trusty", { durationMs: 300 }), zuulJob("pep8", "trusty", { durationMs: 150 })];
const nodesOf = (m: string): SimNodeSpec[] => [
  { name: `${m}-t1`, labels: ["trusty"], executors: 2 },
  { name: `${m}-t2`, labels: ["trusty"], executors: 2 },
];

interface Attempt {
  uuid: string;
  outcome: Outcome;
}
interface Logical {
  id: number;
  fn: string;
  attempts: Attempt[];
}

async function admin(d: Daemon, method: "GET" | "POST", path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(new URL(path, d.adminUrl!), {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { "content-type": "application/json" } } : {}),
  });
  assert.ok(res.ok || res.status === 503, `${method} ${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

describe("ops: rolling upgrade of two masters under continuous load", { timeout: 60_000 }, () => {
  let gd: Gearmand;
  let s: Stack;
  const extraSims: JenkinsSimulator[] = [];
  const allSims: JenkinsSimulator[] = [];

  before(async () => {
    gd = await startGearmand();
    s = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      masters: ["a", "b"].map((m) => ({ name: `jenkins-${m}`, jobs: JOBS, nodes: nodesOf(m) })),
    });
    allSims.push(s.masters[0]!.sim, s.masters[1]!.sim);
    await waitRegistered(s.admin, ["build:unit", "build:pep8", "stop:jenkins-a", "stop:jenkins-b"]);
  });
  after(async () => {
    // Close everything even if one step fails, so that the test process exits.
    await s?.close().catch(() => undefined);
    for (const x of extraSims) await x.close().catch(() => undefined);
    await gd?.stop();
  });

  /** Jenkins keeps build numbers across a restart; the simulator starts from 1, so carry them over. */
  async function restartJenkins(old: JenkinsSimulator, node: string): Promise<JenkinsSimulator> {
    const port = Number(new URL(old.url).port);
    const next = new Map(JOBS.map((j) => [j.name, old.model.getJob(j.name).nextBuildNumber]));
    await old.close();
    const sim = await startSimulator({ port, jobs: JOBS, nodes: nodesOf(node) });
    for (const [name, n] of next) sim.model.getJob(name).nextBuildNumber = n;
    assert.equal(sim.url, old.url);
    extraSims.push(sim);
    allSims.push(sim);
    return sim;
  }

  it("every job completes exactly once with SUCCESS; a draining master takes no work", async () => {
    const logical: Logical[] = [];
    let stop = false;
    const MAX = 150;
    const load = (async () => {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < MAX && !stop; i++) {
        const l: Logical = { id: i, fn: i % 2 === 0 ? "build:unit" : "build:pep8", attempts: [] };
        logical.push(l);
        pending.push(
          (async () => {
            // Zuul relaunches a build that ended without a result; bounded here.
            for (let a = 0; a < 5; a++) {
              const params = zuulParams({ ZUUL_CHANGE: String(1000 + i) });
              const outcome = await submitLikeZuul(s.client, l.fn, params);
              l.attempts.push({ uuid: params["ZUUL_UUID"]!, outcome });
              if (outcome.complete?.["result"] !== undefined) return;
            }
          })(),
        );
        await new Promise((r) => setTimeout(r, 80));
      }
      await Promise.all(pending);
    })();

    // Windows during which a master must not start a build: [drain requested, resumed].
    const quiet: { master: string; from: number; to: number }[] = [];

    async function upgrade(idx: 0 | 1, restartSidecar: boolean): Promise<void> {
      const m = s.masters[idx]!;
      const letter = idx === 0 ? "a" : "b";
      await new Promise((r) => setTimeout(r, 1000)); // let work land on this master first
      const from = Date.now();
      const d0 = await admin(m.daemon, "POST", "drain", { quietDown: true });
      assert.notEqual(d0["phase"], "running");
      assert.equal(d0["quietDown"], true);
      await waitFor(
        `${m.name} safe to restart`,
        async () => ((await admin(m.daemon, "GET", "status"))["drain"] as { safeToRestart: boolean }).safeToRestart,
        20_000,
        100,
      );
      assert.equal(m.sim.runningBuilds().length, 0, "nothing runs on a drained master");
      await new Promise((r) => setTimeout(r, 700)); // the upgrade takes a while; Zuul's work goes to the other master
      if (restartSidecar) await m.daemon.stop();
      m.sim = await restartJenkins(m.sim, letter);
      // A restarted sidecar starts taking work (drain is not persisted): the quiet window ends here.
      let to: number | null = null;
      if (restartSidecar) to = Date.now();
      if (restartSidecar) m.daemon = await startMasterDaemon(m.sim, m.name, [{ host: gd.host, port: gd.port }], m.stateFile, { pollInterval: "100ms", zmq: false });
      // The sidecar sees Jenkins again before it resumes.
      await waitFor(`${m.name} sees Jenkins`, () => m.daemon.poller.healthy && m.daemon.poller.lastSuccessAt !== null && m.daemon.poller.lastSuccessAt > from, 10_000);
      quiet.push({ master: m.name, from, to: to ?? Date.now() });
      const r = await admin(m.daemon, "POST", "resume", {});
      assert.equal(r["phase"], "running");
      // Work comes back to this master.
      const before = m.sim.builds().length;
      await waitFor(`${m.name} takes work again`, () => m.sim.builds().length > before, 10_000);
    }

    await upgrade(0, false); // A: Jenkins restarts under a running sidecar
    await upgrade(1, true); // B: Jenkins and the sidecar restart
    await new Promise((r) => setTimeout(r, 500));
    stop = true;
    await load;

    // Every logical job ended with exactly one SUCCESS.
    assert.ok(logical.length >= 50, `enough load: ${logical.length}`);
    for (const l of logical) {
      const results = l.attempts.map((a) => a.outcome.complete?.["result"]).filter((x) => x !== undefined);
      assert.deepEqual(results, ["SUCCESS"], `job ${l.id} (${l.fn}): ${JSON.stringify(l.attempts.map((a) => a.outcome.kind))}`);
      assert.equal(l.attempts.at(-1)!.outcome.kind, "complete");
    }

    // No build started twice: each ZUUL_UUID appears in at most one build across every simulator
    // (before and after restarts), exactly one for the attempt that reported a result, none for a retried one.
    const byUuid = new Map<string, { master: string; startedAt: number; node: string }[]>();
    for (const sim of allSims) {
      const master = s.masters.find((m) => m.sim.url === sim.url)!.name;
      for (const b of sim.builds()) {
        const u = b.parameters["ZUUL_UUID"];
        if (u === undefined) continue;
        byUuid.set(u, [...(byUuid.get(u) ?? []), { master, startedAt: b.startedAt, node: b.node }]);
      }
    }
    let retries = 0;
    for (const l of logical) {
      for (const a of l.attempts) {
        const builds = byUuid.get(a.uuid) ?? [];
        const reported = a.outcome.complete?.["result"] !== undefined;
        if (!reported) retries++;
        assert.equal(builds.length, reported ? 1 : 0, `ZUUL_UUID ${a.uuid} of job ${l.id}: ${builds.length} builds, reported=${reported}`);
        if (reported) assert.equal(a.outcome.complete?.["manager"], builds[0]!.master, "reported by the master that ran it");
      }
    }
    // Retries only come from builds the drain handed back before they started (quiet-down); few.
    assert.ok(retries <= 4, `retries: ${retries}`);

    // During a master's drain (drain requested → resumed) no build started on it.
    for (const q of quiet) {
      const during = [...byUuid.values()].flat().filter((b) => b.master === q.master && b.startedAt > q.from + 50 && b.startedAt < q.to);
      assert.deepEqual(during, [], `builds started on ${q.master} while it was drained ${JSON.stringify(q)}`);
    }
    // Both masters did work before and after their upgrade.
    for (const m of s.masters) assert.ok([...byUuid.values()].flat().some((b) => b.master === m.name && b.startedAt > quiet.find((q) => q.master === m.name)!.to));
  });
});
