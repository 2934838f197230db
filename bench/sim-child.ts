/**
 * The Jenkins simulator in a process of its own, so that the sidecar's CPU is measured apart from it:
 * `node --import tsx bench/sim-child.ts '<SimChildConfig JSON>'`. Starts `masters` simulated masters of
 * the same generated scenario (the `simulate` command's generator), gives each job `history` finished
 * builds, then empties the cost model's memory as after a restart, so the builds are on disk only. Prints
 * one line `READY {"urls":[...]}`; exits on SIGTERM, SIGINT, or when its stdin closes (the bench is gone).
 */
import { generateScenario, startSimulator, UnknownItemError, type JenkinsSimulator, type SimCostOptions } from "../src/simulator/index.js";

export interface SimChildConfig {
  masters: number;
  jobs: number;
  nodes: number;
  executors: number;
  labels: number;
  /** Mean build duration; job i lasts between 0.25x and 1.75x of it (spread by index), so builds end throughout. */
  buildDurationMs: number;
  /** Finished builds per job before the bench starts. @default 0 */
  history?: number;
  /**
   * Each build lasts its job's mean duration times a factor drawn in [1 - j, 1 + j], and each
   * job's estimatedDuration is its mean (what Jenkins' mean of the last builds converges to),
   * so that ending builds are not all where the estimate says. @default 0.25
   */
  jitter?: number;
  cost?: SimCostOptions;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function seed(sim: JenkinsSimulator, jobs: readonly string[], durations: readonly number[], history: number): Promise<void> {
  for (const j of jobs) sim.setJobScript(j, { durationMs: 0 });
  for (let h = 0; h < history; h++) {
    for (const j of jobs) sim.triggerBuild(j, {}, { delaySec: 0 });
    const deadline = Date.now() + 300_000;
    while (sim.queueItems().length > 0 || sim.runningBuilds().length > 0) {
      if (Date.now() > deadline) throw new Error("sim-child: seeding the build history took more than 5 minutes");
      await sleep(50);
    }
  }
  jobs.forEach((j, i) => sim.setJobScript(j, { durationMs: durations[i] ?? 0, estimatedDurationMs: durations[i] ?? 0 }));
  sim.resetCost({ evict: true });
}

/** Every 500 ms each job's next builds get a new duration around its mean (a deterministic sequence). */
function jitterDurations(sim: JenkinsSimulator, jobs: readonly string[], durations: readonly number[], jitter: number): NodeJS.Timeout {
  let x = 0x2545f491;
  const next = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
  const gone = new Set<string>();
  return setInterval(() => {
    jobs.forEach((j, i) => {
      if (gone.has(j)) return;
      try {
        sim.setJobScript(j, { durationMs: Math.round((durations[i] ?? 0) * (1 - jitter + 2 * jitter * next())) });
      } catch (e) {
        // The change-detection probes delete a job: it has no next build to give a duration.
        if (!(e instanceof UnknownItemError)) throw e;
        gone.add(j);
      }
    });
  }, 500);
}

async function main(): Promise<void> {
  const c = JSON.parse(process.argv[2] ?? "{}") as SimChildConfig;
  const labels = Array.from({ length: c.labels }, (_, i) => `label-${String(i).padStart(2, "0")}`);
  const sims: JenkinsSimulator[] = [];
  const timers: NodeJS.Timeout[] = [];
  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    for (const t of timers) clearInterval(t);
    await Promise.all(sims.map((s) => s.close().catch(() => undefined)));
    process.exit(0);
  };
  process.on("SIGTERM", () => void close());
  process.on("SIGINT", () => void close());
  process.stdin.on("end", () => void close());
  process.stdin.on("error", () => void close());
  process.stdin.resume();
  for (let m = 0; m < c.masters; m++) {
    const sc = generateScenario({ jobs: c.jobs, nodes: c.nodes, labels, executors: c.executors, buildDurationMs: 0, result: "SUCCESS" });
    const durations = (sc.jobs ?? []).map((_, i) => Math.round(c.buildDurationMs * (0.25 + 1.5 * (((i * 7919) % 101) / 100))));
    const sim = await startSimulator({ ...sc, quietPeriodSec: 0, logRequests: false, ...(c.cost !== undefined ? { cost: c.cost } : {}) });
    sims.push(sim);
    const names = (sc.jobs ?? []).map((j) => j.name);
    await seed(sim, names, durations, c.history ?? 0);
    const jitter = c.jitter ?? 0.25;
    if (jitter > 0 && c.buildDurationMs > 0) timers.push(jitterDurations(sim, names, durations, jitter));
  }
  process.stdout.write(`READY ${JSON.stringify({ urls: sims.map((s) => s.url) })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`sim-child: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
