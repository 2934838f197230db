/**
 * A drain survives a restart of the sidecar (issue 15, "Also open"; docs/architecture.md
 * "Drain"): SIGKILL mid-drain, the next process comes up still draining, takes its own build
 * back from gearmand (a paused master keeps budget for the jobs it expects back), runs nothing
 * new, and `resume` brings it back.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { SidecarStatus } from "../../src/bridge/index.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { SidecarProcess } from "../helpers/faults.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams } from "../helpers/stack.js";

void describe("faults: a drain survives a sidecar SIGKILL", { timeout: 60_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;
  const procs: SidecarProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-drain-restart-"));
    gd = await startGearmand();
    sim = await startSimulator({ jobs: [zuulJob("long", "linux", { durationMs: 2500 }), zuulJob("next", "linux", { durationMs: 100 })], nodes: [{ name: "n1", labels: ["linux"], executors: 2 }] });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });
  after(async () => {
    for (const p of procs) await p.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = async (url: string): Promise<SidecarStatus> => (await (await fetch(`${url}/status`)).json()) as SidecarStatus;

  void it("comes back draining, takes its own build back, runs nothing new until resume", async () => {
    const args = [
      "--jenkins-url", sim.url, "--gearman", `${gd.host}:${gd.port}`, "--no-zmq", "--admin-listen", "127.0.0.1:0", "--master-name", "jenkins01",
      "--poll-interval", "100ms", "--jobs-refresh", "300ms", "--nodes-refresh", "1s", "--state-file", join(dir, "state.json"),
    ];
    const first = new SidecarProcess(args);
    procs.push(first);
    const url1 = await first.adminUrl();
    await waitRegistered(admin, ["build:long", "build:next"], 20_000);
    let started = false;
    const long = submitLikeZuul(client, "build:long", zuulParams(), { onJob: (j) => j.once("data", () => (started = true)) });
    await waitFor("long build running", () => started, 10_000);
    const d = await fetch(`${url1}/drain`, { method: "POST", body: "{}" });
    assert.equal(d.status, 200);
    await first.kill("SIGKILL");

    const second = new SidecarProcess(args);
    procs.push(second);
    const url2 = await second.adminUrl();
    const st = await status(url2);
    assert.notEqual(st.drain.phase, "running", "the drain went on after the restart");
    const o = await long;
    assert.equal(o.complete?.["result"], "SUCCESS", "its own build was taken back and reported");
    assert.equal(sim.builds("long").length, 1);
    await waitFor("drained", async () => (await status(url2)).drain.phase === "drained", 10_000);
    let nextStarted = false;
    const next = submitLikeZuul(client, "build:next", zuulParams(), { onJob: (j) => j.once("data", () => (nextStarted = true)) });
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(nextStarted, false, "nothing new while draining");
    assert.equal(sim.builds("next").length, 0);
    assert.equal((await fetch(`${url2}/resume`, { method: "POST" })).status, 200);
    assert.equal((await next).complete?.["result"], "SUCCESS");
    await second.kill("SIGTERM");
  });
});
