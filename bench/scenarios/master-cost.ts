/**
 * Issue 13: what the sidecar costs its Jenkins master. A `simulate`-sized master (20,000 jobs with one
 * finished build each, 1,000 nodes of 2 executors, 20 labels) in its own process, a real gearmand, and a
 * sidecar child with default settings. Measured twice in one run, each on a fresh master: the baseline
 * (the sidecar at another commit, from its sources) and the sidecar under test (this checkout's installed
 * command). Per sidecar: start-up (until /readyz), an idle window, then a busy window with a Zuul-like
 * client keeping 300 builds running (builds of 10-70 s, so they start and end throughout; the window opens
 * after a warm-up once they run). The simulator's
 * cost model (docs/master-cost.md) gives bytes, requests, values exported and build records touched and
 * loaded, per endpoint and in total, as rates per hour. Then, for the sidecar under test only, the
 * change-detection delays (master-cost-detect.ts).
 */
import { GearmanAdmin } from "../../src/gearman/index.js";
import { endpointLines, ratioRows, totalRows, type PhaseCost } from "../cost-report.js";
import { cpuMsOf, machineCpuMs, rssMiBOf, sleep, until, type Sample, type Scenario, type ScenarioContext } from "../lib.js";
import { Cleanup, prepareBaseline, startSidecar, startSimChild, type SidecarBuild } from "../procs.js";
import { simHooks } from "../sim-hooks.js";
import { connectClients, startZuulLoad } from "../zuul-load.js";
import { startGearmand } from "../../test/helpers/gearmand.js";
import { RESERVED_JOBS, measureDetection } from "./master-cost-detect.js";

const SIZE = { jobs: 20_000, nodes: 1_000, executors: 2, labels: 20 };
const RUNNING = 300;
const BUILD_MEAN_MS = 40_000;
/** The target for the master's bytes, steady state, idle and busy: 400 MB/hour (aim: 100). */
const BYTES_TARGET_MB_H = 400;

/** "500ms", "2s", "1m" -> ms (the sidecar's duration syntax, enough of it for --poll-interval). */
export function durationMs(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s.trim());
  if (m === null) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

/** The --poll-interval among the sidecar's flags (last wins), else the default 2 s. */
/** A duration flag's value among the sidecar's arguments, or the fallback (the sidecar's default). */
export function durationFlagOf(args: readonly string[], flag: string, fallbackMs: number): number {
  let ms = fallbackMs;
  args.forEach((a, i) => {
    if (a === flag && args[i + 1] !== undefined) ms = durationMs(args[i + 1] as string);
    else if (a.startsWith(`${flag}=`)) ms = durationMs(a.slice(flag.length + 1));
  });
  return ms;
}

export function pollIntervalOf(args: readonly string[], fallbackMs = 2_000): number {
  return durationFlagOf(args, "--poll-interval", fallbackMs);
}

interface Who {
  who: string;
  build: SidecarBuild;
  args: string[];
  detect: boolean;
}

interface Windows {
  idleMs: number;
  /** After 300 builds run, before the busy window: the sidecar's reads of the builds that just started fall here, and the first builds end. */
  warmMs: number;
  busyMs: number;
}

