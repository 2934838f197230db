/** Scenario 1 (issue 2): small jobs through gearmand with our client + worker; 20,000 functions on one connection. */
import { benchGearman } from "../gearman.js";
import type { Sample, Scenario } from "../lib.js";

export const gearmanScenario: Scenario = {
  name: "gearman",
  runs: (p) => (p === "full" ? 5 : 3),
  async run(ctx) {
    const jobs = ctx.profile === "full" ? 10_000 : 2_000;
    const r = await benchGearman({ jobs, concurrency: 32 });
    ctx.note(`${jobs} jobs: ${r.jobsPerSec.toFixed(0)}/s, p50 ${r.p50Ms.toFixed(2)} ms; 20k reg ${r.regMs20k.toFixed(0)} ms; CLI ${r.cliJobsPerSec?.toFixed(0) ?? r.cliNote ?? "n/a"}`);
    const out: Sample[] = [
      { figure: `our client+worker jobs/s (${jobs} jobs, 32 in flight)`, value: r.jobsPerSec, unit: "jobs/s" },
      { figure: "our round trip p50 (baseline)", value: r.p50Ms, unit: "ms" },
      { figure: "our round trip p99", value: r.p99Ms, unit: "ms" },
      { figure: "register 20,000 functions, one connection", value: r.regMs20k, unit: "ms" },
    ];
    if (r.cliJobsPerSec !== undefined) {
      out.push({ figure: "gearman CLI jobs/s (-w echo, -n batch)", value: r.cliJobsPerSec, unit: "jobs/s" });
      out.push({ figure: "ours / CLI jobs/s", value: r.jobsPerSec / r.cliJobsPerSec, unit: "x" });
    }
    return out;
  },
};
