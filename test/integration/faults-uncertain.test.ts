/**
 * Uncertain triggers and a hung Jenkins on real gearmand (docs/architecture.md "A trigger whose outcome is unknown"):
 * a trigger whose answer never came, a Jenkins that hangs (SIGSTOP-like) with a trigger in
 * flight and jobs still being submitted, and a sidecar killed between writing its record and
 * Jenkins' answer. Nothing is failed blindly, nothing runs twice, nothing is grabbed into a
 * hung Jenkins.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { Daemon } from "../../src/daemon.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { assertNothingLostNothingTwice, SidecarProcess, startFaultDaemon, summary } from "../helpers/faults.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Outcome } from "../helpers/stack.js";

void describe("faults: triggers whose outcome is unknown, and a hung Jenkins (docs/architecture.md \"A trigger whose outcome is unknown\")", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;
  let daemon: Daemon | null = null;
  const procs: SidecarProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-uncertain-"));
    gd = await startGearmand();
    sim = await startSimulator({
      jobs: [zuulJob("held", "linux", { durationMs: 300 }), zuulJob("during", "linux", { durationMs: 300 }), zuulJob("killed", "linux", { durationMs: 2000 })],
      nodes: ["a", "b", "c"].map((n) => ({ name: n, labels: ["linux"], executors: 2 })),
    });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });
  after(async () => {
    await daemon?.stop();
    for (const p of procs) await p.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it("the trigger's answer never comes (Jenkins queued it): the build is found by ZUUL_UUID and reported; one build", async () => {
    daemon = await startFaultDaemon(sim, "jenkins01", [{ host: gd.host, port: gd.port }], join(dir, "a.json"), { jenkinsTimeout: "800ms", jenkinsOverdue: "400ms" });
    await waitRegistered(admin, ["build:held"]);
    await submitLikeZuul(client, "build:held"); // warms the job's parameter cache
    sim.holdTriggers(1500);
    const o = await submitLikeZuul(client, "build:held");
    sim.holdTriggers(0);
    assert.equal(o.kind, "complete");
    assert.equal(o.complete?.["result"], "SUCCESS");
    const mine = sim.builds("held").filter((b) => b.parameters["ZUUL_UUID"] === o.uuid);
    assert.equal(mine.length, 1, "not triggered a second time");
  });

  void it("Jenkins hangs for 15 s with a trigger in flight while jobs are submitted: none fails, none is grabbed after the first overdue request, all run once", async () => {
    assert.ok(daemon !== null);
    await submitLikeZuul(client, "build:during"); // warm
    // The first case's held trigger made the sidecar pause (overdue); it resumes on the next answer.
    await waitFor("the sidecar taking jobs again", () => daemon?.bridge.capacity.paused === false, 5000);
    await sim.setFault({ hang: true });
    const inFlight = submitLikeZuul(client, "build:held");
    await waitFor("the in-flight job grabbed", async () => ((await admin.status()).find((f) => f.name === "build:held")?.running ?? 0) === 1, 5000);
    await waitFor("the sidecar paused", () => daemon?.ready().reasons.some((r) => /Jenkins/.test(r)) === true, 5000);
    const during: Promise<Outcome>[] = [];
    let maxRunning = 0;
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      if (during.length < 10) during.push(submitLikeZuul(client, "build:during"));
      maxRunning = Math.max(maxRunning, (await admin.status()).find((f) => f.name === "build:during")?.running ?? 0);
      await new Promise((r) => setTimeout(r, 500));
    }
    await sim.setFault(null);
    const outs = await Promise.all([inFlight, ...during]);
    assert.equal(maxRunning, 0, "no job grabbed while Jenkins hung");
    const r = assertNothingLostNothingTwice(outs, [sim], (x) => x.complete?.["result"] === "SUCCESS");
    summary("jenkins-hang", { hangMs: 15_000, submitted: r.submitted, endings: r.endings, grabsDuringHang: maxRunning, lost: 0, runTwice: r.runTwice });
    await daemon.stop();
    daemon = null;
  });

  void it("the sidecar is killed between writing its record and Jenkins' answer: the next one looks the build up and follows it; one build", async () => {
    const args = [
      "--jenkins-url", sim.url, "--gearman", `${gd.host}:${gd.port}`, "--no-zmq", "--admin-listen", "127.0.0.1:0", "--master-name", "jenkins01",
      "--poll-interval", "100ms", "--jobs-refresh", "300ms", "--nodes-refresh", "1s", "--state-file", join(dir, "killed.json"),
    ];
    const first = new SidecarProcess(args);
    procs.push(first);
    await first.adminUrl();
    await waitRegistered(admin, ["build:killed"], 20_000);
    sim.holdTriggers(5000);
    const params = zuulParams();
    const pending = submitLikeZuul(client, "build:killed", params);
    await waitFor("Jenkins has the build", () => sim.builds("killed").some((b) => b.parameters["ZUUL_UUID"] === params["ZUUL_UUID"]) || sim.queueItems().some((q) => q.job === "killed"), 10_000);
    await first.kill("SIGKILL"); // its record says "triggering": the answer never reached it
    sim.holdTriggers(0);
    const second = new SidecarProcess(args);
    procs.push(second);
    await second.adminUrl();
    const o = await pending;
    assert.equal(o.complete?.["result"], "SUCCESS");
    assert.equal(sim.builds("killed").filter((b) => b.parameters["ZUUL_UUID"] === params["ZUUL_UUID"]).length, 1, "one build for the ZUUL_UUID");
    await second.kill("SIGTERM");
  });
});
