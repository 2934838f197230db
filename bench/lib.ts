/**
 * Shared pieces of the benchmark runner: figures, statistics, gearmand CPU time, a stack of
 * gearmand + simulator + in-process sidecar (Daemon) + a Gearman client playing Zuul.
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadConfig } from "../src/config/index.js";
import { Daemon } from "../src/daemon.js";
import { GearmanAdmin, GearmanClient, type ServerAddress } from "../src/gearman/index.js";
import { silentLogger } from "../src/log.js";
import { startSimulator, type JenkinsSimulator, type SimJobSpec, type SimParamSpec, type SimNodeSpec, type SimulatorOptions } from "../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../test/helpers/gearmand.js";

export const PROFILES = ["quick", "full"] as const;
export type Profile = (typeof PROFILES)[number];

/** How a median is judged against its target. */
export interface Target {
  op: ">=" | "<=";
  value: number;
}

/** One measured value of one run. */
export interface Sample {
  figure: string;
  value: number;
  unit: string;
  target?: Target;
  /** Decimals to print, where the default rounding would hide the verdict (99.995 shown as 100.0). */
  digits?: number;
}

/** Options of `npm run bench -- ...` beyond the profile (bench/run.ts parses them). */
export interface BenchOptions {
  /** Flags appended to the sidecar under test's command line (`--sidecar-args "..."`, env BENCH_SIDECAR_ARGS). */
  sidecarArgs: string[];
  /** Flags appended to the baseline sidecar's command line (`--baseline-args "..."`, env BENCH_BASELINE_ARGS). */
  baselineArgs: string[];
  /** Git revision of the baseline sidecar (`--baseline REV`, env BENCH_BASELINE). @default "3d23703" */
  baseline: string;
  /** Runs of each scenario instead of its default (`--runs N`). @default null */
  runs: number | null;
  /** Scales master-cost's idle and busy windows (`--window-scale 0.25` for a short trial run). @default 1 */
  windowScale: number;
}

export interface ScenarioContext {
  profile: Profile;
  options: BenchOptions;
  /** Progress lines (stderr). */
  note(msg: string): void;
  /** A breakdown printed after the main table and kept in the results JSON (e.g. per endpoint). */
  detail(title: string, lines: string[], data: unknown): void;
}

export interface Scenario {
  name: string;
  /** Runs of the scenario; every figure is the median over them. */
  runs(profile: Profile): number;
  /** One run; bounded in time and count, stops by itself. */
  run(ctx: ScenarioContext, index: number): Promise<Sample[]>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** utime + stime of a process in ms (Linux /proc; USER_HZ taken as 100). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ", field 3 (state) is index 0; utime is field 14, stime 15.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The whole machine's CPU time in ms, busy and in total (summed over cores), from the first line of /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  // idle and iowait are the 4th and 5th fields.
  return { busy: (total - (f[3] ?? 0) - (f[4] ?? 0)) * 10, total: total * 10 };
}

/** Resident set size in MiB (/proc/<pid>/status VmRSS). */
export function rssMiBOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

const pad = (n: number, w: number): string => String(n).padStart(w, "0");

/** The node parameter and Zuul's string parameters (enough for the bridge to pin a node). */
const PARAMS: SimParamSpec[] = [
  ...["ZUUL_UUID", "ZUUL_PROJECT", "ZUUL_PIPELINE", "ZUUL_BRANCH", "ZUUL_CHANGE", "ZUUL_PATCHSET", "OFFLINE_NODE_WHEN_COMPLETE"].map((name) => ({ name, type: "string" as const, default: "" })),
  { name: "NODE", type: "node" as const, default: "" },
];

/**
 * `jobs` jobs over `sets` labels (job i has the label `label-(i % sets)`), `nodes` nodes with one
 * label each (node k has `label-(k % sets)`): exactly `sets` distinct function sets.
 */
