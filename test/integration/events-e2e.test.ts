// Issue 5 "Done when": the simulator, a sidecar (Daemon) publishing over ZeroMQ and a real
// ZeroMQ subscriber. Wire format: docs/contract.md "Events" ("<topic> <json>", Gson
// field order, nulls omitted, phase per topic, status only when finished, relative urls,
// parameters sorted as EnvVars, node_name "" for the built-in node), plus our `sequence` and `run_id`.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { Daemon } from "../../src/daemon.js";
import { subscribe, type ReceivedEvent, type Subscription } from "../../src/events/index.js";
import { GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator, type SimBuild } from "../../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, startMasterDaemon, submitLikeZuul, waitFor, zuulJob } from "../helpers/stack.js";

const MASTER = "jenkins01";
const BULK = 1000;

/** Collects every event of a subscription in arrival order. */
class Collector {
  readonly events: ReceivedEvent[] = [];
  readonly sub: Subscription;
  readonly done: Promise<void>;
  constructor(endpoint: string) {
    const sub = subscribe({ connect: endpoint });
    this.sub = sub;
    this.done = (async () => {
      for await (const e of sub) this.events.push(e);
    })().catch(() => undefined);
  }
  of(url: string): ReceivedEvent[] {
    return this.events.filter((e) => e.event.build.url === url);
  }
  async waitFor(url: string, n: number, timeoutMs = 10_000): Promise<ReceivedEvent[]> {
    return waitFor(`${n} events for ${url}`, () => (this.of(url).length >= n ? this.of(url) : null), timeoutMs);
  }
  close(): Promise<void> {
    this.sub.close();
    return this.done;
  }
}

