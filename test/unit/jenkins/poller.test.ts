/**
 * The poller against an in-memory Jenkins (docs/architecture.md "Polling", docs/master-cost.md):
 * what each cycle asks for, how starts and ends are found, and what is reported across a restart.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { buildKey, buildRefFromUrl, diffJobs, diffNodes, jobFullNameFromUrl, runningBuilds } from "../../../src/jenkins/poller/diff.js";
import type { Tracked } from "../../../src/jenkins/poller/build-tracker.js";
import { BuildLedger, type JournalStore } from "../../../src/jenkins/poller/ledger.js";
import { JenkinsPoller, rankEndCandidates } from "../../../src/jenkins/poller/poller.js";
import { buildUrl, FakePollerClient, job, node, qitem } from "./fake-poller-client.js";

function record(p: JenkinsPoller): string[] {
  const ev: string[] = [];
  p.on("buildStarted", (b, m) => ev.push(`started ${b.jobFullName}#${b.number} on ${JSON.stringify(b.node)}${m.published ? " (published)" : ""}`));
  p.on("buildFinished", (b, m) => ev.push(`finished ${b.jobFullName}#${b.number} ${b.result}${m.published ? " (published)" : ""}`));
  return ev;
}

/** A fake with two jobs and two nodes of two executors, plus the built-in node with none. */
function master(): FakePollerClient {
  const c = new FakePollerClient();
  c.addJob(job("a"));
  c.addJob(job("team/b"));
  c.nodes.set("", node("", 0, { displayName: "Built-In Node", labels: ["built-in"] }));
  c.nodes.set("n1", node("n1"));
  c.nodes.set("n2", node("n2"));
  return c;
}

