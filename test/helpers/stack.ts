/**
 * A whole stack for integration tests: Jenkins simulators, sidecar daemons, and a Gearman
 * client playing Zuul v2 (the arguments it sends, unique = ZUUL_UUID, registration checked
 * through the admin `status` as Zuul's isJobRegistered does: docs/contract.md "Admin status and workers").
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { loadConfig } from "../../src/config/index.js";
import { Daemon, type DaemonOptions } from "../../src/daemon.js";
import { GearmanAdmin, GearmanClient, type ClientJob, type GearmanClientOptions, type ServerAddress } from "../../src/gearman/index.js";
import { silentLogger, type Logger } from "../../src/log.js";
import { startSimulator, type JenkinsSimulator, type SimJobSpec, type SimNodeSpec, type SimulatorOptions } from "../../src/simulator/index.js";

export const ZUUL_PARAMS = [
  "ZUUL_UUID",
  "ZUUL_PROJECT",
  "ZUUL_PIPELINE",
  "ZUUL_URL",
  "ZUUL_BRANCH",
  "ZUUL_CHANGES",
  "ZUUL_REF",
  "ZUUL_COMMIT",
  "ZUUL_CHANGE_IDS",
  "ZUUL_CHANGE",
  "ZUUL_PATCHSET",
  "BASE_LOG_PATH",
  "LOG_PATH",
  "OFFLINE_NODE_WHEN_COMPLETE",
];

/** A started Gearman client (playing Zuul), connected to at least one server within 5 s. */
export async function connectClient(servers: ServerAddress[], o: Omit<GearmanClientOptions, "servers"> = {}): Promise<GearmanClient> {
  const client = new GearmanClient({ ...o, servers });
  client.start();
  await client.waitConnected(5000);
  return client;
}

/** A freestyle job declaring Zuul's parameters and a NodeLabel `NODE` parameter. */
export function zuulJob(name: string, labelExpression: string | null, o: Partial<SimJobSpec> = {}): SimJobSpec {
  return {
    name,
    labelExpression,
    parameters: [...ZUUL_PARAMS.map((p) => ({ name: p, type: "string" as const, default: "" })), { name: "NODE", type: "node" as const }],
    durationMs: 200,
    ...o,
  };
}

/** The parameters Zuul v2 sends (zuul/launcher/gearman.py launch()). */
export function zuulParams(extra: Record<string, string> = {}): Record<string, string> {
  const uuid = randomUUID().replace(/-/g, "");
  return {
    ZUUL_UUID: uuid,
    ZUUL_PROJECT: "openstack/nova",
    ZUUL_PIPELINE: "gate",
    ZUUL_URL: "http://zuul.example.org/p",
    ZUUL_BRANCH: "master",
    ZUUL_CHANGES: "openstack/nova:master:refs/changes/05/60105/3",
    ZUUL_REF: "refs/zuul/master/Z0123456789abcdef",
    ZUUL_COMMIT: "0123456789abcdef0123456789abcdef01234567",
    ZUUL_CHANGE_IDS: "60105,3",
    ZUUL_CHANGE: "60105",
    ZUUL_PATCHSET: "3",
    BASE_LOG_PATH: "05/60105/3/gate",
    LOG_PATH: "05/60105/3/gate/job/abc",
    ...extra,
  };
}

export interface Outcome {
  fn: string;
  uuid: string;
  kind: "complete" | "fail" | "exception" | "disconnected";
  /** Parsed JSON of every WORK_DATA. */
  data: Record<string, unknown>[];
  /** Parsed WORK_COMPLETE JSON (or null). */
  complete: Record<string, unknown> | null;
  statuses: [number, number][];
}

/** Submits as Zuul does and collects everything the client sees. */
export async function submitLikeZuul(
  client: GearmanClient,
  fn: string,
  params: Record<string, string> = zuulParams(),
  o: { priority?: "normal" | "high" | "low"; onJob?: (j: ClientJob) => void } = {},
): Promise<Outcome> {
  const uuid = params["ZUUL_UUID"] ?? randomUUID();
  const job = await client.submit(fn, JSON.stringify(params), { unique: uuid, priority: o.priority ?? "normal", timeoutMs: 30_000 });
  o.onJob?.(job);
  const data: Record<string, unknown>[] = [];
  const statuses: [number, number][] = [];
  job.on("data", (d) => data.push(JSON.parse(d.toString()) as Record<string, unknown>));
  job.on("status", (n, d) => statuses.push([n, d]));
  const r = await job.result;
  const complete = r.kind === "complete" && r.data.length > 0 ? (JSON.parse(r.data.toString()) as Record<string, unknown>) : null;
  return { fn, uuid, kind: r.kind, data, complete, statuses };
}

