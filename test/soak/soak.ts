/**
 * The seeded random fault soak of issue 15 ("Done when"): `npm run soak -- --seed N --duration 60s`.
 * 2 real gearmands, 2 simulated masters (child processes), one sidecar per master registered on both
 * gearmands (child processes, each with its own state file), a Zuul v2 stand-in and event subscribers.
 * A fault every 3-8 s from the seed; then heal, settle (bounded), check, and kill every child.
 * Exit status: 0 when every check passes, 1 when one fails, 2 on bad usage, 3 when the soak itself broke.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { context } from "zeromq";

import { JenkinsClient } from "../../src/jenkins/index.js";
import { freePort, startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient } from "../helpers/stack.js";
import { EventCollector } from "./events.js";
import { FaultInjector, type Master } from "./faults.js";
import { simBuilds, simHook } from "./sim-http.js";
import { LogIndex, readSidecarLog } from "./logs.js";
import { SoakUsageError, parseSoakArgs, type SoakOptions } from "./options.js";
import { ProcessSet, SimProcess } from "./procs.js";
import { SidecarProcess } from "./sidecar-process.js";
import { buildResult, detailText, type SoakRecords } from "./report.js";
import { SOAK_JOBS, SOAK_NODES, scenarioFor } from "./scenario.js";
import { LaunchPlan, planFaults, planForeign } from "./schedule.js";
import { checkMissingEvents } from "./checks.js";
import type { BuildRecord, SidecarRunRecord } from "./types.js";
import { ZuulStandIn } from "./zuul.js";

const MASTERS = ["master-a", "master-b"] as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

async function waitReady(m: Master, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(new URL("readyz", m.sidecar.adminUrl), { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`sidecar ${m.name} not ready within ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function collectBuilds(masters: readonly Master[]): Promise<BuildRecord[]> {
  const out: BuildRecord[] = [];
  for (const m of masters) {
    for (const b of await simBuilds(m.sim, 10_000)) {
      const uuid = b.parameters["ZUUL_UUID"];
      out.push({
        master: m.name, job: b.job, number: b.number, uuid: uuid !== undefined && uuid !== "" ? uuid : null, node: b.node, queueId: b.queueId,
        building: b.building, result: b.result, startedAt: b.startedAt, endedAt: b.building ? null : b.startedAt + b.duration,
      });
    }
  }
  return out;
}

/** Runs whose run id /status did not give (killed while starting) get it from the events seen while they lived. */
function fillRunIds(runs: SidecarRunRecord[], seen: Map<string, { master: string; first: number; last: number }>): void {
  const known = new Set(runs.map((r) => r.runId).filter((x) => x !== null));
  for (const [runId, s] of seen) {
    if (known.has(runId)) continue;
    const r = runs.find((x) => x.runId === null && x.master === s.master && x.startedAt <= s.first && (x.exitedAt ?? Infinity) >= s.first - 1000);
    if (r) r.runId = runId;
  }
}

