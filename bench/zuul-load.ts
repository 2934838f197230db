/**
 * A Zuul-like load: Gearman clients that keep `inFlight` build jobs submitted, one loop per slot
 * (submit `build:JOB` with Zuul's parameters, wait for WORK_COMPLETE or WORK_FAIL, submit the next).
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";

import { GearmanClient, type ServerAddress } from "../src/gearman/index.js";
import { sleep, zuulParams } from "./lib.js";

export interface Completion {
  /** performance.now() when WORK_COMPLETE arrived. */
  at: number;
  /** Submit -> WORK_COMPLETE, ms. */
  ms: number;
}

export interface ZuulLoad {
  readonly completions: Completion[];
  readonly submitted: () => number;
  readonly failed: () => number;
  /** Stops submitting; waits up to `graceMs` for the jobs in flight, then closes the clients. */
  stop(graceMs?: number): Promise<void>;
}

export async function connectClients(addr: ServerAddress, n: number): Promise<GearmanClient[]> {
  const clients: GearmanClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = new GearmanClient({ servers: [addr] });
    c.start();
    clients.push(c);
  }
  await Promise.all(clients.map((c) => c.waitConnected(5_000)));
  return clients;
}

/** `pick()` names the job of each submission (without the "build:" prefix). */
export async function startZuulLoad(o: { addr: ServerAddress; clients: number; inFlight: number; pick: () => string; timeoutMs?: number }): Promise<ZuulLoad> {
  const clients = await connectClients(o.addr, o.clients);
  const completions: Completion[] = [];
  let submitted = 0;
  let failed = 0;
  let stopped = false;
  const loops = Array.from({ length: o.inFlight }, async (_, slot) => {
    const c = clients[slot % clients.length]!;
    while (!stopped) {
      const uuid = randomUUID().replace(/-/g, "");
      const s = performance.now();
      submitted++;
      try {
        const job = await c.submit(`build:${o.pick()}`, JSON.stringify(zuulParams(uuid)), { unique: uuid, timeoutMs: o.timeoutMs ?? 30_000 });
        const r = await job.result;
        if (r.kind === "complete") completions.push({ at: performance.now(), ms: performance.now() - s });
        else if (!stopped) failed++;
      } catch {
        if (!stopped) failed++;
        await sleep(100);
      }
    }
  });
  return {
    completions,
    submitted: () => submitted,
    failed: () => failed,
    async stop(graceMs = 2_000) {
      stopped = true;
      await Promise.race([Promise.all(loops), sleep(graceMs)]);
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await Promise.race([Promise.all(loops), sleep(5_000)]);
    },
  };
}