async function measure(ctx: ScenarioContext, w: Who, win: Windows): Promise<{ samples: Sample[]; startup: PhaseCost; phases: PhaseCost[] }> {
  const cleanup = new Cleanup();
  try {
    const g = await startGearmand();
    cleanup.addPid(g.pid, () => g.stop());
    const addr = { host: g.host, port: g.port };
    const admin = new GearmanAdmin(addr, { timeoutMs: 30_000 });
    cleanup.add(() => admin.close());
    const sim = await startSimChild({ masters: 1, ...SIZE, buildDurationMs: BUILD_MEAN_MS, history: 1 });
    cleanup.add(() => sim.stop());
    const url = sim.urls[0] as string;
    const hooks = simHooks(url);
    const sidecar = await startSidecar({ build: w.build, jenkinsUrl: url, gearman: `${g.host}:${g.port}`, master: "cost", args: w.args });
    cleanup.add(() => sidecar.stop());
    const t0 = Date.now();
    await until("sidecar ready (/readyz 200)", async () => (await fetch(`${sidecar.admin}/readyz`).catch(() => null))?.status === 200, 180_000, 100);
    const registerMs = Date.now() - t0;
    const startup = await hooks.cost();
    ctx.note(`${w.who}: ready in ${registerMs} ms; start-up ${(startup.total.bytes / 1e6).toFixed(1)} MB, ${startup.total.requests} requests, ${startup.total.buildsLoaded} builds loaded`);
    const samples: Sample[] = [
      { figure: `start-up ${w.who}: start -> /readyz`, value: registerMs, unit: "ms" },
      { figure: `start-up ${w.who}: MB served`, value: startup.total.bytes / 1e6, unit: "MB" },
      { figure: `start-up ${w.who}: build records loaded`, value: startup.total.buildsLoaded, unit: "" },
    ];
    const window = async (phase: "idle" | "busy", ms: number): Promise<PhaseCost> => {
      await hooks.resetCost();
      const cpu0 = cpuMsOf(sidecar.pid);
      const m0 = machineCpuMs();
      const s = Date.now();
      await sleep(ms);
      const report = await hooks.cost();
      const took = Date.now() - s;
      const m1 = machineCpuMs();
      samples.push({ figure: `${phase} ${w.who}: sidecar CPU`, value: ((cpuMsOf(sidecar.pid) - cpu0) / took) * 100, unit: "% core" });
      samples.push({ figure: `${phase} ${w.who}: whole machine busy (all cores)`, value: ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100, unit: "%" });
      samples.push({ figure: `${phase} ${w.who}: sidecar RSS`, value: rssMiBOf(sidecar.pid), unit: "MiB" });
      return { who: w.who, phase, ms: took, report };
    };
    const idle = await window("idle", win.idleMs);
    let k = 0;
    const load = await startZuulLoad({ addr, clients: 4, inFlight: RUNNING, pick: () => `job-${String(RESERVED_JOBS + ((k++ * 7919) % (SIZE.jobs - RESERVED_JOBS))).padStart(5, "0")}`, timeoutMs: 60_000 });
    cleanup.add(() => load.stop(1_000));
    await until(`${RUNNING} builds running`, async () => (await hooks.runningBuilds()).length >= RUNNING * 0.95, 120_000, 500);
    await sleep(win.warmMs);
    const done0 = load.completions.length;
    const busy = await window("busy", win.busyMs);
    samples.push({ figure: `busy ${w.who}: builds finished`, value: ((load.completions.length - done0) * 3_600_000) / busy.ms, unit: "/h" });
    const target = w.detect ? { op: "<=" as const, value: BYTES_TARGET_MB_H } : undefined;
    samples.push(...totalRows(idle, target), ...totalRows(busy, target));
    if (w.detect) {
      const [client] = await connectClients(addr, 1);
      cleanup.add(() => client!.close());
      samples.push(...(await measureDetection({ hooks, admin, client: client!, sidecarAdmin: sidecar.admin, pollMs: pollIntervalOf(w.args), note: (m) => ctx.note(m) })));
    }
    return { samples, startup: { who: w.who, phase: "start-up", ms: registerMs, report: startup }, phases: [idle, busy] };
  } finally {
    await cleanup.run();
  }
}

export const masterCostScenario: Scenario = {
  name: "master-cost",
  runs: () => 1,
  async run(ctx) {
    const scale = ctx.options.windowScale;
    const full = ctx.profile === "full";
    const win: Windows = { idleMs: Math.round((full ? 120_000 : 30_000) * scale), warmMs: Math.round((full ? 70_000 : 15_000) * scale), busyMs: Math.round((full ? 480_000 : 90_000) * scale) };
    const baseline = prepareBaseline(ctx.options.baseline);
    try {
      const base = await measure(ctx, { who: `baseline ${baseline.build.kind === "source" ? baseline.build.label : ""}`, build: baseline.build, args: ctx.options.baselineArgs, detect: false }, win);
      const test = await measure(ctx, { who: "test", build: { kind: "installed" }, args: ctx.options.sidecarArgs, detect: true }, win);
      const phases = [...base.phases, ...test.phases];
      const [bIdle, bBusy] = base.phases as [PhaseCost, PhaseCost];
      const [tIdle, tBusy] = test.phases as [PhaseCost, PhaseCost];
      ctx.detail(
        `per endpoint, rates per hour (idle ${(win.idleMs / 1000).toFixed(0)} s, busy ${(win.busyMs / 1000).toFixed(0)} s with ${RUNNING} builds running; baseline ${baseline.commit.slice(0, 7)})`,
        endpointLines(phases),
        { baseline: baseline.commit, sidecarArgs: ctx.options.sidecarArgs, baselineArgs: ctx.options.baselineArgs, phases: phases.map((p) => ({ who: p.who, phase: p.phase, ms: p.ms, total: p.report.total, buildsInMemory: p.report.buildsInMemory, endpoints: p.report.endpoints })) },
      );
      const startups = [base.startup, test.startup];
      ctx.detail("start-up, from the sidecar's start until /readyz (counts, not rates)", endpointLines(startups, true), startups.map((p) => ({ who: p.who, ms: p.ms, total: p.report.total, endpoints: p.report.endpoints })));
      return [...base.samples, ...test.samples, ...ratioRows(tIdle, bIdle), ...ratioRows(tBusy, bBusy)];
    } finally {
      baseline.remove();
    }
  },
};