/** The frame as the Java plugin writes it (Gson, fields in JobState/BuildState order), plus our two fields. */
function expectedFrame(
  topic: "onStarted" | "onCompleted" | "onFinalized",
  sim: JenkinsSimulator,
  b: SimBuild,
  o: { name: string; jobUrl: string; node: string; description: string | null; sequence: number; runId: string },
): string {
  const phase = { onStarted: "STARTED", onCompleted: "COMPLETED", onFinalized: "FINISHED" }[topic];
  const buildUrl = `${o.jobUrl}${b.number}/`;
  // EnvVars' order, String.CASE_INSENSITIVE_ORDER: for ASCII names, the order of the lower-cased names ("_" < "s").
  const keys = Object.keys(b.parameters).sort((x, y) => (x.toLowerCase() < y.toLowerCase() ? -1 : 1));
  const params = keys.length > 0 ? `,"parameters":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(b.parameters[k])}`).join(",")}}` : "";
  const status = topic === "onStarted" ? "" : `,"status":"${b.result!}"`;
  const desc = o.description !== null ? `,"node_description":${JSON.stringify(o.description)}` : "";
  return (
    `${topic} {"name":"${o.name}","url":"${o.jobUrl}","build":{"full_url":"${sim.url}${buildUrl}","number":${b.number},"phase":"${phase}"${status},` +
    `"url":"${buildUrl}"${params},"node_name":"${o.node}"${desc},"host_name":"${MASTER}"},"sequence":${o.sequence},"run_id":"${o.runId}"}`
  );
}

/** Each build's events: onStarted, onCompleted, onFinalized, once each, in that order, with rising sequences. */
function assertLifecycle(evs: ReceivedEvent[], what: string): void {
  assert.deepEqual(
    evs.map((e) => e.topic),
    ["onStarted", "onCompleted", "onFinalized"],
    `${what}: ${evs.map((e) => e.topic).join(",")}`,
  );
  const seqs = evs.map((e) => e.event.sequence!);
  assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!, `${what}: sequences ${seqs.join(",")}`);
}

describe("events end to end: simulator, sidecar, ZeroMQ subscriber (issue 5)", { timeout: 90_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let daemon: Daemon;
  let client: GearmanClient;
  let col: Collector;
  let dir: string;

  before(async () => {
    gd = await startGearmand();
    dir = mkdtempSync(join(tmpdir(), "jgs-events-e2e-"));
    sim = await startSimulator({
      quietPeriodSec: 0,
      builtInExecutors: 1,
      builtInLabels: ["controller"],
      jobs: [
        zuulJob("ok", "trusty", { durationMs: 300 }),
        zuulJob("direct", "trusty", { durationMs: 300 }),
        { name: "folder/pipe", type: "pipeline", durationMs: 300, parameters: [{ name: "GREETING", type: "string", default: "hello" }] },
        { name: "on-controller", labelExpression: "controller", durationMs: 300 },
        { name: "fast", labelExpression: "trusty", durationMs: 0, parameters: [{ name: "N", type: "string", default: "" }] },
        { name: "bulk", labelExpression: "bulk", durationMs: 600_000, parameters: [{ name: "I", type: "string", default: "" }] },
      ],
      nodes: [
        { name: "t1", labels: ["trusty"], executors: 2, description: "a trusty node" },
        ...Array.from({ length: 10 }, (_, i) => ({ name: `bulk${i}`, labels: ["bulk"], executors: 100, description: "" })),
      ],
    });
    // Poll interval 1 s: the sub-poll-interval case needs builds shorter than a cycle.
    daemon = await startMasterDaemon(sim, MASTER, [{ host: gd.host, port: gd.port }], join(dir, "state.json"), { zmq: true, pollInterval: "1s" });
    col = new Collector(daemon.publisher!.endpoint);
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    await new Promise((r) => setTimeout(r, 300)); // ZeroMQ's slow joiner
  });
  after(async () => {
    await col?.close();
    await client?.close().catch(() => undefined);
    await daemon?.stop().catch(() => undefined);
    await sim?.close();
    await gd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runId = (): string => daemon.publisher!.runId;

  it("a build started by the bridge: the exact frames (docs/contract.md \"JSON\")", async () => {
    await waitFor("build:ok registered", () => daemon.ready().ready, 15_000);
    const o = await submitLikeZuul(client, "build:ok");
    assert.equal(o.complete?.["result"], "SUCCESS");
    const b = sim.builds("ok").find((x) => x.parameters["ZUUL_UUID"] === o.uuid)!;
    const url = `job/ok/${b.number}/`;
    const evs = await col.waitFor(url, 3);
    assertLifecycle(evs, url);
    for (const e of evs) {
      assert.equal(
        e.raw,
        expectedFrame(e.topic as "onStarted", sim, b, { name: "ok", jobUrl: "job/ok/", node: "t1", description: "a trusty node", sequence: e.event.sequence!, runId: runId() }),
      );
    }
    // Zuul's NODE parameter and ZUUL_BRANCH, which Nodepool reads on onFinalized.
    assert.equal(evs[2]!.event.build.parameters?.["NODE"], "t1");
    assert.equal(evs[2]!.event.build.parameters?.["ZUUL_BRANCH"], "master");
    assert.equal(evs[2]!.event.build.status, "SUCCESS");
    assert.equal("status" in evs[0]!.event.build, false, "no status on onStarted");
  });

  it("a build started directly in Jenkins (a person, a timer) is published the same way", async () => {
    sim.triggerBuild("direct", { ZUUL_BRANCH: "stable/x" }, { delaySec: 0 });
    const b = await waitFor("direct build", () => sim.builds("direct")[0]);
    const url = `job/direct/${b.number}/`;
    const evs = await col.waitFor(url, 3);
    assertLifecycle(evs, url);
    const done = sim.builds("direct").find((x) => x.number === b.number)!;
    for (const e of evs) {
      assert.equal(e.raw, expectedFrame(e.topic as "onStarted", sim, done, { name: "direct", jobUrl: "job/direct/", node: "t1", description: "a trusty node", sequence: e.event.sequence!, runId: runId() }));
    }
  });

  it("a pipeline job in a folder, and a build on the built-in node (node_name \"\")", async () => {
    sim.triggerBuild("folder/pipe", {}, { delaySec: 0 });
    sim.triggerBuild("on-controller", {}, { delaySec: 0 });
    const p = await waitFor("pipeline build", () => sim.builds("folder/pipe")[0]);
    const c = await waitFor("built-in build", () => sim.builds("on-controller")[0]);
    assert.equal(c.node, "");
    const pe = await col.waitFor(`job/folder/job/pipe/${p.number}/`, 3);
    const ce = await col.waitFor(`job/on-controller/${c.number}/`, 3);
    assertLifecycle(pe, "pipeline");
    assertLifecycle(ce, "built-in");
    for (const e of pe) {
      // The name is the job's short name, the url its relative path through the folder.
      assert.equal(e.event.name, "pipe");
      assert.equal(e.event.url, "job/folder/job/pipe/");
      assert.deepEqual(e.event.build.parameters, { GREETING: "hello" });
      // A pipeline run holds a one-off executor on the built-in node.
      assert.equal(e.event.build.node_name, "");
    }
    for (const e of ce) {
      assert.equal(e.event.build.node_name, "", "computer.getName() is \"\" on the built-in node");
      assert.equal("parameters" in e.event.build, false, "no parameters: the field is omitted");
      assert.deepEqual(Object.keys(e.event), ["name", "url", "build", "sequence", "run_id"]);
      const keys = ["full_url", "number", "phase", ...(e.topic === "onStarted" ? [] : ["status"]), "url", "node_name", "node_description", "host_name"];
      assert.deepEqual(Object.keys(e.event.build).filter((k) => k !== "node_description" || keys.includes(k)), keys.filter((k) => k !== "node_description" || "node_description" in e.event.build));
    }
  });

  it("a build shorter than the poll interval still gets onStarted, onCompleted, onFinalized, once each, in order", async () => {
    const before = sim.builds("fast").length;
    for (let i = 0; i < 3; i++) sim.triggerBuild("fast", { N: String(i) }, { delaySec: 0 });
    const builds = await waitFor("fast builds done", () => {
      const bs = sim.builds("fast");
      return bs.length >= before + 3 && bs.every((b) => !b.building) ? bs : null;
    });
    for (const b of builds) {
      const evs = await col.waitFor(`job/fast/${b.number}/`, 3, 5000);
      assertLifecycle(evs, `fast #${b.number}`);
      assert.equal(evs[2]!.event.build.status, "SUCCESS");
      assert.equal(evs[0]!.event.build.node_name, "t1");
    }
    await new Promise((r) => setTimeout(r, 1200)); // another cycle: nothing is published twice
    for (const b of builds) assert.equal(col.of(`job/fast/${b.number}/`).length, 3);
  });

  it(`${BULK} builds finishing in one cycle are all published once, in order per build`, async () => {
    for (let i = 0; i < BULK; i++) sim.triggerBuild("bulk", { I: String(i) }, { delaySec: 0 });
    await waitFor("bulk builds running", () => sim.runningBuilds().filter((b) => b.job === "bulk").length === BULK, 20_000);
    await waitFor("bulk onStarted", () => col.events.filter((e) => e.topic === "onStarted" && e.event.name === "bulk").length === BULK, 20_000, 100);
    for (const b of sim.runningBuilds().filter((x) => x.job === "bulk")) sim.finishBuild("bulk", b.number, "SUCCESS");
    await waitFor("bulk onFinalized", () => col.events.filter((e) => e.topic === "onFinalized" && e.event.name === "bulk").length >= BULK, 20_000, 100).catch((e: unknown) => {
      const n = (t: string): number => col.events.filter((x) => x.topic === t && x.event.name === "bulk").length;
      throw new Error(`${String(e)}: received ${n("onStarted")} onStarted, ${n("onCompleted")} onCompleted, ${n("onFinalized")} onFinalized; publisher ${JSON.stringify(daemon.publisher!.stats())}; still running ${sim.runningBuilds().length}; poller tracks ${daemon.poller.runningBuilds.length}`);
    });
    await new Promise((r) => setTimeout(r, 1200));
    const bulk = col.events.filter((e) => e.event.name === "bulk");
    assert.equal(bulk.length, 3 * BULK);
    const byUrl = new Map<string, ReceivedEvent[]>();
    for (const e of bulk) byUrl.set(e.event.build.url, [...(byUrl.get(e.event.build.url) ?? []), e]);
    assert.equal(byUrl.size, BULK);
    for (const [url, evs] of byUrl) assertLifecycle(evs, url);
    // Every sequence arrived, without a gap, in order.
    const seqs = col.events.map((e) => e.event.sequence!);
    assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    assert.equal(daemon.publisher!.stats().dropped, 0);
  });

  it("a subscriber that restarts catches up through GET /events?since=N on the admin API", async () => {
    const last = col.events.at(-1)!.event.sequence!;
    assert.equal(last, daemon.publisher!.stats().published, "the subscriber saw everything so far");
    await col.close();
    // Builds while no one listens.
    for (let i = 0; i < 3; i++) sim.triggerBuild("fast", { N: `missed-${i}` }, { delaySec: 0 });
    await waitFor("missed events published", () => daemon.publisher!.stats().published >= last + 9, 10_000);
    col = new Collector(daemon.publisher!.endpoint);
    const res = await fetch(new URL(`events?since=${last}`, daemon.adminUrl!));
    assert.equal(res.status, 200);
    const body = (await res.json()) as { events: { topic: string; event: { sequence: number; run_id: string; build: { parameters?: Record<string, string> } } }[]; gap: boolean; runId: string };
    assert.equal(body.gap, false);
    assert.equal(body.runId, runId());
    assert.equal(body.events[0]?.event.sequence, last + 1, "replay starts right after the last event seen");
    const missed = body.events.filter((e) => e.event.build.parameters?.["N"]?.startsWith("missed-"));
    assert.equal(missed.length, 9);
    assert.deepEqual(
      body.events.map((e) => e.event.sequence),
      Array.from({ length: body.events.length }, (_, i) => last + 1 + i),
    );
    for (const e of body.events) assert.equal(e.event.run_id, runId());
    // The new subscription receives what comes next, continuing the sequence.
    await new Promise((r) => setTimeout(r, 300));
    sim.triggerBuild("fast", { N: "after" }, { delaySec: 0 });
    await waitFor("live events after the restart", () => col.events.length >= 3, 10_000);
    assert.equal(col.events[0]!.event.sequence, body.events.at(-1)!.event.sequence + 1);
  });
});
