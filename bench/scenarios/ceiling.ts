/**
 * Issue 13: the throughput ceiling, measured honestly. The `throughput` scenario's 180 builds/s is its own
 * cap (200 in flight / a poll-bound round trip). Here the sidecar is a child process (the installed command,
 * a 500 ms poll unless --sidecar-args says otherwise) on a master with 5,000 executors, zero-length builds,
 * and the builds in flight are raised step by step: builds/s, round trip, and the CPU of the sidecar process
 * itself (/proc/<pid>/stat of the child, not the bench process), with the simulator's, gearmand's and the
 * bench's CPU beside it. The knee is the fewest builds in flight that reach 90 % of the highest builds/s
 * measured; a second sidecar started with --cpu-prof runs that step again and its profile's top frames (self
 * time) say what limits it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

import { newestProfile, topFrames } from "../cpuprofile.js";
import { cpuMsOf, machineCpuMs, percentile, sleep, until, type Sample, type Scenario, type ScenarioContext } from "../lib.js";
import { Cleanup, startSidecar, startSimChild, type SidecarChild } from "../procs.js";
import { startZuulLoad } from "../zuul-load.js";
import { startGearmand, type Gearmand } from "../../test/helpers/gearmand.js";

const JOBS = 100;

interface Step {
  inFlight: number;
  perSec: number;
  p50: number;
  /** Cores used by each process over the window. */
  sidecarCores: number;
  simCores: number;
  gearmandCores: number;
  benchCores: number;
  /** Busy share of the whole machine (every core): near 100 % means the sidecar could not have a core to itself. */
  machineBusyPct: number;
  sidecarCpuMsPerBuild: number;
  failed: number;
}

async function step(o: { g: Gearmand; sidecar: SidecarChild; simPid: number; inFlight: number; warmMs: number; measureMs: number }): Promise<Step> {
  let k = 0;
  const load = await startZuulLoad({ addr: { host: o.g.host, port: o.g.port }, clients: 8, inFlight: o.inFlight, pick: () => `job-${String(k++ % JOBS).padStart(5, "0")}`, timeoutMs: 60_000 });
  try {
    await sleep(o.warmMs);
    const cpu = (): [number, number, number, number] => [cpuMsOf(o.sidecar.pid), cpuMsOf(o.simPid), cpuMsOf(o.g.pid), (process.cpuUsage().user + process.cpuUsage().system) / 1000];
    const c0 = cpu();
    const m0 = machineCpuMs();
    const from = performance.now();
    const failed0 = load.failed();
    await sleep(o.measureMs);
    const c1 = cpu();
    const m1 = machineCpuMs();
    const window = load.completions.filter((d) => d.at >= from && d.at <= from + o.measureMs);
    const n = Math.max(1, window.length);
    return {
      inFlight: o.inFlight,
      perSec: window.length / (o.measureMs / 1000),
      p50: percentile(window.map((d) => d.ms), 50),
      sidecarCores: (c1[0] - c0[0]) / o.measureMs,
      simCores: (c1[1] - c0[1]) / o.measureMs,
      gearmandCores: (c1[2] - c0[2]) / o.measureMs,
      benchCores: (c1[3] - c0[3]) / o.measureMs,
      machineBusyPct: ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100,
      sidecarCpuMsPerBuild: (c1[0] - c0[0]) / n,
      failed: load.failed() - failed0,
    };
  } finally {
    await load.stop(15_000);
  }
}

/** The knee: the fewest builds in flight that reach 90 % of the highest builds/s measured. */
export function kneeOf(steps: readonly Step[]): Step | undefined {
  const best = Math.max(...steps.map((s) => s.perSec));
  return steps.find((s) => s.perSec >= 0.9 * best);
}

async function sidecarOn(ctx: ScenarioContext, url: string, g: Gearmand, nodeFlags: string[] = []): Promise<SidecarChild> {
  const s = await startSidecar({ build: { kind: "installed" }, jenkinsUrl: url, gearman: `${g.host}:${g.port}`, master: "ceiling", args: ["--poll-interval", "500ms", ...ctx.options.sidecarArgs], nodeFlags });
  try {
    await until("sidecar ready (/readyz 200)", async () => (await fetch(`${s.admin}/readyz`).catch(() => null))?.status === 200, 60_000, 100);
  } catch (e) {
    await s.stop();
    throw e;
  }
  return s;
}

