/**
 * Scenario 2 (issues 4 and 7): a master of J jobs on N nodes in S label sets (exactly S distinct
 * function sets), registered on a fresh gearmand by an in-process sidecar. Measures the time from
 * sidecar start until gearmand's `status` lists every function with a worker, the CAN_DO packets
 * we sent against the plugin's one-connection-per-executor model, and gearmand's CPU time for it.
 * Then the churn Nodepool makes with single-use nodes: CHURN nodes deleted and replaced by new
 * ones with the same labels. In the plugin model each new node's executors register their whole
 * function set; here a node joining an existing label set changes no registration at all.
 */
import { pluginCanDoCount } from "../../src/bridge/index.js";
import { cpuMsOf, labelSetScenario, sleep, startGearmandOnly, startStack, until, type Sample, type Scenario } from "../lib.js";

const EXECUTORS = 2;
/** The plugin's `<MASTER>_manager` connection registers stop: and set_description: too. */
const MANAGEMENT_FUNCTIONS = 2;
/** Nodes replaced after the registration (single-use nodes, as Nodepool makes them). */
const CHURN = 100;

interface Measured {
  ms: number;
  ours: number;
  plugin: number;
  /** Distinct functions: what any registration must send at least once per server. */
  distinct: number;
  gearmandCpuMs: number;
  groups: number;
  functions: number;
  churnOurs: number;
  churnPlugin: number;
}

async function measure(o: { jobs: number; nodes: number; sets: number }, timeoutMs: number): Promise<Measured> {
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
    const groups = stack.daemon.bridge.capacity.groups().filter((gr) => !gr.retired);
    // CAN_DO sent by every open group worker (a retired one still running jobs included).
    const sent = (): number => stack.daemon.bridge.capacity.groups().reduce((n, gr) => n + gr.worker.stats().canDoSent, 0);
    const ours = sent() + MANAGEMENT_FUNCTIONS;
    const execOf = new Map(sc.nodes.map((n) => [n.name, n.executors ?? 1]));
    const plugin =
      pluginCanDoCount(groups.flatMap((gr) => gr.nodes.map((n) => ({ executors: execOf.get(n) ?? 1, functions: gr.functions.length })))) + MANAGEMENT_FUNCTIONS;
    const distinct = new Set(groups.flatMap((gr) => gr.functions)).size + MANAGEMENT_FUNCTIONS;

    // Churn: replace CHURN nodes by new ones with the same labels, and wait for the poll to see it.
    // A replacement at once leaves both executor counts as they were, so it is seen at the next
    // node listing (nodesRefresh, 30 s by default: docs/architecture.md "Polling"), not the next poll.
    const before = sent();
    const fnsOf = new Map(groups.flatMap((gr) => gr.nodes.map((n) => [n, gr.functions.length] as const)));
    let churnPlugin = 0;
    for (const n of sc.nodes.slice(0, CHURN)) {
      stack.sim.removeNode(n.name);
      stack.sim.addNode({ ...n, name: `${n.name}-r` });
      churnPlugin += (execOf.get(n.name) ?? 1) * (fnsOf.get(n.name) ?? 0);
    }
    await until("replaced nodes seen", () => sc.nodes.slice(0, CHURN).every((n) => stack.daemon.poller.nodes.has(`${n.name}-r`) && !stack.daemon.poller.nodes.has(n.name)), 45_000, 50);
    await sleep(1_500);
    const churnOurs = sent() - before;
    return { ms, ours, plugin, distinct, gearmandCpuMs, groups: groups.length, functions: seen, churnOurs, churnPlugin };
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
      { figure: `${tag}: plugin / ours`, value: r.plugin / r.ours, unit: "x", target: { op: ">=", value: 100 }, digits: 3 },
      { figure: `${tag}: ours / lower bound (each distinct function once)`, value: r.ours / r.distinct, unit: "x", target: { op: "<=", value: 1 } },
      { figure: `${tag}: ${CHURN} nodes replaced: CAN_DO sent (ours)`, value: r.churnOurs, unit: "pkts" },
      { figure: `${tag}: ${CHURN} nodes replaced: CAN_DO plugin model`, value: r.churnPlugin, unit: "pkts" },
      { figure: `${tag}: gearmand CPU for registration`, value: r.gearmandCpuMs, unit: "ms" },
    );
    return out;
  },
};