export function labelSetScenario(o: { jobs: number; nodes: number; sets: number; executors: number; durationMs: number }): { jobs: SimJobSpec[]; nodes: SimNodeSpec[] } {
  const jobs: SimJobSpec[] = [];
  for (let i = 0; i < o.jobs; i++) {
    jobs.push({ name: `job-${pad(i, 5)}`, labelExpression: `label-${pad(i % o.sets, 2)}`, parameters: PARAMS, durationMs: o.durationMs, result: "SUCCESS" });
  }
  const nodes: SimNodeSpec[] = [];
  for (let k = 0; k < o.nodes; k++) nodes.push({ name: `node-${pad(k, 4)}`, labels: [`label-${pad(k % o.sets, 2)}`], executors: o.executors });
  return { jobs, nodes };
}

/** The parameters Zuul v2 sends, with a fresh ZUUL_UUID. */
export function zuulParams(uuid: string): Record<string, string> {
  return { ZUUL_UUID: uuid, ZUUL_PROJECT: "openstack/nova", ZUUL_PIPELINE: "gate", ZUUL_BRANCH: "master", ZUUL_CHANGE: "60105", ZUUL_PATCHSET: "3" };
}

export interface Stack {
  gearmand: Gearmand;
  addr: ServerAddress;
  sim: JenkinsSimulator;
  daemon: Daemon;
  admin: GearmanAdmin;
  clients: GearmanClient[];
  /** When the daemon was started (Date.now()). */
  startedAt: number;
  close(): Promise<void>;
}

export async function startGearmandOnly(): Promise<{ gearmand: Gearmand; addr: ServerAddress }> {
  const gearmand = await startGearmand();
  return { gearmand, addr: { host: gearmand.host, port: gearmand.port } };
}

/** gearmand + simulator + in-process Daemon (+ optionally `clients` Gearman clients). */
export async function startStack(o: {
  sim: SimulatorOptions;
  pollInterval: string;
  zmq?: boolean;
  clients?: number;
  /** names-only job listing interval (the daemon's --jobs-refresh); its default when absent. */
  jobsRefresh?: string;
  gearmand?: { gearmand: Gearmand; addr: ServerAddress };
}): Promise<Stack> {
  const g = o.gearmand ?? (await startGearmandOnly());
  const sim = await startSimulator({ quietPeriodSec: 0, ...o.sim });
  const dir = mkdtempSync(join(tmpdir(), "jgs-bench-"));
  const config = await loadConfig({
    env: {},
    flags: {
      jenkinsUrl: sim.url,
      gearman: [`${g.addr.host}:${g.addr.port}`],
      zmqBind: "tcp://127.0.0.1:0",
      ...(o.zmq === true ? {} : { zmq: false }),
      adminListen: "127.0.0.1:0",
      masterName: "bench",
      pollInterval: o.pollInterval,
      ...(o.jobsRefresh === undefined ? {} : { jobsRefresh: o.jobsRefresh }),
      stateFile: join(dir, "state.json"),
    },
  });
  const daemon = new Daemon({ config, logger: silentLogger(), gearmanConnection: { backoff: { initialMs: 50, maxMs: 500 } } });
  const startedAt = Date.now();
  await daemon.start();
  const clients: GearmanClient[] = [];
  for (let i = 0; i < (o.clients ?? 1); i++) {
    const c = new GearmanClient({ servers: [g.addr] });
    c.start();
    await c.waitConnected(5000);
    clients.push(c);
  }
  const admin = new GearmanAdmin(g.addr, { timeoutMs: 20_000 });
  return {
    gearmand: g.gearmand,
    addr: g.addr,
    sim,
    daemon,
    admin,
    clients,
    startedAt,
    async close() {
      for (const c of clients) await c.close().catch(() => undefined);
      await admin.close().catch(() => undefined);
      await daemon.stop().catch(() => undefined);
      await sim.close().catch(() => undefined);
      if (!o.gearmand) await g.gearmand.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits until gearmand's `status` lists `count` functions starting with `prefix` with a worker. */
export async function waitFunctions(admin: GearmanAdmin, prefix: string, count: number, timeoutMs: number, everyMs = 50): Promise<void> {
  await until(
    `${count} ${prefix}* functions registered`,
    async () => (await admin.status()).filter((f) => f.name.startsWith(prefix) && f.workers > 0).length >= count,
    timeoutMs,
    everyMs,
  );
}
