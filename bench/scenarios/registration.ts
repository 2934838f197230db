/**
 * Scenario 2 (issues 4 and 7): a master of J jobs on N nodes in S label sets (exactly S distinct
 * function sets), registered on a fresh gearmand by an in-process sidecar. Measures the time from
 * sidecar start until gearmand's `status` lists every function with a worker, the CAN_DO packets
 * we sent against the plugin's one-connection-per-executor model, and gearmand's CPU time for it.
 */
import { pluginCanDoCount } from "../../src/bridge/index.js";
import { cpuMsOf, labelSetScenario, startGearmandOnly, startStack, until, type Sample, type Scenario } from "../lib.js";

const EXECUTORS = 2;
/** The plugin's `<MASTER>_manager` connection registers stop: and set_description: too. */
const MANAGEMENT_FUNCTIONS = 2;

async function measure(o: { jobs: number; nodes: number; sets: number }, timeoutMs: number): Promise<{ ms: number; ours: number; plugin: number; gearmandCpuMs: number; groups: number; functions: number }> {
  const g = await startGearmandOnly();
  const sc = labelSetScenario({ ...o, executors: EXECUTORS, durationMs: 0 });
  const cpu0 = cpuMsOf(g.gearmand.pid);
  const stack = await startStack({ sim: { jobs: sc.jobs, nodes: sc.nodes, logRequests: false }, pollInterval: "1s", clients: 0, gearmand: g });
  try {
    // Every job registers build:JOB and build:JOB:LABEL; plus stop: and set_description: of the master.
    const want = o.jobs * 2 + MANAGEMENT_FUNCTIONS;
    let seen = 0;
    await until(
      `${want} functions with workers in gearmand status`,
      async () => {
        const st = await stack.admin.status();
        seen = st.filter((f) => f.workers > 0).length;
        return seen >= want;
      },
      timeoutMs,
      100,
    );
    const ms = Date.now() - stack.startedAt;
    const gearmandCpuMs = cpuMsOf(g.gearmand.pid) - cpu0;
    const groups = stack.daemon.bridge.registrar.groups().filter((gr) => !gr.retired);
    const ours = groups.reduce((n, gr) => n + gr.worker.stats().canDoSent, 0) + stack.daemon.bridge.management.functions.length;
    const execOf = new Map(sc.nodes.map((n) => [n.name, n.executors ?? 1]));
    const plugin =
      pluginCanDoCount(groups.flatMap((gr) => gr.nodes.map((n) => ({ executors: execOf.get(n) ?? 1, functions: gr.functions.length })))) + MANAGEMENT_FUNCTIONS;
    return { ms, ours, plugin, gearmandCpuMs, groups: groups.length, functions: seen };
  } finally {
    await stack.close();
    await g.gearmand.stop();
  }
}

export const registrationScenario: Scenario = {
  name: "registration",
  runs: () => 3,
  async run(ctx) {
    const out: Sample[] = [];
    const small = await measure({ jobs: 1_000, nodes: 200, sets: 4 }, 20_000);
    ctx.note(`1k jobs/200 nodes/4 sets: ${small.ms} ms, ours ${small.ours} CAN_DO vs plugin ${small.plugin}, ${small.groups} groups`);
    out.push(
      { figure: "1k jobs/200 nodes/4 sets: CAN_DO sent (ours)", value: small.ours, unit: "pkts" },
      { figure: "1k jobs/200 nodes/4 sets: CAN_DO plugin model", value: small.plugin, unit: "pkts" },
      { figure: "1k jobs/200 nodes/4 sets: plugin / ours", value: small.plugin / small.ours, unit: "x" },
    );
    const big = ctx.profile === "full" ? { jobs: 20_000, nodes: 1_000, sets: 20 } : { jobs: 20_000, nodes: 1_000, sets: 20 };
    const tag = `${big.jobs / 1000}k jobs/${big.nodes} nodes/${big.sets} sets`;
    const r = await measure(big, 60_000);
    ctx.note(`${tag}: ${r.ms} ms, ours ${r.ours} CAN_DO vs plugin ${r.plugin}, gearmand ${r.gearmandCpuMs} ms CPU, ${r.groups} groups, ${r.functions} functions`);
    out.push(
      { figure: `${tag}: start -> all in gearmand status`, value: r.ms, unit: "ms", target: { op: "<=", value: 5000 } },
      { figure: `${tag}: worker connections (groups)`, value: r.groups, unit: "" },
      { figure: `${tag}: CAN_DO sent (ours)`, value: r.ours, unit: "pkts" },
      { figure: `${tag}: CAN_DO plugin model (2 exec/node)`, value: r.plugin, unit: "pkts" },
      { figure: `${tag}: plugin / ours`, value: r.plugin / r.ours, unit: "x", target: { op: ">=", value: 100 } },
      { figure: `${tag}: gearmand CPU for registration`, value: r.gearmandCpuMs, unit: "ms" },
    );
    return out;
  },
};
