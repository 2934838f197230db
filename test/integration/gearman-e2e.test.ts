/** Our client, worker and admin end to end through the real gearmand (docs/contract.md "The Gearman protocol", "Admin status and workers"). */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  GearmanAdmin,
  GearmanClient,
  GearmanServerError,
  GearmanWorker,
  type ClientJob,
  type ServerAddress,
  type WorkerJob,
} from "../../src/gearman/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";

const FAST = { backoff: { initialMs: 10, maxMs: 100 }, echoIntervalMs: 0 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
const addrOf = (g: Gearmand): ServerAddress => ({ host: g.host, port: g.port });

void describe("gearman client + worker + admin through one gearmand", { timeout: 60_000 }, () => {
  let g: Gearmand;
  let worker: GearmanWorker;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  const seen: WorkerJob[] = [];
  /** What the worker does per function. */
  let behaviour: (j: WorkerJob) => void = () => undefined;

  before(async () => {
    g = await startGearmand();
    worker = new GearmanWorker({ clientId: "e2e-worker", servers: [addrOf(g)], capacity: 4, connection: FAST });
    worker.on("job", (j) => {
      seen.push(j);
      behaviour(j);
    });
    worker.setFunctions(["echo", "slow", "bg"]);
    worker.start();
    client = new GearmanClient({ servers: [addrOf(g)], clientId: "e2e-client", connection: FAST });
    client.start();
    await client.waitConnected();
    admin = new GearmanAdmin(addrOf(g), { timeoutMs: 3000 });
    await waitFor(async () => (await admin.status()).some((f) => f.name === "echo" && f.workers === 1), 5000, "worker registered");
  });
  after(async () => {
    await Promise.all([worker.close(), client.close(), admin.close()]);
    await g.stop();
  });

  void it("runs foreground submits of every priority: WORK_DATA, WORK_STATUS, then WORK_COMPLETE", async () => {
    behaviour = (j) => {
      j.sendData(`data:${j.data.toString()}`);
      j.sendStatus(1, 2);
      j.complete(`done:${j.data.toString()}`);
    };
    for (const priority of ["normal", "high", "low"] as const) {
      const job = await client.submit("echo", priority, { priority, unique: `u-${priority}` });
      const statuses: [number, number][] = [];
      job.on("status", (n, d) => statuses.push([n, d]));
      const r = await job.result;
      assert.deepEqual(r, { kind: "complete", data: Buffer.from(`done:${priority}`) });
      assert.deepEqual(job.dataPackets.map(String), [`data:${priority}`, `done:${priority}`]);
      assert.deepEqual(statuses, [[1, 2]]);
      assert.equal(seen.at(-1)!.unique, `u-${priority}`);
    }
  });

  void it("runs a background submit; GET_STATUS follows it", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    behaviour = (j) => {
      j.sendStatus(3, 10);
      void gate.then(() => j.complete());
    };
    const job = await client.submit("bg", "x", { background: true, priority: "low" });
    assert.equal(job.background, true);
    assert.equal(job.ended, true);
    await waitFor(() => seen.at(-1)?.handle === job.handle, 3000, "background job at worker");
    await waitFor(async () => (await client.getStatus(job.handle)).numerator === 3, 3000, "status 3/10");
    assert.deepEqual(await client.getStatus(job.handle), { known: true, running: true, numerator: 3, denominator: 10 });
    release();
    await waitFor(async () => !(await client.getStatus(job.handle)).known, 3000, "job gone");
    assert.deepEqual(await client.getStatus("H:nowhere:1"), { known: false, running: false, numerator: 0, denominator: 0 });
  });

  void it("admin: workers lists our client id and functions, version, cancel job of a queued job", async () => {
    const ws = await admin.workers();
    const me = ws.find((w) => w.clientId === "e2e-worker");
    assert.deepEqual(me?.functions.sort(), ["bg", "echo", "slow"]);
    assert.match(await admin.version(), /^1\.1\.\d+/);
    // A function nobody serves: the job stays queued and can be cancelled (docs/contract.md "Admin status and workers").
    const job = await client.submit("nobody-serves", "x");
    assert.equal(await admin.cancelJob(job.handle), true);
    assert.deepEqual(await job.result, { kind: "fail" });
    assert.equal(await admin.cancelJob("H:nowhere:99"), false);
    // docs/contract.md "Admin status and workers": `shutdown` was removed in 1.1.15; gearmand answers ERR UNKNOWN_COMMAND.
    await assert.rejects(admin.command("shutdown", "single"), (e: unknown) => e instanceof GearmanServerError && e.code === "UNKNOWN_COMMAND");
    // The connection stays usable after an ERR.
    assert.match(await admin.version(), /^1\.1\./);
  });

  void it("keeps exact capacity with real gearmand: never more than 4 jobs at the worker", async () => {
    let active = 0;
    let peak = 0;
    behaviour = (j) => {
      active++;
      peak = Math.max(peak, active);
      setTimeout(() => {
        active--;
        j.complete("ok");
      }, 5);
    };
    const jobs: ClientJob[] = await Promise.all(Array.from({ length: 40 }, (_, i) => client.submit("slow", String(i))));
    const results = await Promise.all(jobs.map((j) => j.result));
    assert.ok(results.every((r) => r.kind === "complete"));
    assert.ok(peak <= 4, `peak ${peak}`);
    assert.ok(peak >= 2, `jobs ran in parallel (peak ${peak})`);
  });
});

