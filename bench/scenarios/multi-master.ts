/**
 * Issue 13: several masters on one gearmand. Eight simulated masters (one process), each of 2,500 jobs
 * (the same job names on every master, as OpenStack deployed the same jobs everywhere) on 125 nodes of 2
 * executors, 20 labels; one sidecar child per master (the installed command, default settings) on one
 * gearmand. First one sidecar alone on a fresh gearmand, then all eight at once on another fresh one:
 * the time from start until gearmand's `status` lists every build function of a master with a worker from
 * each sidecar, gearmand's CPU for that (/proc), and a build round trip (submit -> WORK_COMPLETE,
 * zero-length builds) once registered, with every sidecar polling.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

import { GearmanAdmin } from "../../src/gearman/index.js";
import { cpuMsOf, percentile, until, zuulParams, type Sample, type Scenario, type ScenarioContext } from "../lib.js";
import { Cleanup, startSidecar, startSimChild, type SidecarChild } from "../procs.js";
import { connectClients } from "../zuul-load.js";
import { startGearmand } from "../../test/helpers/gearmand.js";

const MASTERS = 8;
const JOBS = 2_500;
const ROUND_TRIPS = 24;

interface Measured {
  registerMs: number;
  gearmandCpuMs: number;
  p50: number;
  max: number;
  functions: number;
}

async function roundTrips(addr: { host: string; port: number }, n: number): Promise<number[]> {
  const [client] = await connectClients(addr, 1);
  try {
    const out: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < n) {
          const i = next++;
          const uuid = randomUUID().replace(/-/g, "");
          const s = performance.now();
          const job = await client!.submit(`build:job-${String((i * 97) % JOBS).padStart(5, "0")}`, JSON.stringify(zuulParams(uuid)), { unique: uuid });
          const r = await job.result;
          if (r.kind !== "complete") throw new Error(`multi-master: a build ended ${r.kind}`);
          out.push(performance.now() - s);
        }
      }),
    );
    return out;
  } finally {
    await client!.close();
  }
}

/**
 * `want`: the build functions every sidecar must register (null: learn them from the first sidecar, once
 * its /readyz says it has sent them all).
 */
async function register(ctx: ScenarioContext, urls: readonly string[], want: ReadonlySet<string> | null): Promise<{ m: Measured; fns: Set<string> }> {
  const cleanup = new Cleanup();
  const sidecars: SidecarChild[] = [];
  try {
    const g = await startGearmand();
    cleanup.addPid(g.pid, () => g.stop());
    const addr = { host: g.host, port: g.port };
    const admin = new GearmanAdmin(addr, { timeoutMs: 30_000 });
    cleanup.add(() => admin.close());
    cleanup.add(() => Promise.all(sidecars.map((s) => s.stop())));
    const cpu0 = cpuMsOf(g.pid);
    const t0 = Date.now();
    for (const [i, url] of urls.entries()) {
      sidecars.push(await startSidecar({ build: { kind: "installed" }, jenkinsUrl: url, gearman: `${g.host}:${g.port}`, master: `master-${i}`, args: ctx.options.sidecarArgs }));
    }
    let fns = new Set<string>();
    // Learning the set: once the first sidecar's /readyz says every CAN_DO is sent, the set gearmand
    // lists is final when two polls in a row agree; the time is that of the poll that first showed it.
    let readyzOk = want !== null;
    let lastChangeAt = t0;
    let stable = 0;
    await until(
      `every build function with ${urls.length} worker(s) in gearmand status`,
      async () => {
        const st = await admin.status();
        const at = Date.now();
        const workers = new Map(st.map((f) => [f.name, f.workers]));
        const mgmt = urls.every((_, i) => (workers.get(`stop:master-${i}`) ?? 0) > 0);
        if (want !== null) {
          fns = new Set(want);
          lastChangeAt = at;
          return mgmt && [...want].every((f) => (workers.get(f) ?? 0) >= urls.length);
        }
        const seen = new Set(st.filter((f) => f.name.startsWith("build:") && f.workers > 0).map((f) => f.name));
        if (seen.size !== fns.size) {
          fns = seen;
          lastChangeAt = at;
          stable = 0;
        } else stable++;
        if (!readyzOk) readyzOk = (await fetch(`${(sidecars[0] as SidecarChild).admin}/readyz`).catch(() => null))?.status === 200;
        return mgmt && readyzOk && fns.size > 0 && stable >= 2;
      },
      300_000,
      200,
    );
    const registerMs = lastChangeAt - t0;
    const gearmandCpuMs = cpuMsOf(g.pid) - cpu0;
    const lat = await roundTrips(addr, ROUND_TRIPS);
    ctx.note(`${urls.length} sidecar(s): ${fns.size} build functions registered in ${registerMs} ms, gearmand CPU ${gearmandCpuMs} ms, round trip p50 ${percentile(lat, 50).toFixed(0)} ms`);
    return { m: { registerMs, gearmandCpuMs, p50: percentile(lat, 50), max: Math.max(...lat), functions: fns.size }, fns };
  } finally {
    await cleanup.run();
  }
}

export const multiMasterScenario: Scenario = {
  name: "multi-master",
  runs: (p) => (p === "full" ? 3 : 1),
  async run(ctx) {
    const sim = await startSimChild({ masters: MASTERS, jobs: JOBS, nodes: 125, executors: 2, labels: 20, buildDurationMs: 0 });
    try {
      const one = await register(ctx, sim.urls.slice(0, 1), null);
      const all = await register(ctx, sim.urls, one.fns);
      const rows = (tag: string, m: Measured): Sample[] => [
        { figure: `${tag}: start -> every function registered`, value: m.registerMs, unit: "ms" },
        { figure: `${tag}: gearmand CPU for it`, value: m.gearmandCpuMs, unit: "ms" },
        { figure: `${tag}: build round trip p50 (registered, polling)`, value: m.p50, unit: "ms" },
        { figure: `${tag}: build round trip max (${ROUND_TRIPS} builds)`, value: m.max, unit: "ms" },
      ];
      return [
        { figure: "build functions per master", value: one.m.functions, unit: "" },
        ...rows("1 sidecar", one.m),
        ...rows(`${MASTERS} sidecars on one gearmand`, all.m),
        { figure: `registration time, ${MASTERS} / 1`, value: all.m.registerMs / one.m.registerMs, unit: "x" },
        { figure: `gearmand CPU, ${MASTERS} / 1`, value: all.m.gearmandCpuMs / Math.max(1, one.m.gearmandCpuMs), unit: "x" },
        { figure: `round trip p50, ${MASTERS} / 1`, value: all.m.p50 / one.m.p50, unit: "x" },
      ];
    } finally {
      await sim.stop();
    }
  },
};
