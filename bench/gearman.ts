/**
 * Gearman benchmark through the real gearmand (test/helpers/gearmand.ts):
 *  - N small jobs through our GearmanClient + GearmanWorker (jobs/s, round-trip p50/p99),
 *  - the same through gearmand's own CLI (`gearman -w -f fn` as echo worker, one batch
 *    `gearman -n -f fn` client reading one job per stdin line),
 *  - the time to register 20,000 functions on one connection, until `status` lists them all.
 * Run: node --import tsx bench/gearman.ts [jobs] [concurrency]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { GearmanAdmin, GearmanClient, GearmanWorker, type ServerAddress } from "../src/gearman/index.js";
import { startGearmand } from "../test/helpers/gearmand.js";

export interface GearmanBenchResult {
  jobsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  regMs20k: number;
  /** Undefined when the `gearman` CLI is not installed or did not finish in time. */
  cliJobsPerSec?: number;
  /** Why cliJobsPerSec is missing, if it is. */
  cliNote?: string;
}

const CONN = { backoff: { initialMs: 10, maxMs: 200 }, echoIntervalMs: 0 };
const REG_FUNCTIONS = 20_000;
const STEP_TIMEOUT_MS = 60_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = STEP_TIMEOUT_MS, everyMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`bench: ${what} did not happen within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function ourJobs(addr: ServerAddress, admin: GearmanAdmin, jobs: number, concurrency: number): Promise<Pick<GearmanBenchResult, "jobsPerSec" | "p50Ms" | "p99Ms">> {
  const worker = new GearmanWorker({ clientId: "bench-worker", servers: [addr], capacity: concurrency, connection: CONN });
  worker.on("job", (j) => j.complete(j.data));
  worker.setFunctions(["bench"]);
  worker.start();
  const client = new GearmanClient({ servers: [addr], connection: CONN });
  client.start();
  try {
    await client.waitConnected();
    await until("worker registration", async () => (await admin.status()).some((f) => f.name === "bench" && f.workers > 0));
    const lat: number[] = [];
    let next = 0;
    const payload = Buffer.from("x".repeat(32));
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < jobs) {
          next++;
          const s = performance.now();
          const job = await client.submit("bench", payload);
          const r = await job.result;
          if (r.kind !== "complete") throw new Error(`bench job ended with ${r.kind}`);
          lat.push(performance.now() - s);
        }
      }),
    );
    const secs = (performance.now() - t0) / 1000;
    lat.sort((a, b) => a - b);
    return { jobsPerSec: jobs / secs, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99) };
  } finally {
    await Promise.all([worker.close(), client.close()]);
  }
}

function run(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.once("exit", (code) => {
      clearTimeout(t);
      resolve(code ?? -1);
    });
  });
}

async function cliJobs(addr: ServerAddress, admin: GearmanAdmin, jobs: number): Promise<{ cliJobsPerSec?: number; cliNote?: string }> {
  const base = ["-h", addr.host, "-p", String(addr.port), "-f", "benchcli"];
  // Without a command, `gearman -w` echoes each job's data to its stdout (ignored here).
  const worker = spawn("gearman", ["-w", ...base], { stdio: "ignore" });
  const workerExit = run(worker, STEP_TIMEOUT_MS * 2).catch(() => -1);
  try {
    await until("gearman CLI worker registration", async () => {
      if (worker.exitCode !== null) throw new Error(`gearman -w exited with ${worker.exitCode}`);
      return (await admin.status()).some((f) => f.name === "benchcli" && f.workers > 0);
    }, 10_000);
    const t0 = performance.now();
    const client = spawn("gearman", ["-n", ...base], { stdio: ["pipe", "ignore", "ignore"] });
    const done = run(client, STEP_TIMEOUT_MS);
    client.stdin?.end(Array.from({ length: jobs }, (_, i) => `job-${i}\n`).join(""));
    const code = await done;
    if (code !== 0) return { cliNote: `gearman -n exited with ${code}` };
    return { cliJobsPerSec: jobs / ((performance.now() - t0) / 1000) };
  } catch (e) {
    return { cliNote: `gearman CLI not usable: ${(e as Error).message}` };
  } finally {
    worker.kill("SIGTERM");
    await workerExit;
  }
}

async function register20k(addr: ServerAddress, admin: GearmanAdmin): Promise<number> {
  const names = Array.from({ length: REG_FUNCTIONS }, (_, i) => `reg:${String(i).padStart(5, "0")}`);
  const worker = new GearmanWorker({ clientId: "bench-reg", servers: [addr], capacity: 0, connection: CONN });
  worker.setFunctions(names);
  const t0 = performance.now();
  worker.start();
  try {
    await until(
      `${REG_FUNCTIONS} functions in status`,
      async () => (await admin.status()).filter((f) => f.name.startsWith("reg:") && f.workers > 0).length === REG_FUNCTIONS,
      STEP_TIMEOUT_MS,
      50,
    );
    return performance.now() - t0;
  } finally {
    await worker.close();
  }
}

export async function benchGearman(opts: { jobs: number; concurrency: number }): Promise<GearmanBenchResult> {
  const g = await startGearmand();
  const addr: ServerAddress = { host: g.host, port: g.port };
  const admin = new GearmanAdmin(addr, { timeoutMs: 10_000 });
  try {
    const ours = await ourJobs(addr, admin, opts.jobs, opts.concurrency);
    const cli = await cliJobs(addr, admin, opts.jobs);
    const regMs20k = await register20k(addr, admin);
    return { ...ours, regMs20k, ...cli };
  } finally {
    await admin.close();
    await g.stop();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const jobs = Number(process.argv[2] ?? 10_000);
  const concurrency = Number(process.argv[3] ?? 32);
  benchGearman({ jobs, concurrency })
    .then((r) => {
      const f = (n: number | undefined, d = 0): string => (n === undefined ? "n/a" : n.toFixed(d));
      console.log(`gearman bench: ${jobs} small jobs, concurrency ${concurrency}, gearmand on loopback`);
      console.table([
        { path: "our client + worker", "jobs/s": f(r.jobsPerSec), "p50 ms": f(r.p50Ms, 2), "p99 ms": f(r.p99Ms, 2) },
        { path: "gearman CLI (-w echo, -n batch)", "jobs/s": f(r.cliJobsPerSec), "p50 ms": "n/a", "p99 ms": "n/a" },
      ]);
      if (r.cliNote) console.log(`CLI: ${r.cliNote}`);
      console.log("CLI latency is not measurable per job: the batch client reports only when all are done.");
      console.log(`register ${REG_FUNCTIONS} functions on one connection until status lists them: ${f(r.regMs20k)} ms`);
    })
    .catch((e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    });
}
