/**
 * A connection of ours never drops a packet it accepted. Every way a group's
 * worker connection closes or changes while a build runs (the last node of its label lost or
 * deleted, a relabel that retires the group, a node taken offline, the job deleted, a drain,
 * a shutdown, a reconnect) ends with the result reaching Zuul through the real gearmand, and
 * nothing left queued there (docs/architecture.md "Capacity").
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { Daemon } from "../../src/daemon.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { startFaultDaemon, TcpProxy } from "../helpers/faults.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Outcome } from "../helpers/stack.js";

/** Each case on its own label, on its own single node, so that losing it retires its group. */
const CASES = ["dropped", "deleted", "relabelled", "offline", "jobdeleted", "drained", "reconnect"] as const;

void describe("faults: every close of a group's connection delivers the result (docs/architecture.md \"Capacity\")", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let proxy: TcpProxy;
  let sim: JenkinsSimulator;
  let daemon: Daemon;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;

  before(async () => {
    gd = await startGearmand();
    proxy = new TcpProxy({ host: gd.host, port: gd.port });
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), "jgs-close-"));
    sim = await startSimulator({
      jobs: CASES.map((c) => zuulJob(`job-${c}`, c, { durationMs: c === "relabelled" || c === "offline" || c === "drained" || c === "reconnect" ? 1500 : 600_000 })),
      nodes: CASES.map((c) => ({ name: `node-${c}`, labels: [c], executors: 1 })),
    });
    // The sidecar reaches gearmand through the proxy, so the reconnect case can cut its connections.
    daemon = await startFaultDaemon(sim, "jenkins01", [{ host: "127.0.0.1", port: proxy.port }], join(dir, "state.json"), { nodesRefresh: "300ms" });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
    await waitRegistered(admin, CASES.map((c) => `build:job-${c}:${c}`));
  });
  after(async () => {
    await client?.close();
    await admin?.close();
    await daemon?.stop();
    await sim?.close();
    await proxy?.close();
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Submits a build of the case's job and waits until it runs in Jenkins. */
  async function running(c: (typeof CASES)[number]): Promise<{ done: Promise<Outcome>; number: () => number }> {
    let number = 0;
    const done = submitLikeZuul(client, `build:job-${c}:${c}`, zuulParams(), { onJob: (j) => j.on("data", (d) => (number = (JSON.parse(d.toString()) as { number: number }).number)) });
    await waitFor(`${c}: build started`, () => number > 0, 10_000);
    return { done, number: () => number };
  }

  async function queuedInGearmand(fn: string): Promise<number> {
    return (await admin.status()).find((f) => f.name === fn)?.total ?? 0;
  }

  void it("the last node of a label loses its agent mid-build: WORK_FAIL arrives, nothing stays queued in gearmand", async () => {
    const r = await running("dropped");
    sim.dropAgent("node-dropped");
    const o = await r.done;
    assert.equal(o.kind, "fail");
    assert.equal(await queuedInGearmand("build:job-dropped:dropped"), 0, "gearmand did not requeue the job");
    // The reason is a code from a small fixed set (bridge/outcome.ts), never free text with node names.
    const metrics = await (await fetch(`${daemon.adminUrl ?? ""}metrics`)).text();
    assert.match(metrics, /^jgs_jobs_failed_total\{reason="node_lost"\} 1$/m);
    assert.doesNotMatch(metrics, /jgs_jobs_failed_total\{reason="[^"]*node-/, "no node name in a label");
  });

  void it("the last node of a label is deleted mid-build: WORK_FAIL arrives", async () => {
    const r = await running("deleted");
    sim.removeNode("node-deleted");
    assert.equal((await r.done).kind, "fail");
    assert.equal(await queuedInGearmand("build:job-deleted:deleted"), 0);
  });

  void it("a relabel retires the group mid-build: the build goes on and WORK_COMPLETE arrives on the retired connection", async () => {
    const r = await running("relabelled");
    sim.setNodeLabels("node-relabelled", ["elsewhere"]);
    const o = await r.done;
    assert.equal(o.complete?.["result"], "SUCCESS");
    await waitFor("the retired function unregistered", async () => ((await admin.status()).find((f) => f.name === "build:job-relabelled:relabelled")?.workers ?? 0) === 0, 10_000);
  });

  void it("the node is taken offline (temporarily) mid-build: its functions go, the build goes on and reports", async () => {
    const r = await running("offline");
    sim.setNodeOffline("node-offline", true, "maintenance");
    const o = await r.done;
    assert.equal(o.complete?.["result"], "SUCCESS");
    sim.setNodeOffline("node-offline", false);
  });

  void it("the job is deleted mid-build: WORK_FAIL arrives, and its functions go", async () => {
    const r = await running("jobdeleted");
    sim.removeJob("job-jobdeleted");
    assert.equal((await r.done).kind, "fail");
    await waitFor("unregistered", async () => ((await admin.status()).find((f) => f.name === "build:job-jobdeleted:jobdeleted")?.workers ?? 0) === 0, 10_000);
  });

  void it("a connection cut mid-build: the worker reconnects, gearmand hands the job back, the build is adopted and reports once", async () => {
    const r = await running("reconnect");
    const cut = proxy.cut();
    assert.ok(cut > 0);
    const o = await r.done;
    assert.equal(o.complete?.["result"], "SUCCESS");
    assert.equal(sim.builds("job-reconnect").length, 1, "not triggered again");
  });

  void it("a drain, then the shutdown: the build in flight reports before the connections close (last: it stops the daemon)", async () => {
    const r = await running("drained");
    const safe = await daemon.drainAndStop(10_000);
    assert.equal(safe, true);
    const o = await r.done;
    assert.equal(o.complete?.["result"], "SUCCESS");
    assert.equal(await queuedInGearmand("build:job-drained:drained"), 0);
  });
});
