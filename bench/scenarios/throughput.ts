/**
 * Scenario 3: zero-length builds on 500 executors (250 nodes x 2), submitted by several Gearman
 * clients playing Zuul; sustained builds/s through gearmand -> sidecar -> simulator -> gearmand.
 * Per-build overhead as a ratio to the bare gearmand round trip measured on the same gearmand
 * in the same run (echo worker, same client library).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

import { GearmanClient, GearmanWorker, type ServerAddress } from "../../src/gearman/index.js";
import { labelSetScenario, percentile, sleep, startStack, until, zuulParams, type Sample, type Scenario } from "../lib.js";

const CLIENTS = 4;
const PER_CLIENT = 50;

async function bareRoundTrip(addr: ServerAddress, admin: { status(): Promise<{ name: string; workers: number }[]> }, jobs: number): Promise<{ p50: number; perSec: number }> {
  const worker = new GearmanWorker({ clientId: "bare", servers: [addr], capacity: 32 });
  worker.on("job", (j) => j.complete(j.data));
  worker.setFunctions(["bare"]);
  worker.start();
  const client = new GearmanClient({ servers: [addr] });
  client.start();
  try {
    await client.waitConnected(5000);
    await until("bare worker registered", async () => (await admin.status()).some((f) => f.name === "bare" && f.workers > 0), 10_000);
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next++ < jobs) {
          const s = performance.now();
          const r = await (await client.submit("bare", "x".repeat(300))).result;
          if (r.kind !== "complete") throw new Error(`bare job: ${r.kind}`);
          lat.push(performance.now() - s);
        }
      }),
    );
    return { p50: percentile(lat, 50), perSec: jobs / ((performance.now() - t0) / 1000) };
  } finally {
    await Promise.all([worker.close(), client.close()]);
  }
}

export const throughputScenario: Scenario = {
  name: "throughput",
  runs: () => 3,
  async run(ctx) {
    const measureMs = ctx.profile === "full" ? 30_000 : 8_000;
    const warmMs = 2_000;
    const sc = labelSetScenario({ jobs: 100, nodes: 250, sets: 1, executors: 2, durationMs: 0 });
    const stack = await startStack({ sim: { ...sc, logRequests: false }, pollInterval: "500ms", clients: CLIENTS });
    try {
      const bare = await bareRoundTrip(stack.addr, stack.admin, 2_000);
      await until("registration", async () => (await stack.admin.status()).filter((f) => f.name.startsWith("build:") && f.workers > 0).length >= 200, 20_000, 100);
      let stop = false;
      const done: { at: number; ms: number }[] = [];
      let failed = 0;
      let k = 0;
      const cpu0 = process.cpuUsage();
      const loops = stack.clients.flatMap((c) =>
        Array.from({ length: PER_CLIENT }, async () => {
          while (!stop) {
            const job = `build:job-${String(k++ % 100).padStart(5, "0")}`;
            const uuid = randomUUID().replace(/-/g, "");
            const s = performance.now();
            const r = await (await c.submit(job, JSON.stringify(zuulParams(uuid)), { unique: uuid, timeoutMs: 30_000 })).result;
            if (r.kind === "complete") done.push({ at: performance.now(), ms: performance.now() - s });
            else failed++;
          }
        }),
      );
      const t0 = performance.now();
      await sleep(warmMs + measureMs);
      stop = true;
      const cpu = process.cpuUsage(cpu0);
      const from = t0 + warmMs;
      const window = done.filter((d) => d.at >= from && d.at <= from + measureMs);
      await Promise.race([Promise.all(loops), sleep(15_000)]);
      const perSec = window.length / (measureMs / 1000);
      const p50 = percentile(window.map((d) => d.ms), 50);
      const cpuPerBuild = (cpu.user + cpu.system) / 1000 / Math.max(1, done.length);
      ctx.note(`${perSec.toFixed(1)} builds/s, p50 ${p50.toFixed(0)} ms, bare p50 ${bare.p50.toFixed(2)} ms (${bare.perSec.toFixed(0)}/s), ${failed} failed, ${cpuPerBuild.toFixed(2)} ms CPU/build`);
      const out: Sample[] = [
        { figure: `builds/s sustained (0-length, 500 exec, ${CLIENTS * PER_CLIENT} in flight)`, value: perSec, unit: "/s", target: { op: ">=", value: 50 } },
        { figure: "build round trip p50 (submit -> WORK_COMPLETE)", value: p50, unit: "ms" },
        { figure: "bare gearmand round trip p50 (baseline)", value: bare.p50, unit: "ms" },
        { figure: "build round trip / bare round trip", value: p50 / bare.p50, unit: "x" },
        { figure: "bench-process CPU per build (sidecar+sim+clients)", value: cpuPerBuild, unit: "ms" },
        { figure: "CPU per build / bare round trip", value: cpuPerBuild / bare.p50, unit: "x" },
        { figure: "builds failed (WORK_FAIL/exception)", value: failed, unit: "" },
      ];
      return out;
    } finally {
      await stack.close();
    }
  },
};
