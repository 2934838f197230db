/**
 * Events of builds that started or ended while the sidecar was down are published
 * by the next process (docs/architecture.md "Events across a restart"). A sidecar process is
 * SIGKILLed with three builds running (two of Zuul's, one foreign); they end, and a fourth
 * build comes and goes, while no sidecar runs; the restarted sidecar publishes what it missed,
 * and does not announce again what the first one had published.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { subscribe, type BuildEventJson, type ReceivedEvent, type Subscription } from "../../src/events/index.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { SidecarProcess, summary } from "../helpers/faults.js";
import { freePort, startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams } from "../helpers/stack.js";

/** Every event seen, live or by replay, once per (run, sequence). */
class Seen {
  readonly #byKey = new Map<string, { topic: string; event: BuildEventJson }>();
  add(topic: string, event: BuildEventJson): void {
    this.#byKey.set(`${event.run_id}#${event.sequence}`, { topic, event });
  }
  /** How many times each topic was published for a build URL. */
  count(url: string, topic: string): number {
    return [...this.#byKey.values()].filter((e) => e.topic === topic && e.event.build.url === url).length;
  }
}

void describe("faults: events across a sidecar SIGKILL (docs/architecture.md \"Events across a restart\")", { timeout: 90_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;
  let sub: Subscription;
  const seen = new Seen();
  const procs: SidecarProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-restart-events-"));
    gd = await startGearmand();
    sim = await startSimulator({
      jobs: [zuulJob("work", "linux", { durationMs: 3000 }), zuulJob("foreign", "linux", { durationMs: 3000 }), zuulJob("gap", "linux", { durationMs: 0 })],
      nodes: ["a", "b"].map((n) => ({ name: n, labels: ["linux"], executors: 2 })),
    });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });
  after(async () => {
    sub?.close();
    for (const p of procs) await p.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function replay(adminUrl: string): Promise<void> {
    const r = (await (await fetch(`${adminUrl}/events?since=0&limit=10000`)).json()) as { events: { topic: string; event: BuildEventJson }[] };
    for (const e of r.events) seen.add(e.topic, e.event);
  }

  void it("each build's onStarted and onFinalized published once across the two processes", async () => {
    const zport = await freePort();
    const endpoint = `tcp://127.0.0.1:${zport}`;
    const args = [
      "--jenkins-url", sim.url, "--gearman", `${gd.host}:${gd.port}`, "--zmq-bind", endpoint, "--admin-listen", "127.0.0.1:0",
      "--master-name", "jenkins01", "--poll-interval", "100ms", "--jobs-refresh", "300ms", "--job-details-refresh", "500ms", "--nodes-refresh", "1s",
      "--state-file", join(dir, "state.json"),
    ];
    sub = subscribe({ connect: endpoint });
    void (async () => {
      for await (const e of sub as AsyncIterable<ReceivedEvent>) seen.add(e.topic, e.event as BuildEventJson);
    })().catch(() => undefined);

    const first = new SidecarProcess(args);
    procs.push(first);
    const firstAdmin = await first.adminUrl();
    await waitRegistered(admin, ["build:work", "build:foreign"], 20_000);
    await new Promise((r) => setTimeout(r, 300)); // the subscriber's slow join
    const zuul = [submitLikeZuul(client, "build:work", zuulParams()), submitLikeZuul(client, "build:work", zuulParams())];
    sim.triggerBuild("foreign", {}, { delaySec: 0 });
    const urls = (): string[] => sim.builds().map((b) => b.url.replace(sim.url, ""));
    await waitFor("three builds running", () => sim.runningBuilds().length === 3, 10_000);
    await waitFor("their onStarted published", () => urls().every((u) => seen.count(u, "onStarted") === 1), 10_000);
    await replay(firstAdmin);
    await new Promise((r) => setTimeout(r, 300)); // the ledger's journal line follows the event by a tick
    await first.kill("SIGKILL");

    // While no sidecar runs: the three builds end, and a fourth starts and ends.
    await waitFor("the three builds ended", () => sim.runningBuilds().length === 0, 10_000);
    sim.triggerBuild("gap", {}, { delaySec: 0 });
    await waitFor("the gap build done", () => sim.builds("gap")[0]?.building === false, 5000);

    const second = new SidecarProcess(args);
    procs.push(second);
    const secondAdmin = await second.adminUrl();
    const outs = await Promise.all(zuul);
    for (const o of outs) assert.equal(o.complete?.["result"], "SUCCESS", "Zuul's builds were adopted and reported");
    await waitFor("every build finalized", async () => {
      await replay(secondAdmin);
      return urls().every((u) => seen.count(u, "onFinalized") >= 1);
    }, 15_000);
    const counts = urls().map((u) => ({ url: u, started: seen.count(u, "onStarted"), finalized: seen.count(u, "onFinalized"), completed: seen.count(u, "onCompleted") }));
    for (const c of counts) {
      assert.equal(c.started, 1, `${c.url}: onStarted published once (${JSON.stringify(c)})`);
      assert.equal(c.finalized, 1, `${c.url}: onFinalized published once`);
      assert.equal(c.completed, 1, `${c.url}: onCompleted published once`);
    }
    assert.equal(sim.builds("work").length, 2, "Zuul's builds were not run again");
    await second.kill("SIGTERM");
    summary("restart-events", { builds: counts.length, missedWhileDown: 4, published: "each once", repeats: 0 });
  });
});