async function soak(o: SoakOptions, procs: ProcessSet, abort: AbortSignal): Promise<"PASS" | "FAIL"> {
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const dir = join(o.outDir, `${stamp}-seed${o.seed}`);
  mkdirSync(join(dir, "state"), { recursive: true });
  say(`soak: seed=${o.seed} duration=${o.durationMs / 1000}s rate=${o.rate}/s settle<=${o.settleMs / 1000}s out=${dir}`);
  say(`replay with: npm run soak -- --seed ${o.seed} --duration ${o.durationMs / 1000}s`);

  const gearmands = new Map<string, Gearmand>();
  for (const name of ["gearmand-1", "gearmand-2"]) {
    const g = await startGearmand();
    procs.trackPid(() => g.pid, () => g.stop());
    gearmands.set(name, g);
  }
  const servers = [...gearmands.values()].map((g) => ({ host: g.host, port: g.port }));
  const scenarioFile = join(dir, "scenario.json");
  writeFileSync(scenarioFile, JSON.stringify(scenarioFor(), null, 2));

  const used = new Set<number>(servers.map((s) => s.port));
  const port = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  const masters: Master[] = [];
  for (const name of MASTERS) {
    const sim = new SimProcess({ name, port: await port(), scenarioFile, logFile: join(dir, `${name}-jenkins.log`), procs });
    await sim.start();
    const sidecar = new SidecarProcess(
      {
        master: name,
        jenkinsUrl: sim.url,
        gearman: servers.map((s) => `${s.host}:${s.port}`),
        zmqPort: await port(),
        adminPort: await port(),
        stateFile: join(dir, "state", `${name}.json`),
        logFile: join(dir, `${name}-sidecar.log`),
        pollInterval: o.pollInterval,
        drainGrace: "30s",
        buildStartTimeout: "60s",
      },
      procs,
    );
    masters.push({ name, sim, sidecar, jenkins: new JenkinsClient({ baseUrl: sim.url, timeoutMs: 3000, retries: 1 }) });
  }
  await Promise.all(masters.map((m) => m.sidecar.start()));
  await Promise.all(masters.map((m) => waitReady(m, 60_000)));

  const client = await connectClient(servers, { connection: { backoff: { initialMs: 100, maxMs: 1000 } } });
  const zuul = new ZuulStandIn(client);
  const events = new EventCollector(masters.map((m) => m.sidecar));
  events.start();
  await sleep(1000); // ZeroMQ's slow joiner; replay would fill it anyway.

  const t0 = Date.now();
  const injector = new FaultInjector({ masters, gearmands, logFile: join(dir, "faults.log"), t0 });
  injector.onLine = say;
  for (const m of masters) {
    m.sidecar.onCrash = (run) => {
      say(`+${((Date.now() - t0) / 1000).toFixed(1)}s CRASH sidecar ${m.name} pid ${run.pid} exited ${JSON.stringify(run.exit)}; restarting it`);
      injector.restartCrashed(m);
    };
  }
  const plan = planFaults(o.seed, { masters: MASTERS, gearmands: [...gearmands.keys()], nodes: SOAK_NODES.map((n) => n.name) }, { durationMs: o.durationMs });
  const foreign = planForeign(o.seed, MASTERS, SOAK_JOBS, o.durationMs);
  const launches = new LaunchPlan(o.seed, SOAK_JOBS);
  writeFileSync(join(dir, "plan.json"), JSON.stringify({ seed: o.seed, faults: plan, foreign }, null, 2));
  say(`plan: ${plan.length} faults, ${foreign.length} foreign builds, ~${Math.round((o.durationMs / 1000) * o.rate)} Zuul jobs`);

  const foreignCount = { triggered: 0, skipped: 0 };
  let fi = 0;
  let ri = 0;
  let submitted = 0;
  while (!abort.aborted) {
    const el = Date.now() - t0;
    if (el >= o.durationMs) break;
    while (submitted < Math.floor((el / 1000) * o.rate) + 1) {
      zuul.launch(launches.next());
      submitted++;
    }
    while (fi < plan.length && (plan[fi]?.atMs ?? Infinity) <= el) injector.inject(plan[fi++] as (typeof plan)[number]);
    while (ri < foreign.length && (foreign[ri]?.atMs ?? Infinity) <= el) {
      const f = foreign[ri++] as (typeof foreign)[number];
      const m = masters.find((x) => x.name === f.master) as Master;
      simHook(m.sim, "triggerBuild", { job: f.job, params: {} }).then(
        () => foreignCount.triggered++,
        () => foreignCount.skipped++,
      );
    }
    await sleep(100);
  }
  const submitEndedAt = Date.now();
  say(`+${((submitEndedAt - t0) / 1000).toFixed(1)}s submitting stopped (${submitted} Zuul jobs); healing every fault`);
  await injector.heal(SOAK_NODES.map((n) => n.name));

  // Settle: every Zuul job has an outcome, no build is running, and every build's events are in; bounded.
  const settleDeadline = Date.now() + o.settleMs;
  let settled = false;
  while (!abort.aborted && Date.now() < settleDeadline) {
    await events.pollOnce();
    const builds = await collectBuilds(masters).catch(() => null);
    if (builds !== null && zuul.pending === 0 && builds.every((b) => !b.building) && checkMissingEvents(builds, events.records()).count === 0) {
      settled = true;
      break;
    }
    await sleep(2000);
  }
  const settledAt = Date.now();
  say(`+${((settledAt - t0) / 1000).toFixed(1)}s ${settled ? "settled" : `settle bound of ${o.settleMs / 1000}s reached`}; ${zuul.pending} Zuul jobs pending`);
  await events.pollOnce(true);
  const builds = await collectBuilds(masters);
  await events.close();
  await client.close();
  for (const m of masters) await m.sidecar.stop("SIGKILL", "final");
  const endedAt = Date.now();

  const runs = masters.flatMap((m) => m.sidecar.runs);
  fillRunIds(runs, events.runIds());
  const logs = new LogIndex(masters.flatMap((m) => readSidecarLog(m.name, m.sidecar.spec.logFile)));
  const records: SoakRecords = {
    seed: o.seed, t0, submitEndedAt, settledAt, settled, endedAt, jobs: zuul.jobs, attempts: zuul.attempts, builds, events: events.records(), runs,
    faults: injector.records, faultCounts: injector.counts(), foreign: foreignCount, replayGaps: events.gaps, anomalies: [...zuul.anomalies, ...events.errors], repeatWindowMs: o.repeatWindowMs,
  };
  const { verdict, result, summary } = buildResult(records, logs);
  writeFileSync(join(dir, "result.json"), `${JSON.stringify({ options: o, topology: TOPOLOGY, ...result }, null, 2)}\n`);
  // Everything the checks read, so `recheck.ts <dir>` can judge a run again without running it again.
  writeFileSync(join(dir, "records.json"), JSON.stringify(records));
  say(detailText(result));
  say(summary);
  say(`result: ${join(dir, "result.json")}`);
  return verdict;
}

const TOPOLOGY =
  "2 gearmands; 2 simulated masters (simulate --config), each with one sidecar (run) registered on both gearmands, own state file, own ZeroMQ PUB and admin API; a Zuul v2 stand-in submitting round robin to both gearmands; one ZeroMQ subscriber per sidecar plus GET /events?since=N";

async function main(): Promise<number> {
  let o: SoakOptions;
  try {
    o = parseSoakArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof SoakUsageError) {
      process.stderr.write(`soak: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  context.blocky = false;
  const procs = new ProcessSet();
  const ac = new AbortController();
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) {
      procs.killAllNow();
      process.exit(130);
    }
    interrupted = true;
    say("soak: interrupted; killing every child process (again to exit at once)");
    ac.abort();
    void procs.killAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  try {
    const verdict = await soak(o, procs, ac.signal);
    return verdict === "PASS" ? 0 : 1;
  } catch (e) {
    process.stderr.write(`soak: the soak itself failed (seed ${o.seed}): ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 3;
  } finally {
    await procs.killAll();
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
  }
}

process.exitCode = await main();
