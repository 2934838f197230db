/** A Bridge on fake ports, with a clock the test moves (docs/architecture.md "The life of a Gearman job"). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Bridge, type BridgeOptions } from "../../../src/bridge/index.js";
import type { JobInfo, NodeInfo } from "../../../src/bridge/ports.js";
import { silentLogger } from "../../../src/log.js";
import { FakeJenkins, FakePoller, FakeWorker, J, jobInfo, nodeInfo, reported, settle, until, type FakeJob } from "./fakes.js";

export interface Harness {
  bridge: Bridge;
  jenkins: FakeJenkins;
  poller: FakePoller;
  workers: FakeWorker[];
  stateFile: string;
  clock: { now: number };
  /** The worker of the group serving `node`. */
  group(node?: string): FakeWorker;
  close(): Promise<void>;
}

export async function harness(
  o: { jobs?: JobInfo[]; nodes?: NodeInfo[]; stateFile?: string; options?: Partial<BridgeOptions> } = {},
): Promise<Harness> {
  const dir = o.stateFile === undefined ? mkdtempSync(join(tmpdir(), "bridge-")) : null;
  const stateFile = o.stateFile ?? join(dir ?? "", "state.json");
  const jenkins = new FakeJenkins();
  const poller = new FakePoller();
  const workers: FakeWorker[] = [];
  const clock = { now: 1_000_000 };
  const bridge = new Bridge({
    masterName: "jenkins01",
    jenkins,
    poller,
    stateFile,
    rootUrl: J,
    createWorker: (id) => {
      const w = new FakeWorker(id);
      workers.push(w);
      return w;
    },
    logger: silentLogger(),
    now: () => clock.now,
    placementWaitMs: 10_000,
    ...o.options,
  });
  await bridge.start();
  poller.load(o.jobs ?? [jobInfo("ok", "linux")], o.nodes ?? [nodeInfo("n1", ["linux"], 2)]);
  await settle();
  return {
    bridge,
    jenkins,
    poller,
    workers,
    stateFile,
    clock,
    group(node = "n1") {
      const g = bridge.capacity.groups().find((x) => x.nodes.includes(node));
      const w = workers.find((x) => x.clientId === g?.clientId);
      if (w === undefined) throw new Error(`no group for ${node}`);
      return w;
    },
    async close() {
      await bridge.close();
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Zuul's arguments with a ZUUL_UUID. */
export function args(uuid: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ZUUL_UUID: uuid, ZUUL_BRANCH: "master", ...extra };
}

/** The outcome codes the bridge reports, in order ("result X" for a completion, which has none). */
export function codes(h: Harness): string[] {
  const out: string[] = [];
  h.bridge.on("outcome", (o) => out.push(o.code ?? `result ${o.result ?? ""}`));
  return out;
}

/** `build:ok` grabbed as u1, and its build ok #1 started on n1 from queue item 100. */
export async function startedOk(h: Harness): Promise<FakeJob> {
  const job = h.group().assign("build:ok", "u1", args("u1"));
  await until("queued", () => h.poller.followed.length === 1);
  h.poller.started(reported("ok", 1, "n1", { queueId: 100 }));
  return job;
}
