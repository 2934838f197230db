/**
 * Two masters, one name. Each sidecar reaches its Jenkins on a loopback URL (the
 * Kubernetes layout); the default master name is the host of the root URL Jenkins itself
 * reports, so the names differ and a stop reaches the right master. With a forced equal name
 * the second sidecar refuses the management functions (not ready, counted in /metrics); a
 * loopback root URL without --master-name refuses to start (docs/architecture.md "Master name").
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { MasterNameError } from "../../src/bridge/index.js";
import type { Daemon } from "../../src/daemon.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, startMasterDaemon, submitLikeZuul, waitFor, waitRegistered, zuulJob } from "../helpers/stack.js";

void describe("faults: master names (docs/architecture.md \"Master name\")", { timeout: 90_000 }, () => {
  let gd: Gearmand;
  let simA: JenkinsSimulator;
  let simB: JenkinsSimulator;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;
  const daemons: Daemon[] = [];

  before(async () => {
    gd = await startGearmand();
    dir = mkdtempSync(join(tmpdir(), "jgs-names-"));
    // Both served on 127.0.0.1; each reports its own configured root URL, as a real master does.
    const jobs = [zuulJob("job-00000", "linux", { durationMs: 60_000 })];
    const nodes = [{ name: "n1", labels: ["linux"], executors: 2 }];
    simA = await startSimulator({ jobs, nodes, rootUrl: "http://jenkins-a.example.org/" });
    simB = await startSimulator({ jobs, nodes, rootUrl: "http://jenkins-b.example.org/" });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });
  after(async () => {
    for (const d of daemons) await d.stop().catch(() => undefined);
    await client?.close();
    await admin?.close();
    await simA?.close();
    await simB?.close();
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it("by default each sidecar is named after its Jenkins' root URL, and stop:NAME reaches only its master", async () => {
    const servers = [{ host: gd.host, port: gd.port }];
    const a = await startMasterDaemon(simA, "x", servers, join(dir, "a.json"), { masterName: false });
    daemons.push(a);
    const b = await startMasterDaemon(simB, "x", servers, join(dir, "b.json"), { masterName: false });
    daemons.push(b);
    assert.deepEqual([a.masterName, b.masterName], ["jenkins-a.example.org", "jenkins-b.example.org"]);
    await waitRegistered(admin, ["stop:jenkins-a.example.org", "stop:jenkins-b.example.org"]);
    const st = await admin.status();
    assert.equal(st.find((f) => f.name === "stop:jenkins-a.example.org")?.workers, 1, "one worker per master name");
    // The same job and build number on both masters; Zuul cancels by the manager it read.
    const started: Record<string, unknown>[] = [];
    const runs = [submitLikeZuul(client, "build:job-00000", undefined, { onJob: (j) => j.once("data", (d) => started.push(JSON.parse(d.toString()) as Record<string, unknown>)) }), submitLikeZuul(client, "build:job-00000", undefined, { onJob: (j) => j.once("data", (d) => started.push(JSON.parse(d.toString()) as Record<string, unknown>)) })];
    await waitFor("both running", () => started.length === 2 && simA.runningBuilds().length + simB.runningBuilds().length === 2, 10_000);
    const onA = started.find((s) => s["manager"] === "jenkins-a.example.org");
    if (onA === undefined) {
      // Both went to B (gearmand's choice): stop one there and check A is untouched instead.
      assert.equal(simB.runningBuilds().length, 2);
    }
    const target = onA ?? started[0];
    const manager = String(target?.["manager"]);
    const stop = await client.submit(`stop:${manager}`, JSON.stringify({ name: "job-00000", number: target?.["number"] }), { priority: "high" });
    assert.equal((await stop.result).kind, "complete");
    const stoppedSim = manager === "jenkins-a.example.org" ? simA : simB;
    const otherSim = stoppedSim === simA ? simB : simA;
    await waitFor("the build on its master aborted", () => stoppedSim.builds("job-00000").some((x) => x.result === "ABORTED"), 10_000);
    assert.equal(otherSim.builds("job-00000").filter((x) => x.result === "ABORTED").length, 0, "the other master's build with the same number is untouched");
    for (const s of [simA, simB]) for (const r of s.runningBuilds()) s.finishBuild(r.job, r.number, "SUCCESS");
    await Promise.all(runs);
  });

  void it("a second sidecar under a name already registered refuses the management functions: not ready, counted in /metrics", async () => {
    const servers = [{ host: gd.host, port: gd.port }];
    const twin = await startMasterDaemon(simB, "jenkins-a.example.org", servers, join(dir, "twin.json"));
    daemons.push(twin);
    await waitFor("not ready, naming the other registration", () => twin.ready().reasons.find((r) => /registers this master's name/.test(r)), 10_000);
    assert.equal((await admin.status()).find((f) => f.name === "stop:jenkins-a.example.org")?.workers, 1, "still one worker: the twin did not register");
    const metrics = await (await fetch(`${twin.adminUrl ?? ""}metrics`)).text();
    assert.match(metrics, /^jgs_master_name_conflicts 1$/m);
  });

  void it("a loopback root URL without --master-name refuses to start, saying what to set", async () => {
    const local = await startSimulator({ jobs: [], nodes: [] });
    try {
      await assert.rejects(startMasterDaemon(local, "x", [{ host: gd.host, port: gd.port }], join(dir, "l.json"), { masterName: false }), (e: unknown) => e instanceof MasterNameError && /loopback/.test(e.message) && /--master-name/.test(e.message));
    } finally {
      await local.close();
    }
  });
});
