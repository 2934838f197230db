/**
 * Scenario 4: latency through the whole stack, for poll intervals of 1 s and 200 ms.
 * Each build runs a job of its own, so the simulator's request log and build list identify it:
 *  - JOB_CREATED at the client -> trigger request (POST .../buildWithParameters) at the simulator,
 *  - build started in the simulator -> first WORK_DATA at the client,
 *  - build finished in the simulator -> WORK_COMPLETE at the client,
 *  - build finished -> onFinalized at a ZeroMQ subscriber (playing Nodepool).
 * Target: p99 within one poll interval + 50 ms.
 */
import { randomUUID } from "node:crypto";

import { subscribe } from "../../src/events/index.js";
import { labelSetScenario, percentile, sleep, startStack, until, zuulParams, type Sample, type Scenario } from "../lib.js";

/** Builds outlast one poll interval, so the poller sees them running (see BENCHMARKS.md for shorter ones). */
const durationFor = (pollMs: number): number => Math.max(300, Math.round(pollMs * 1.5));

interface Times {
  job: string;
  created: number;
  data: number | null;
  complete: number | null;
  finalized: number | null;
}

async function measure(pollMs: number, builds: number, spacingMs: number): Promise<Record<string, number[]>> {
  const sc = labelSetScenario({ jobs: builds, nodes: 20, sets: 1, executors: 4, durationMs: durationFor(pollMs) });
  const stack = await startStack({ sim: { ...sc }, pollInterval: `${pollMs}ms`, zmq: true, clients: 1 });
  const ac = new AbortController();
  try {
    await until("registration", async () => (await stack.admin.status()).filter((f) => f.name.startsWith("build:") && f.workers > 0).length >= builds * 2, 20_000, 100);
    const endpoint = stack.daemon.publisher?.endpoint;
    if (endpoint === undefined) throw new Error("no event publisher");
    const times = new Map<string, Times>();
    const sub = subscribe({ connect: endpoint, topics: ["onFinalized"], signal: ac.signal });
    void (async () => {
      for await (const ev of sub) {
        const t = times.get(ev.event.name);
        if (t && t.finalized === null) t.finalized = Date.now();
      }
    })().catch(() => undefined);
    await sleep(300); // ZeroMQ slow joiner
    const client = stack.clients[0]!;
    const runs: Promise<void>[] = [];
    for (let i = 0; i < builds; i++) {
      const job = `job-${String(i).padStart(5, "0")}`;
      const uuid = randomUUID().replace(/-/g, "");
      runs.push(
        (async () => {
          const j = await client.submit(`build:${job}`, JSON.stringify(zuulParams(uuid)), { unique: uuid, timeoutMs: 30_000 });
          const t: Times = { job, created: Date.now(), data: null, complete: null, finalized: null };
          times.set(job, t);
          j.on("data", () => {
            t.data ??= Date.now();
          });
          const r = await j.result;
          if (r.kind === "complete") t.complete = Date.now();
        })(),
      );
      await sleep(spacingMs);
    }
    await Promise.race([Promise.all(runs), sleep(30_000)]);
    await until("all onFinalized", () => [...times.values()].every((t) => t.finalized !== null), pollMs * 3 + 5_000).catch(() => undefined);
    const log = stack.sim.requestLog().filter((r) => r.method === "POST" && r.path.includes("/buildWithParameters"));
    const out: Record<string, number[]> = { trigger: [], data: [], complete: [], finalized: [] };
    for (const t of times.values()) {
      const trig = log.find((r) => r.path.includes(`/job/${t.job}/`));
      const b = stack.sim.builds(t.job)[0];
      if (trig) out["trigger"]!.push(trig.at - t.created);
      if (b && t.data !== null) out["data"]!.push(t.data - b.startedAt);
      if (b && !b.building && t.complete !== null) out["complete"]!.push(t.complete - (b.startedAt + b.duration));
      if (b && !b.building && t.finalized !== null) out["finalized"]!.push(t.finalized - (b.startedAt + b.duration));
    }
    return out;
  } finally {
    ac.abort();
    await stack.close();
  }
}

const LABELS: Record<string, string> = {
  trigger: "JOB_CREATED -> trigger request",
  data: "build started -> WORK_DATA",
  complete: "build finished -> WORK_COMPLETE",
  finalized: "build finished -> onFinalized at subscriber",
};

export const latencyScenario: Scenario = {
  name: "latency",
  runs: () => 3,
  async run(ctx) {
    const builds = ctx.profile === "full" ? 100 : 20;
    const out: Sample[] = [];
    for (const pollMs of [1000, 200]) {
      const r = await measure(pollMs, builds, ctx.profile === "full" ? 97 : 53);
      for (const [k, v] of Object.entries(r)) {
        const p50 = percentile(v, 50);
        const p99 = percentile(v, 99);
        ctx.note(`poll ${pollMs} ms ${k}: n=${v.length} p50 ${p50.toFixed(0)} p99 ${p99.toFixed(0)} ms`);
        out.push({ figure: `poll ${pollMs}ms: ${LABELS[k]} p50`, value: p50, unit: "ms" });
        out.push({ figure: `poll ${pollMs}ms: ${LABELS[k]} p99`, value: p99, unit: "ms", target: { op: "<=", value: pollMs + 50 } });
        if (v.length < builds) out.push({ figure: `poll ${pollMs}ms: ${LABELS[k]} missing samples`, value: builds - v.length, unit: "" });
      }
    }
    return out;
  },
};
