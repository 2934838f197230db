/**
 * Scenario 6: RSS of a sidecar process at 20,000 jobs / 1,000 nodes with 500 long builds in flight
 * through Gearman, then a soak (60 s quick, 10 min --full) sampling RSS every 2 s; the slope
 * (MiB/min) by least squares. The sidecar is started as deployed: the installed command
 * (bin/jenkins-gearman-sidecar.js, whose shebang runs node --optimize-for-size) on the compiled
 * dist/ (`npm run bench` builds it first). One extra run starts dist/cli.js on V8's defaults, to
 * show what the flag is worth.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { GearmanAdmin, GearmanClient } from "../../src/gearman/index.js";
import { startSimulator } from "../../src/simulator/index.js";
import { labelSetScenario, rssMiBOf, sleep, slope, startGearmandOnly, until, zuulParams, type Sample, type Scenario } from "../lib.js";

const BIN = "bin/jenkins-gearman-sidecar.js";
const DIST = "dist/cli.js";

export const memoryScenario: Scenario = {
  name: "memory",
  runs: () => 4,
  async run(ctx, index) {
    if (!existsSync(DIST)) throw new Error(`memory: ${DIST} is missing; run \`npm run build\` (npm run bench does)`);
    // Runs 0-2: as deployed; the soak runs once (run 2). Run 3: V8 defaults, at load only.
    const v8Defaults = index === 3;
    const soakMs = index === 2 ? (ctx.profile === "full" ? 600_000 : 60_000) : 0;
    const tag = v8Defaults ? " (V8 defaults, no --optimize-for-size; 1 run)" : "";
    const g = await startGearmandOnly();
    const sc = labelSetScenario({ jobs: 20_000, nodes: 1_000, sets: 20, executors: 1, durationMs: 3_600_000 });
    const sim = await startSimulator({ ...sc, quietPeriodSec: 0, logRequests: false });
    const dir = mkdtempSync(join(tmpdir(), "jgs-mem-"));
    const child = spawn(
      v8Defaults ? process.execPath : BIN,
      [...(v8Defaults ? [DIST] : []), "run", "--jenkins-url", sim.url, "--gearman", `${g.addr.host}:${g.addr.port}`, "--admin-listen", "127.0.0.1:0", "--zmq-bind", "tcp://127.0.0.1:0", "--state-file", join(dir, "state.json"), "--poll-interval", "1s", "--log-level", "error", "--master-name", "mem"],
      { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, JGS_CLI_MAIN: "1" } },
    );
    const admin = new GearmanAdmin(g.addr, { timeoutMs: 20_000 });
    const client = new GearmanClient({ servers: [g.addr] });
    client.start();
    try {
      const pid = child.pid ?? -1;
      await until("registration", async () => (await admin.status()).filter((f) => f.workers > 0).length >= 40_002, 60_000, 200);
      const idle = rssMiBOf(pid);
      // 500 builds in flight: 25 jobs on each of the 20 labels (50 nodes per label).
      for (let i = 0; i < 500; i++) {
        const uuid = randomUUID().replace(/-/g, "");
        const j = await client.submit(`build:job-${String(i).padStart(5, "0")}`, JSON.stringify(zuulParams(uuid)), { unique: uuid });
        j.result.catch(() => undefined);
      }
      await until("500 builds running", () => sim.runningBuilds().length >= 500, 60_000, 200);
      // The highest of 10 samples over the next 10 s (job-list refreshes included), not one lucky one.
      let loaded = 0;
      for (let k = 0; k < 10; k++) {
        await sleep(1_000);
        loaded = Math.max(loaded, rssMiBOf(pid));
      }
      ctx.note(`RSS idle ${idle.toFixed(0)} MiB, 500 in flight ${loaded.toFixed(0)} MiB`);
      const out: Sample[] = [
        { figure: `sidecar RSS, 20k jobs/1k nodes registered${tag}`, value: idle, unit: "MiB" },
        v8Defaults
          ? { figure: `sidecar RSS, + 500 builds in flight${tag}`, value: loaded, unit: "MiB" }
          : { figure: "sidecar RSS, + 500 builds in flight", value: loaded, unit: "MiB", target: { op: "<=", value: 200 } },
      ];
      if (soakMs > 0) {
        const t0 = Date.now();
        const xs: number[] = [];
        const ys: number[] = [];
        while (Date.now() - t0 < soakMs) {
          xs.push((Date.now() - t0) / 60_000);
          ys.push(rssMiBOf(pid));
          await sleep(2_000);
        }
        const s = slope(xs, ys);
        ctx.note(`soak ${soakMs / 1000} s: RSS ${Math.min(...ys).toFixed(0)}-${Math.max(...ys).toFixed(0)} MiB, slope ${s.toFixed(2)} MiB/min`);
        // The target is about a 10-minute soak; a 1-minute slope (quick profile) is mostly where the
        // GC happened to run, so it is shown without a verdict.
        out.push(
          ctx.profile === "full"
            ? { figure: "RSS slope over a 10-min soak (1 run)", value: s, unit: "MiB/min", target: { op: "<=", value: 0.5 } }
            : { figure: "RSS slope over a 1-min soak (1 run; indicative, judged on --full)", value: s, unit: "MiB/min" },
        );
        out.push({ figure: "RSS max during soak", value: Math.max(...ys), unit: "MiB", target: { op: "<=", value: 200 } });
      }
      return out;
    } finally {
      child.kill("SIGINT");
      await sleep(200);
      child.kill("SIGINT");
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
      await client.close().catch(() => undefined);
      await admin.close().catch(() => undefined);
      await sim.close();
      await g.gearmand.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
