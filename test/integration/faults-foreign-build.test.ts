/**
 * A foreign build takes the executor a pinned build was placed on (issue 15, "Also open";
 * docs/architecture.md "The life of a Gearman job"): the build moves to another free node of
 * its group instead of waiting behind it until the start timeout fails it.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { Daemon } from "../../src/daemon.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { startFaultDaemon } from "../helpers/faults.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitRegistered, zuulJob, zuulParams } from "../helpers/stack.js";

void describe("faults: a foreign build takes the placed executor", { timeout: 60_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let daemon: Daemon;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-foreign-"));
    gd = await startGearmand();
    sim = await startSimulator({
      jobs: [zuulJob("ours", "linux", { durationMs: 200 }), zuulJob("foreign", "linux", { durationMs: 30_000 })],
      nodes: [{ name: "a", labels: ["linux"], executors: 1 }, { name: "b", labels: ["linux"], executors: 1 }],
    });
    // A slow poll, so a foreign build can take an executor between the picture and the trigger.
    daemon = await startFaultDaemon(sim, "jenkins01", [{ host: gd.host, port: gd.port }], join(dir, "state.json"), { pollInterval: "2s" });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
    await waitRegistered(admin, ["build:ours"]);
  });
  after(async () => {
    await client?.close();
    await admin?.close();
    await daemon?.stop();
    await sim?.close();
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it("the pinned build moves to the other free node and reports there; no WORK_FAIL, one build", async () => {
    await submitLikeZuul(client, "build:ours"); // warms the job's parameter cache
    await new Promise<void>((r) => daemon.poller.once("cycle", () => r()));
    // Right after a poll: the picture shows a and b free; a foreign build takes a (the node the sidecar picks first).
    sim.triggerBuild("foreign", { NODE: "a" }, { delaySec: 0 });
    const p = zuulParams();
    const o = await submitLikeZuul(client, "build:ours", p);
    assert.equal(o.kind, "complete");
    assert.equal(o.complete?.["node_name"], "b");
    const mine = sim.builds("ours").filter((x) => x.parameters["ZUUL_UUID"] === p["ZUUL_UUID"]);
    assert.equal(mine.length, 1);
    for (const r of sim.runningBuilds()) sim.finishBuild(r.job, r.number, "SUCCESS");
  });
});