void describe("gearman worker over two gearmands, and reconnect", { timeout: 60_000 }, () => {
  let g1: Gearmand;
  let g2: Gearmand;
  before(async () => {
    [g1, g2] = await Promise.all([startGearmand(), startGearmand()]);
  });
  after(async () => {
    await Promise.all([g1.stop(), g2.stop()]);
  });

  void it("takes jobs from both servers with one capacity, and re-registers after gearmand restarts", async () => {
    const worker = new GearmanWorker({ clientId: "two", servers: [addrOf(g1), addrOf(g2)], capacity: 2, connection: FAST });
    const statuses: string[] = [];
    worker.on("status", (s) => statuses.push(`${s.server} ${s.status}`));
    worker.on("job", (j) => j.complete(`${j.server}`));
    worker.setFunctions(["multi"]);
    worker.start();
    const c1 = new GearmanClient({ servers: [addrOf(g1)], connection: FAST });
    const c2 = new GearmanClient({ servers: [addrOf(g2)], connection: FAST });
    const a1 = new GearmanAdmin(addrOf(g1));
    c1.start();
    c2.start();
    try {
      await Promise.all([c1.waitConnected(), c2.waitConnected()]);
      const [r1, r2] = await Promise.all([
        (await c1.submit("multi", "a")).result,
        (await c2.submit("multi", "b")).result,
      ]);
      assert.deepEqual(r1, { kind: "complete", data: Buffer.from(`127.0.0.1:${g1.port}`) });
      assert.deepEqual(r2, { kind: "complete", data: Buffer.from(`127.0.0.1:${g2.port}`) });

      // A foreground job in flight when gearmand dies: its client sees "disconnected".
      worker.setCapacity(0);
      await waitFor(() => worker.outstandingGrabs === 0, 3000, "no grabs");
      const pending = await c1.submit("multi", "lost");
      await g1.restart();
      assert.deepEqual(await pending.result, { kind: "disconnected" });
      worker.setCapacity(2);
      await waitFor(() => worker.stats().reconnects >= 1, 5000, "worker reconnect");
      await waitFor(
        async () => (await a1.status().catch(() => [])).some((f) => f.name === "multi" && f.workers === 1),
        5000,
        "re-registration on the restarted gearmand",
      );
      assert.ok(statuses.includes(`127.0.0.1:${g1.port} disconnected`));
      await c1.waitConnected();
      await waitFor(() => worker.serverStatus().every((s) => s.status === "connected"), 5000, "both connected");
      const again = await c1.submit("multi", "after-restart");
      assert.equal((await again.result).kind, "complete");
    } finally {
      await Promise.all([worker.close(), c1.close(), c2.close(), a1.close()]);
    }
  });

  void it("client round-robins over both servers and tries the next one when a server is down", async () => {
    const client = new GearmanClient({ servers: [addrOf(g1), addrOf(g2)], connection: FAST });
    client.start();
    try {
      await client.waitConnected();
      await sleep(50);
      const handles = await Promise.all(Array.from({ length: 4 }, () => client.submit("rr", "x", { background: true })));
      const servers = new Set(handles.map((h) => h.server));
      assert.equal(servers.size, 2, "both servers got submits");
      await g2.kill();
      const after = await client.submit("rr", "y", { background: true, timeoutMs: 2000 });
      assert.equal(after.server, `127.0.0.1:${g1.port}`);
      await g2.restart();
    } finally {
      await client.close();
    }
  });
});
