/**
 * Scenario 5: Jenkins requests per poll cycle (simulator request log, steady state) with 10 and
 * with 1,000 running builds on a master of 2,000 jobs and 500 nodes, and the requests each build
 * run through the sidecar costs beyond the cycles.
 */
import { randomUUID } from "node:crypto";

import { labelSetScenario, sleep, startStack, until, zuulParams, type Sample, type Scenario } from "../lib.js";

const POLL_MS = 200;

/**
 * The poll cycle's own requests (queue, computers, job list, one read per label atom); anything else
 * is a per-build request (trigger, queue item, build state reads).
 */
const CYCLE_PATH = /^\/(queue\/|computer\/|label\/[^/]+\/)?api\/json$/;

export const jenkinsLoadScenario: Scenario = {
  name: "jenkins-load",
  runs: () => 3,
  async run(ctx) {
    const windowMs = ctx.profile === "full" ? 10_000 : 3_000;
    const sc = labelSetScenario({ jobs: 2_000, nodes: 550, sets: 2, executors: 2, durationMs: 600_000 });
    const stack = await startStack({ sim: sc, pollInterval: `${POLL_MS}ms`, clients: 1, jobsRefresh: `${POLL_MS * 5}ms` });
    try {
      let cycles = 0;
      stack.daemon.poller.on("cycle", () => cycles++);
      const perCycle = async (running: number): Promise<number> => {
        await until(`${running} running builds seen`, () => stack.daemon.poller.runningBuilds.length >= running, 30_000, 50);
        await sleep(POLL_MS * 3);
        stack.sim.clearRequestLog();
        const c0 = cycles;
        await sleep(windowMs);
        return stack.sim.requestLog().length / Math.max(1, cycles - c0);
      };
      for (let i = 0; i < 10; i++) stack.sim.triggerBuild(`job-${String(i).padStart(5, "0")}`, {}, { delaySec: 0 });
      const at10 = await perCycle(10);
      for (let i = 10; i < 1000; i++) stack.sim.triggerBuild(`job-${String(i).padStart(5, "0")}`, {}, { delaySec: 0 });
      const at1000 = await perCycle(1000);
      // Builds through the sidecar: 50 builds of 1 s on the jobs not running yet (100 executors left free).
      const n = 50;
      for (let i = 1000; i < 1000 + n; i++) stack.sim.setJobScript(`job-${String(i).padStart(5, "0")}`, { durationMs: 1000 });
      stack.sim.clearRequestLog();
      const c0 = cycles;
      const client = stack.clients[0]!;
      const results = await Promise.all(
        Array.from({ length: n }, async (_, k) => {
          const uuid = randomUUID().replace(/-/g, "");
          const j = await client.submit(`build:job-${String(1000 + k).padStart(5, "0")}`, JSON.stringify(zuulParams(uuid)), { unique: uuid });
          return Promise.race([j.result, sleep(30_000).then(() => ({ kind: "timeout" as const }))]);
        }),
      );
      await sleep(POLL_MS * 2);
      const log = stack.sim.requestLog();
      // Counted by path rather than as total minus cycles x average, which was off by a job-list
      // refresh (1 request every 5 cycles) either way.
      const nonCycle = log.filter((r) => !CYCLE_PATH.test(r.path.split("?")[0]!));
      // The CSRF crumb is fetched once per session (and again only when Jenkins rejects it), not per build.
      const crumbs = nonCycle.filter((r) => r.path.startsWith("/crumbIssuer/")).length;
      const perBuild = nonCycle.filter((r) => !r.path.startsWith("/crumbIssuer/"));
      const extra = perBuild.length / n;
      const kinds = new Map<string, number>();
      for (const r of perBuild) {
        const k = `${r.method} ${r.path.split("?")[0]!.replace(/job-\d+/, "J").replace(/\/\d+\//, "/N/")}`;
        kinds.set(k, (kinds.get(k) ?? 0) + 1);
      }
      ctx.note(`per-build requests: ${[...kinds].map(([k, v]) => `${k} x${v}`).join(", ")}; crumb fetches ${crumbs}; cycle requests ${log.length - nonCycle.length} in ${cycles - c0} cycles`);
      const ok = results.filter((r) => r.kind === "complete").length;
      ctx.note(`per cycle: ${at10.toFixed(2)} at 10, ${at1000.toFixed(2)} at 1000 running; ${extra.toFixed(2)} extra requests per build (${ok}/${n} complete)`);
      const out: Sample[] = [
        { figure: "requests per poll cycle, 10 running", value: at10, unit: "req" },
        { figure: "requests per poll cycle, 1,000 running", value: at1000, unit: "req" },
        { figure: "per-cycle ratio 1,000 / 10 running", value: at1000 / at10, unit: "x", target: { op: "<=", value: 1.1 } },
        { figure: "requests per build beyond cycles (trigger+start+finish)", value: extra, unit: "req", target: { op: "<=", value: 3 } },
        { figure: "CSRF crumb fetches during the 50 builds (once per session)", value: crumbs, unit: "req" },
      ];
      return out;
    } finally {
      await stack.close();
    }
  },
};