/** Waits until every function is listed with at least one worker in gearmand's `status`. */
export async function waitRegistered(admin: GearmanAdmin, fns: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await admin.status();
    const have = new Set(st.filter((f) => f.workers > 0).map((f) => f.name));
    const missing = fns.filter((f) => !have.has(f));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not registered within ${timeoutMs} ms: ${missing.join(", ")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function waitFor<T>(what: string, f: () => T | Promise<T>, timeoutMs = 10_000, everyMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface Master {
  sim: JenkinsSimulator;
  daemon: Daemon;
  name: string;
  stateFile: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  servers: ServerAddress[];
  masters: { name: string; jobs: SimJobSpec[]; nodes: SimNodeSpec[]; sim?: Partial<SimulatorOptions> }[];
  pollInterval?: string;
  zmq?: boolean;
  buildStartTimeout?: string;
}

export interface Stack {
  masters: Master[];
  client: GearmanClient;
  admin: GearmanAdmin;
  dir: string;
  close(): Promise<void>;
}

export interface MasterDaemonOptions {
  pollInterval?: string;
  /** @default true */
  zmq?: boolean;
  buildStartTimeout?: string;
  jenkinsTimeout?: string;
  jenkinsOverdue?: string;
  jobsRefresh?: string;
  jobDetailsRefresh?: string;
  nodesRefresh?: string;
  outageHold?: string;
  /** false: no --master-name (the sidecar learns it from Jenkins' root URL). */
  masterName?: false;
  gearmanConnection?: DaemonOptions["gearmanConnection"];
  /** @default silent */
  logger?: Logger;
}

export async function startMasterDaemon(
  sim: JenkinsSimulator,
  name: string,
  servers: ServerAddress[],
  stateFile: string,
  o: MasterDaemonOptions = {},
): Promise<Daemon> {
  const config = await loadConfig({
    env: {},
    flags: {
      jenkinsUrl: sim.address,
      gearman: servers.map((s) => `${s.host}:${s.port}`),
      zmqBind: "tcp://127.0.0.1:0",
      ...(o.zmq === false ? { zmq: false } : {}),
      adminListen: "127.0.0.1:0",
      ...(o.masterName === false ? {} : { masterName: name }),
      pollInterval: o.pollInterval ?? "100ms",
      jobsRefresh: o.jobsRefresh ?? "300ms",
      jobDetailsRefresh: o.jobDetailsRefresh ?? "1s",
      nodesRefresh: o.nodesRefresh ?? "1s",
      stateFile,
      ...(o.buildStartTimeout ? { buildStartTimeout: o.buildStartTimeout } : {}),
      ...(o.jenkinsTimeout ? { jenkinsTimeout: o.jenkinsTimeout } : {}),
      ...(o.jenkinsOverdue ? { jenkinsOverdue: o.jenkinsOverdue } : {}),
      ...(o.outageHold ? { outageHold: o.outageHold } : {}),
    },
  });
  const d = new Daemon({
    config,
    logger: o.logger ?? silentLogger(),
    gearmanConnection: { backoff: { initialMs: 50, maxMs: 500 }, ...o.gearmanConnection },
  });
  await d.start();
  return d;
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "jgs-stack-"));
  const masters: Master[] = [];
  for (const m of o.masters) {
    const sim = await startSimulator({ jobs: m.jobs, nodes: m.nodes, ...m.sim });
    const stateFile = join(dir, `${m.name}.json`);
    const mo = { pollInterval: o.pollInterval ?? "100ms", zmq: o.zmq ?? false, ...(o.buildStartTimeout ? { buildStartTimeout: o.buildStartTimeout } : {}) };
    const master: Master = {
      sim,
      name: m.name,
      stateFile,
      daemon: await startMasterDaemon(sim, m.name, o.servers, stateFile, mo),
      async restart() {
        await master.daemon.stop();
        master.daemon = await startMasterDaemon(sim, m.name, o.servers, stateFile, mo);
      },
      async stop() {
        await master.daemon.stop();
      },
    };
    masters.push(master);
  }
  const client = await connectClient(o.servers);
  const admin = new GearmanAdmin(o.servers[0]!);
  return {
    masters,
    client,
    admin,
    dir,
    async close() {
      await client.close().catch(() => undefined);
      await admin.close().catch(() => undefined);
      for (const m of masters) {
        await m.daemon.stop().catch(() => undefined);
        await m.sim.close().catch(() => undefined);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