export const ceilingScenario: Scenario = {
  name: "ceiling",
  runs: (p) => (p === "full" ? 3 : 1),
  async run(ctx) {
    const levels = ctx.profile === "full" ? [200, 500, 1_000, 2_000, 4_000] : [200, 1_000, 4_000];
    const warmMs = 3_000;
    const measureMs = ctx.profile === "full" ? 20_000 : 8_000;
    const cleanup = new Cleanup();
    let sidecar: SidecarChild | null = null;
    try {
      const g = await startGearmand();
      cleanup.addPid(g.pid, () => g.stop());
      const profDir = mkdtempSync(join(tmpdir(), "jgs-cpuprof-"));
      cleanup.add(() => rmSync(profDir, { recursive: true, force: true }));
      const sim = await startSimChild({ masters: 1, jobs: JOBS, nodes: 2_500, executors: 2, labels: 1, buildDurationMs: 0 });
      cleanup.add(() => sim.stop());
      cleanup.add(() => sidecar?.stop());
      const url = sim.urls[0] as string;
      sidecar = await sidecarOn(ctx, url, g);
      const steps: Step[] = [];
      for (const inFlight of levels) {
        const s = await step({ g, sidecar, simPid: sim.pid, inFlight, warmMs, measureMs });
        steps.push(s);
        ctx.note(`${inFlight} in flight: ${s.perSec.toFixed(0)} builds/s, p50 ${s.p50.toFixed(0)} ms, sidecar ${(s.sidecarCores * 100).toFixed(0)} % core (${s.sidecarCpuMsPerBuild.toFixed(2)} ms/build), sim ${(s.simCores * 100).toFixed(0)} %, gearmand ${(s.gearmandCores * 100).toFixed(0)} %, bench ${(s.benchCores * 100).toFixed(0)} %, machine ${s.machineBusyPct.toFixed(0)} % busy, ${s.failed} failed`);
      }
      const knee = kneeOf(steps) as Step;
      await sidecar.stop();
      sidecar = await sidecarOn(ctx, url, g, ["--cpu-prof", "--cpu-prof-dir", profDir]);
      const profiled = await step({ g, sidecar, simPid: sim.pid, inFlight: knee.inFlight, warmMs, measureMs });
      await sidecar.stop();
      sidecar = null;
      const file = newestProfile(profDir);
      const frames = file === null ? [] : topFrames(file);
      ctx.detail(
        `sidecar CPU profile at the knee (${knee.inFlight} in flight, ${profiled.perSec.toFixed(0)} builds/s while profiled; self time, whole sidecar run)`,
        frames.length === 0 ? ["(no profile written)"] : frames.map((f) => `${f.selfPct.toFixed(1).padStart(5)} %  ${f.frame}`),
        { steps, knee: knee.inFlight, frames },
      );
      const out: Sample[] = [];
      for (const s of steps) {
        out.push(
          { figure: `${s.inFlight} in flight: builds/s`, value: s.perSec, unit: "/s" },
          { figure: `${s.inFlight} in flight: round trip p50`, value: s.p50, unit: "ms" },
          { figure: `${s.inFlight} in flight: sidecar process CPU`, value: s.sidecarCores * 100, unit: "% core" },
          { figure: `${s.inFlight} in flight: sidecar CPU per build`, value: s.sidecarCpuMsPerBuild, unit: "ms" },
          { figure: `${s.inFlight} in flight: simulator / gearmand / bench CPU`, value: (s.simCores + s.gearmandCores + s.benchCores) * 100, unit: "% core" },
          { figure: `${s.inFlight} in flight: whole machine busy (all cores)`, value: s.machineBusyPct, unit: "%" },
          { figure: `${s.inFlight} in flight: builds failed`, value: s.failed, unit: "" },
        );
      }
      out.push(
        { figure: "knee: builds in flight", value: knee.inFlight, unit: "" },
        { figure: "knee: builds/s", value: knee.perSec, unit: "/s", target: { op: ">=", value: 50 } },
        { figure: "knee: sidecar CPU per build", value: knee.sidecarCpuMsPerBuild, unit: "ms" },
      );
      for (const f of frames.slice(0, 5)) out.push({ figure: `knee profile, top frame: ${f.frame}`, value: f.selfPct, unit: "% self" });
      return out;
    } finally {
      await cleanup.run();
    }
  },
};