/** Lets a cycle's promise callbacks run to their end, without timers (the tests mock them). */
async function settle(rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

class MemoryJournal implements JournalStore {
  lines: string[] = [];
  async load(): Promise<string[]> {
    return [...this.lines];
  }
  async append(l: readonly string[]): Promise<void> {
    this.lines.push(...l);
  }
  async rewrite(l: readonly string[]): Promise<void> {
    this.lines = [...l];
  }
}

void describe("diff helpers", () => {
  void it("build keys come from the URL path, whatever the host", () => {
    assert.equal(buildRefFromUrl("http://other:8080/job/f/job/x%20y/12/")?.key, buildKey("f/x y", 12));
    assert.equal(jobFullNameFromUrl("http://j/job/a/job/b/"), "a/b");
    assert.equal(buildRefFromUrl("http://j/job/a/"), null);
  });

  void it("runningBuilds counts a Pipeline run seen on several executors once, one-off executors included", () => {
    const url = buildUrl("p", 3);
    const n1 = { ...node("n1"), executors: [{ number: 0, idle: false, build: { number: 3, url } }] };
    const n0 = { ...node("", 0), oneOffExecutors: [{ number: 0, idle: false, build: { number: 3, url } }] };
    assert.deepEqual([...runningBuilds([n0, n1]).keys()], [buildKey("p", 3)]);
  });

  void it("diffJobs: added, changed, removed; a new nextBuildNumber alone is no change", () => {
    const prev = new Map([["a", job("a")], ["b", job("b")]]);
    const d = diffJobs(prev, [{ ...job("a"), nextBuildNumber: 9 }, { ...job("b"), labelExpression: "x" }, job("c")]);
    assert.deepEqual([d.added.map((j) => j.fullName), d.changed.map((j) => j.fullName), d.removed], [["c"], ["b"], []]);
    assert.deepEqual(diffJobs(prev, [job("a")]).removed, ["b"]);
  });

  void it("diffNodes: new and changed nodes, removed names", () => {
    const d = diffNodes(new Map([["n1", node("n1")], ["n2", node("n2")]]), [node("n1", 3), node("n3")]);
    assert.deepEqual([d.changed.map((n) => n.name), d.removed], [["n1", "n3"], ["n2"]]);
  });
});

void describe("BuildLedger", () => {
  void it("the watermark moves over contiguous numbers; missing() lists the unseen ones, newest first capped", () => {
    const l = BuildLedger.memory();
    l.baseline("a", 3);
    for (const n of [5, 4, 8]) l.started({ key: buildKey("a", n), url: buildUrl("a", n), jobFullName: "a", number: n });
    assert.deepEqual(l.missing("a", 10, 20), [6, 7, 9, 10]);
    assert.deepEqual(l.missing("a", 10, 2), [9, 10]);
    assert.ok(l.seen("a", 4) && l.seen("a", 2) && !l.seen("a", 6));
    l.settle("a", 6);
    l.settle("a", 7);
    assert.deepEqual(l.missing("a", 8, 20), []);
    assert.deepEqual(l.openBuilds().map((r) => r.number), [5, 4, 8]);
    l.finished({ key: buildKey("a", 4), jobFullName: "a", number: 4 });
    assert.ok(!l.isOpen(buildKey("a", 4)) && l.isOpen(buildKey("a", 5)));
  });

  void it("replays its journal; a line cut by a crash ends the replay there; a job first seen through a build owes all before it", async () => {
    const store = new MemoryJournal();
    const l = await BuildLedger.open(store);
    assert.equal(l.initialized, false);
    l.baseline("a", 2);
    l.started({ key: buildKey("a", 3), url: buildUrl("a", 3), jobFullName: "a", number: 3 });
    l.started({ key: buildKey("new", 4), url: buildUrl("new", 4), jobFullName: "new", number: 4 });
    await l.flush();
    store.lines.push('{"f":["a",3]', '{"f":["a",9]}');
    const again = await BuildLedger.open(store);
    assert.equal(again.initialized, true);
    assert.ok(again.isOpen(buildKey("a", 3)), "the cut line and everything after it are ignored");
    assert.deepEqual(again.missing("new", 4, 20), [1, 2, 3]);
  });
});

void describe("JenkinsPoller", () => {
  void it("start-up lists jobs and nodes once; then a quiet cycle costs the queue and the two executor counts, whatever runs", async () => {
    const c = master();
    for (let i = 0; i < 2; i++) c.start("a", i === 0 ? "n1" : "n2");
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    await p.pollOnce();
    assert.deepEqual(c.take().filter((x) => x !== "getBuildByUrl"), ["listJobs:details", "listNodes", "listQueue"], "the first cycle lists the nodes instead of counting executors");
    assert.deepEqual(ev, ['started a#1 on "n1"', 'started a#2 on "n2"'], "builds already running at a first start get onStarted");
    for (let i = 0; i < 3; i++) await p.pollOnce();
    assert.deepEqual(c.take(), ["listQueue", "executorCounts", "listQueue", "executorCounts", "listQueue", "executorCounts"]);
  });

  void it("a build that ends: the counts fall, the likeliest build is read, and no node listing is needed", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    const url = c.start("a", "n1");
    await p.pollOnce();
    c.take();
    c.finish(url, "FAILURE");
    await p.pollOnce();
    assert.deepEqual(ev, ['started a#1 on "n1"', "finished a#1 FAILURE"]);
    assert.deepEqual(c.take(), ["listQueue", "executorCounts", "getBuildByUrl"]);
    assert.equal(p.nodes.get("n1")?.executors.every((e) => e.idle), true, "the picture shows the executor free again");
  });

  // A running build cannot be deleted in Jenkins (Run.delete() refuses, docs/jenkins-rest.md),
  // so its URL answering 404 means its job went (deleted or renamed): no end can be read.
  void it("a running build whose URL answers 404 is reported gone, not left running", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    const gone: string[] = [];
    p.on("buildGone", (b) => gone.push(`${b.jobFullName}#${b.number}`));
    const url = c.start("a", "n1");
    await p.pollOnce();
    c.finish(url);
    c.builds.delete(url);
    await p.pollOnce();
    assert.deepEqual(gone, ["a#1"]);
    assert.deepEqual(ev, ['started a#1 on "n1"'], "no end event: none can be read");
    assert.equal(p.nodes.get("n1")?.executors.every((e) => e.idle), true);
  });

  // OFFLINE_NODE_WHEN_COMPLETE on every build (Nodepool's single-use nodes): the node the
  // caller took offline leaves ComputerSet's totalExecutors, and the picture says so at once.
  void it("a node the caller takes offline is offline in the picture at once, and the counts still match it", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    await p.pollOnce();
    c.take();
    const seen: string[] = [];
    p.on("nodes", (d) => seen.push(...d.changed.map((n) => `${n.name} ${n.offline} ${n.freeExecutors}`)));
    const n1 = c.nodes.get("n1");
    assert.ok(n1 !== undefined);
    c.nodes.set("n1", { ...n1, offline: true, temporarilyOffline: true, offlineReason: "Offline due to Gearman request", freeExecutors: 0 });
    p.markOffline("n1", "Offline due to Gearman request");
    assert.deepEqual(seen, ["n1 true 0"]);
    await p.pollOnce();
    assert.deepEqual(c.take(), ["listQueue", "executorCounts"], "no node listing for it");
  });

  // docs/master-cost.md: a listing of every node costs as much as about a hundred build reads.
  void it("an ended build the probes do not find stays owed for three intervals before every node is listed", async (t) => {
    t.mock.timers.enable({ apis: ["Date"], now: 1_000_000 });
    const c = master();
    const p = new JenkinsPoller(c, { intervalMs: 2000, jobsRefreshMs: 600_000, nodesRefreshMs: 600_000 });
    const url = c.start("a", "n1");
    await p.pollOnce();
    c.take();
    // Its executor is free, but Jenkins still says building (the probe finds nothing ended).
    const n1 = c.nodes.get("n1");
    assert.ok(n1 !== undefined);
    c.nodes.set("n1", { ...n1, executors: n1.executors.map((e) => (e.build?.url === url ? { number: e.number, idle: true, build: null } : e)) });
    for (let i = 0; i < 3; i++) {
      await p.pollOnce();
      t.mock.timers.tick(2000);
    }
    assert.deepEqual(c.take().filter((x) => x === "listNodes"), [], "owed, not listed, for three intervals");
    await p.pollOnce();
    assert.deepEqual(c.take().filter((x) => x === "listNodes"), ["listNodes"]);
  });

  // Issue 13: "a node ... relabelled ... within one poll". A relabel changes neither count.
  void it("a relabel is seen within one poll: a label atom the jobs use changes its executors, and every node is listed", async () => {
    const c = master();
    c.addJob(job("lin", { labelExpression: "linux && !windows" }));
    const p = new JenkinsPoller(c, { jobsRefreshMs: 600_000, nodesRefreshMs: 600_000 });
    await p.pollOnce();
    c.take();
    await p.pollOnce();
    assert.deepEqual(c.take().sort(), ["executorCounts", "labelExecutors", "labelExecutors", "listQueue"], "one small read per atom, nothing else");
    const labels: string[][] = [];
    p.on("nodes", (d) => labels.push(...d.changed.map((n) => n.labels)));
    const n1 = c.nodes.get("n1");
    assert.ok(n1 !== undefined);
    c.nodes.set("n1", { ...n1, labels: ["n1", "linux"] });
    await p.pollOnce();
    assert.ok(c.take().includes("listNodes"));
    assert.deepEqual(labels, [["n1", "linux"]]);
  });

  void it("a label Jenkins counts differently from the picture lists every node once, not every cycle", async () => {
    const c = master();
    c.addJob(job("lin", { labelExpression: "linux" }));
    c.labelExecutors = async () => 7; // e.g. a node the listing does not show
    const p = new JenkinsPoller(c, { jobsRefreshMs: 600_000, nodesRefreshMs: 600_000 });
    await p.pollOnce();
    c.take();
    for (let i = 0; i < 4; i++) await p.pollOnce();
    assert.deepEqual(c.take().filter((x) => x === "listNodes"), ["listNodes"]);
  });

  void it("a build nobody saw queued takes an executor: the counts rise, the node listing finds it", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    await p.pollOnce();
    c.take();
    c.start("team/b", "n2");
    await p.pollOnce();
    assert.deepEqual(ev, ['started team/b#1 on "n2"']);
    assert.deepEqual(c.take(), ["listQueue", "executorCounts", "listNodes", "getBuildByUrl"]);
  });

  void it("an item the caller follows that starts and ends between two polls is reported within a cycle, with the node it was pinned to", async () => {
    const c = master();
    c.addJob(job("pipe", { isPipeline: true }));
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    const items: string[] = [];
    p.on("queueItem", (q) => items.push(`${q.id} ${q.state}${q.executable ? " started" : ""}`));
    await p.pollOnce();
    p.follow(7, "pipe", "n2");
    const url = c.start("pipe", "", { queueId: 7, flyweight: true });
    c.finish(url);
    c.items.set(7, qitem(7, "pipe", { state: "left", executable: { number: 1, url } }));
    await p.pollOnce();
    assert.deepEqual(items, ["7 left started"]);
    assert.deepEqual(ev, ['started pipe#1 on "n2"', "finished pipe#1 SUCCESS"], "a Pipeline run has no builtOn: the caller's pin names its node");
  });

  void it("a pinned build of the caller's starts from its queue item alone: no read of the build until it ends", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    await p.pollOnce();
    c.take();
    p.follow(5, "a", "n2");
    const url = c.start("a", "n2", { queueId: 5, params: { ZUUL_UUID: "z" } });
    c.items.set(5, qitem(5, "a", { state: "left", executable: { number: 1, url }, params: { ZUUL_UUID: "z" } }));
    const started: Record<string, string>[] = [];
    p.on("buildStarted", (b) => started.push(b.parameters));
    await p.pollOnce();
    assert.deepEqual(ev, ['started a#1 on "n2"']);
    assert.deepEqual(started, [{ ZUUL_UUID: "z" }], "the item's parameters are the build's");
    assert.deepEqual(c.take(), ["listQueue", "getQueueItem", "executorCounts"], "trigger, item, end: three reads a build");
    c.finish(url);
    await p.pollOnce();
    assert.deepEqual(ev.at(-1), "finished a#1 SUCCESS");
    assert.deepEqual(c.take(), ["listQueue", "executorCounts", "getBuildByUrl"]);
  });

  // docs/master-cost.md: without an estimate a build ranks on the median, and a short one that
  // ended waits behind older ones; its job's details, read before the trigger, carry it.
  void it("a build that starts from its queue item ranks on its job's estimate, read with the job's details", async () => {
    const c = master();
    c.addJob(job("a", { estimatedDuration: 1234 }));
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const est: number[] = [];
    p.on("buildStarted", (b) => est.push(b.estimatedDuration));
    await p.pollOnce();
    await p.jobDetails("a");
    p.follow(5, "a", "n2");
    const url = c.start("a", "n2", { queueId: 5 });
    c.items.set(5, qitem(5, "a", { state: "left", executable: { number: 1, url } }));
    await p.pollOnce();
    assert.deepEqual(est, [1234]);
  });

  void it("a foreign item seen queued is looked up once it leaves; an item cancelled yields nothing", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p);
    c.queue = [qitem(3, "a"), qitem(4, "a")];
    await p.pollOnce();
    c.queue = [];
    const url = c.start("a", "n1", { queueId: 3 });
    c.items.set(3, qitem(3, "a", { state: "left", executable: { number: 1, url } }));
    c.items.set(4, qitem(4, "a", { state: "left", cancelled: true }));
    c.take();
    await p.pollOnce();
    assert.deepEqual(ev, ['started a#1 on "n1"']);
    assert.deepEqual(c.take(), ["listQueue", "getQueueItem", "getQueueItem", "getBuildByUrl", "executorCounts"]);
  });

  void it("new and deleted jobs come from the names listing (one GET per new job); label changes from the details listing", async (t) => {
    t.mock.timers.enable({ apis: ["Date"] });
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 1, jobDetailsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const seen: string[] = [];
    p.on("jobs", (d) => seen.push(`+${d.added.map((j) => j.fullName).join(",")} ~${d.changed.map((j) => j.fullName).join(",")} -${d.removed.join(",")}`));
    await p.pollOnce();
    c.addJob(job("fresh", { labelExpression: "linux" }));
    c.jobs.delete("a");
    c.jobs.set("team/b", { ...job("team/b"), labelExpression: "changed" });
    t.mock.timers.tick(5); // the names listing is due again (jobsRefreshMs: 1)
    c.take();
    await p.pollOnce();
    assert.ok(c.take().includes("getJob"));
    assert.equal(p.jobs.get("fresh")?.labelExpression, "linux");
    assert.equal(p.jobs.get("team/b")?.labelExpression, null, "a label change waits for the details listing");
    assert.deepEqual(seen, ["+a,team/b ~ -", "+fresh ~ -a"]);
  });

  void it("the safety net: nextBuildNumber in the details listing reveals builds no poll saw; they are read and reported", async (t) => {
    t.mock.timers.enable({ apis: ["Date"] });
    const c = master();
    const p = new JenkinsPoller(c, { jobsRefreshMs: 60_000, jobDetailsRefreshMs: 1, nodesRefreshMs: 60_000 });
    const ev = record(p);
    await p.pollOnce();
    const url = c.start("a", "n1");
    c.finish(url);
    t.mock.timers.tick(5); // the details listing is due again (jobDetailsRefreshMs: 1)
    c.take();
    await p.pollOnce();
    assert.deepEqual(ev, ["started a#1 on \"n1\"", "finished a#1 SUCCESS"]);
    assert.ok(c.take().includes("getBuild"));
  });

  void it("across a restart: a build reported started then ended while down is finished once, a gap build reported, a running one not announced again", async () => {
    const store = new MemoryJournal();
    const c = master();
    const running = c.start("a", "n1");
    const ending = c.start("a", "n2");
    const p1 = new JenkinsPoller(c, { ledger: await BuildLedger.open(store), jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    record(p1);
    await p1.pollOnce();
    await p1.stop();
    // Down: one build ends, another starts and ends.
    c.finish(ending);
    const gap = c.start("team/b", "n2");
    c.finish(gap, "UNSTABLE");
    const p2 = new JenkinsPoller(c, { ledger: await BuildLedger.open(store), jobsRefreshMs: 60_000, nodesRefreshMs: 60_000 });
    const ev = record(p2);
    await p2.pollOnce();
    assert.deepEqual(ev.sort(), ['finished a#2 SUCCESS', 'finished team/b#1 UNSTABLE', 'started a#1 on "n1" (published)', 'started a#2 on "n2" (published)', 'started team/b#1 on "n2"'].sort());
    c.finish(running);
    await p2.pollOnce();
    assert.deepEqual(ev.at(-1), "finished a#1 SUCCESS");
  });

  void it("an overdue request makes the poller unhealthy at once; an answer brings it back", async () => {
    const c = master();
    const p = new JenkinsPoller(c, { intervalMs: 60_000 });
    const health: string[] = [];
    p.on("health", (h) => health.push(`${h.healthy}${h.overdue === true ? " overdue" : ""}`));
    p.start();
    await p.pollOnce();
    c.hang(true);
    c.hang(false);
    await p.pollOnce();
    c.fail = new Error("ECONNREFUSED");
    await p.pollOnce();
    c.fail = null;
    await p.pollOnce();
    await p.stop();
    assert.deepEqual(health, ["true", "false overdue", "true", "false", "true"]);
  });

  void it("ranks the builds likeliest to have ended first: by elapsed time over the estimate (the median estimate for a build without one)", () => {
    const mk = (n: number, ts: number, est: number): Tracked => ({
      ref: { key: `a#${n}`, url: buildUrl("a", n), jobFullName: "a", number: n },
      info: { jobFullName: "a", number: n, url: buildUrl("a", n), building: true, result: null, duration: 0, estimatedDuration: est, timestamp: ts, builtOn: "n1", queueId: null, description: null, parameters: {}, done: false, node: "n1" },
      pipeline: false,
      endPublished: false,
      probes: 0,
      probedAt: 0,
    });
    // now 1000: #2 at 1000/500 = 2, #4 at 1000/1000 (median of 500 and 1000... the upper one), #3 at 500/1000, #1 at 100/1000.
    const list = [mk(1, 900, 1000), mk(2, 0, 500), mk(3, 500, -1), mk(4, 0, -1)];
    assert.deepEqual(rankEndCandidates(list, 1000).map((t) => t.ref.number), [2, 4, 3, 1]);
    // #2 was found still running at age 950: not expected before 950 + 95, so #4 comes first now.
    const survivor = list[1];
    assert.ok(survivor !== undefined);
    survivor.probedAt = 950;
    assert.deepEqual(rankEndCandidates(list, 1000).map((t) => t.ref.number), [4, 2, 3, 1]);
  });

  void it("start() polls on its interval, stop() waits for the cycle and leaves no timer; a throwing listener is contained", async (t) => {
    t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const c = master();
    const p = new JenkinsPoller(c, { intervalMs: 20 });
    let cycles = 0;
    p.on("cycle", () => {
      cycles++;
      throw new Error("listener bug");
    });
    p.start();
    // 120 ms of the poller's clock, each cycle run to its end before time moves on.
    for (let ms = 0; ms < 120; ms += 20) {
      t.mock.timers.tick(20);
      await settle();
    }
    await p.stop();
    const after = cycles;
    t.mock.timers.tick(60);
    await settle();
    assert.ok(after >= 3, `cycles ${after}`);
    assert.equal(cycles, after, "no cycle after stop");
  });
});
