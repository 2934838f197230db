import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { buildKey, buildRefFromUrl, diffJobs, diffNodes, jobFullNameFromUrl, missedBuildNumbers, runningBuilds } from "../../../src/jenkins/diff.js";
import { JenkinsPoller, type PollerClient } from "../../../src/jenkins/poller.js";
import type { BuildInfo, JobInfo, NodeInfo, QueueItem } from "../../../src/jenkins/types.js";

const J = "http://j/";

function job(fullName: string, lastBuildNumber: number | null = null, extra: Partial<JobInfo> = {}): JobInfo {
  return {
    fullName,
    name: fullName.split("/").pop()!,
    url: `${J}${fullName.split("/").map((s) => `job/${encodeURIComponent(s)}/`).join("")}`,
    className: "hudson.model.FreeStyleProject",
    buildable: true,
    disabled: false,
    labelExpression: null,
    concurrentBuild: true,
    parameters: [],
    nodeParameter: null,
    lastBuildNumber,
    isPipeline: false,
    ...extra,
  };
}

function buildUrl(jobName: string, n: number): string {
  return `${J}job/${jobName}/${n}/`;
}

function node(name: string, builds: string[], executors = Math.max(2, builds.length)): NodeInfo {
  const ex = Array.from({ length: executors }, (_, i) => {
    const url = builds[i];
    return { number: i, idle: url === undefined, build: url === undefined ? null : { number: Number(/\/(\d+)\/$/.exec(url)![1]), url } };
  });
  return { name, displayName: name, labels: [name], offline: false, temporarilyOffline: false, offlineReason: "", exclusive: false, numExecutors: executors, executors: ex, oneOffExecutors: [], description: null, freeExecutors: ex.filter((e) => e.idle).length };
}

function build(jobName: string, n: number, o: Partial<BuildInfo> = {}): BuildInfo {
  const building = o.building ?? false;
  const result = o.result === undefined ? (building ? null : "SUCCESS") : o.result;
  return { jobFullName: jobName, number: n, url: buildUrl(jobName, n), building, result, duration: 0, estimatedDuration: 100, timestamp: 1, builtOn: "a1", queueId: null, description: null, parameters: {}, ...o, done: !building && result !== null };
}

function qitem(id: number, jobName: string, o: Partial<QueueItem> = {}): QueueItem {
  return { id, state: "buildable", why: null, stuck: false, cancelled: false, executable: null, jobName, jobUrl: `${J}job/${jobName}/`, params: {}, inQueueSince: 0, ...o };
}

/** An in-memory Jenkins seen through the poller's port; every call counts as one request. */
class FakeClient implements PollerClient {
  requestCount = 0;
  calls: string[] = [];
  jobs: JobInfo[] = [];
  nodes: NodeInfo[] = [];
  queue: QueueItem[] = [];
  builds = new Map<string, BuildInfo>();
  items = new Map<number, QueueItem>();
  fail: Error | null = null;

  #call(name: string): void {
    this.requestCount++;
    this.calls.push(name);
    if (this.fail) throw this.fail;
  }
  async listJobs(): Promise<JobInfo[]> {
    this.#call("listJobs");
    return structuredClone(this.jobs);
  }
  async listNodes(): Promise<NodeInfo[]> {
    this.#call("listNodes");
    return structuredClone(this.nodes);
  }
  async listQueue(): Promise<QueueItem[]> {
    this.#call("listQueue");
    return structuredClone(this.queue);
  }
  async getBuild(job: string, n: number): Promise<BuildInfo | null> {
    this.#call(`getBuild ${job}#${n}`);
    return structuredClone(this.builds.get(buildUrl(job, n)) ?? null);
  }
  async getBuildByUrl(url: string): Promise<BuildInfo | null> {
    this.#call(`getBuildByUrl ${url}`);
    return structuredClone(this.builds.get(url) ?? null);
  }
  async getQueueItem(id: number): Promise<QueueItem | null> {
    this.#call(`getQueueItem ${id}`);
    return structuredClone(this.items.get(id) ?? null);
  }
  async findBuildByQueueId(job: string, queueId: number): Promise<BuildInfo | null> {
    this.#call(`findBuildByQueueId ${job} ${queueId}`);
    return structuredClone([...this.builds.values()].find((b) => b.jobFullName === job && b.queueId === queueId) ?? null);
  }
}

function record(p: JenkinsPoller): string[] {
  const ev: string[] = [];
  p.on("buildStarted", (b) => ev.push(`started ${b.jobFullName}#${b.number}`));
  p.on("buildFinished", (b) => ev.push(`finished ${b.jobFullName}#${b.number} ${b.result}`));
  return ev;
}

void describe("diff helpers", () => {
  void it("build keys come from the URL path, whatever the host", () => {
    assert.equal(jobFullNameFromUrl("https://ci.example/jenkins/job/a/job/b%20c/12/"), "a/b c");
    assert.deepEqual(buildRefFromUrl("https://ci.example/job/a/job/b/12/"), { key: "a/b#12", url: "https://ci.example/job/a/job/b/12/", jobFullName: "a/b", number: 12 });
    assert.equal(buildRefFromUrl("https://ci.example/computer/x/"), null);
    assert.equal(buildKey("a/b", 3), "a/b#3");
  });

  void it("runningBuilds counts a Pipeline run seen on several executors once, one-off executors included", () => {
    const n1 = node("a1", [buildUrl("p", 3), buildUrl("f", 1)]);
    const builtIn = { ...node("", []), oneOffExecutors: [{ number: -1, idle: false, build: { number: 3, url: buildUrl("p", 3) } }] };
    assert.deepEqual([...runningBuilds([builtIn, n1]).keys()], ["p#3", "f#1"]);
  });

  void it("diffJobs: added, changed and removed; a new lastBuild alone is no change", () => {
    const prev = new Map([job("a", 1), job("b"), job("c")].map((j) => [j.fullName, j]));
    const d = diffJobs(prev, [job("a", 5), job("b", null, { disabled: true }), job("d")]);
    assert.deepEqual(d.added.map((j) => j.fullName), ["d"]);
    assert.deepEqual(d.changed.map((j) => j.fullName), ["b"]);
    assert.deepEqual(d.removed, ["c"]);
  });

  void it("diffJobs: a change to any field but lastBuildNumber is a change (every JobInfo key is compared)", () => {
    const base = job("a", 1);
    const other: { [K in keyof JobInfo]: JobInfo[K] } = {
      fullName: "a",
      name: "a2",
      url: `${J}job/a2/`,
      className: "org.jenkinsci.plugins.workflow.job.WorkflowJob",
      buildable: false,
      disabled: true,
      labelExpression: "linux",
      concurrentBuild: false,
      parameters: [{ name: "NODE", type: "NodeParameterDefinition" }],
      nodeParameter: { name: "NODE", kind: "node" },
      lastBuildNumber: 9,
      isPipeline: true,
    };
    for (const key of Object.keys(other) as (keyof JobInfo)[]) {
      if (key === "fullName") continue; // the identity: another name is an add and a remove
      const d = diffJobs(new Map([["a", base]]), [{ ...base, [key]: other[key] }]);
      assert.equal(d.changed.length, key === "lastBuildNumber" ? 0 : 1, `a different ${key}`);
    }
    const kind = diffJobs(new Map([["a", { ...base, nodeParameter: { name: "N", kind: "node" as const } }]]), [{ ...base, nodeParameter: { name: "N", kind: "label" } }]);
    assert.equal(kind.changed.length, 1, "node parameter kind");
  });

  void it("diffNodes: new and changed nodes, removed names", () => {
    const prev = new Map([node("a", []), node("b", [])].map((n) => [n.name, n]));
    const d = diffNodes(prev, [node("a", []), node("b", [buildUrl("x", 1)]), node("c", [])]);
    assert.deepEqual(d.changed.map((n) => n.name), ["b", "c"]);
    assert.deepEqual(d.removed, []);
    assert.deepEqual(diffNodes(prev, [node("a", [])]).removed, ["b"]);
  });

  void it("missedBuildNumbers: nothing on first sight, the gap afterwards, capped to the newest", () => {
    assert.deepEqual(missedBuildNumbers(undefined, 5, 20), []);
    assert.deepEqual(missedBuildNumbers(3, 5, 20), [4, 5]);
    assert.deepEqual(missedBuildNumbers(null, 2, 20), [1, 2]);
    assert.deepEqual(missedBuildNumbers(5, 5, 20), []);
    assert.deepEqual(missedBuildNumbers(0, 100, 3), [98, 99, 100]);
    assert.deepEqual(missedBuildNumbers(4, null, 3), []);
  });
});

void describe("JenkinsPoller", () => {
  void it("started/finished from executors, once each, in order, even if the build shows up again", async () => {
    const c = new FakeClient();
    c.jobs = [job("f", 0)];
    const p = new JenkinsPoller(c, { jobsEveryCycles: 100 });
    const ev = record(p);
    await p.pollOnce();
    const url = buildUrl("f", 1);
    c.builds.set(url, build("f", 1, { building: true, queueId: 7 }));
    c.nodes = [node("a1", [url])];
    await p.pollOnce();
    await p.pollOnce();
    assert.deepEqual(ev, ["started f#1"]);
    assert.deepEqual(p.runningBuilds.map((b) => b.number), [1]);
    c.nodes = [node("a1", [])];
    c.builds.set(url, build("f", 1, { building: false, result: "UNSTABLE", queueId: 7 }));
    await p.pollOnce();
    c.nodes = [node("a1", [url])]; // seen again (e.g. post-production)
    await p.pollOnce();
    c.nodes = [node("a1", [])];
    await p.pollOnce();
    assert.deepEqual(ev, ["started f#1", "finished f#1 UNSTABLE"]);
    assert.deepEqual(p.runningBuilds, []);
  });

  void it("a build already done when first fetched gets both events; a build still building after leaving its executor is re-checked", async () => {
    const c = new FakeClient();
    const p = new JenkinsPoller(c);
    const ev = record(p);
    const u1 = buildUrl("f", 1);
    const u2 = buildUrl("f", 2);
    c.builds.set(u1, build("f", 1, { result: "FAILURE" }));
    c.builds.set(u2, build("f", 2, { building: true }));
    c.nodes = [node("a1", [u1, u2])];
    await p.pollOnce();
    assert.deepEqual(ev, ["started f#1", "finished f#1 FAILURE", "started f#2"]);
    c.nodes = [node("a1", [])];
    await p.pollOnce(); // #2 left the executor but still says building (result can be set while building)
    assert.equal(ev.length, 3);
    c.builds.set(u2, build("f", 2, { result: "ABORTED" }));
    await p.pollOnce();
    assert.deepEqual(ev.slice(3), ["finished f#2 ABORTED"]);
  });

  void it("a build shorter than the interval: found through its queue item, across the executable:null window", async () => {
    const c = new FakeClient();
    const p = new JenkinsPoller(c, { jobsEveryCycles: 100 });
    const ev = record(p);
    c.queue = [qitem(5, "f")];
    await p.pollOnce();
    c.queue = [];
    c.items.set(5, qitem(5, "f", { state: "left", executable: null }));
    await p.pollOnce();
    assert.deepEqual(ev, []);
    assert.ok(c.calls.includes("getQueueItem 5"));
    c.items.set(5, qitem(5, "f", { state: "left", executable: { number: 3, url: buildUrl("f", 3) } }));
    c.builds.set(buildUrl("f", 3), build("f", 3, { queueId: 5 }));
    await p.pollOnce();
    assert.deepEqual(ev, ["started f#3", "finished f#3 SUCCESS"]);
    const before = c.calls.length;
    await p.pollOnce();
    assert.deepEqual(c.calls.slice(before), ["listQueue", "listNodes"], "the lookup is done");
  });

  void it("watchQueueItem: a build that came and went between polls is looked up; a watch begun while the queue GET was in flight waits a snapshot", async () => {
    const c = new FakeClient();
    const p = new JenkinsPoller(c, { jobsEveryCycles: 100 });
    const ev = record(p);
    await p.pollOnce();
    // Watched between polls, never seen queued, already done: one lookup finds it.
    p.watchQueueItem(7, "f", `${J}job/f/`);
    c.items.set(7, qitem(7, "f", { state: "left", executable: { number: 1, url: buildUrl("f", 1) } }));
    c.builds.set(buildUrl("f", 1), build("f", 1, { queueId: 7 }));
    let before = c.calls.length;
    await p.pollOnce();
    assert.deepEqual(c.calls.slice(before), ["listQueue", "listNodes", "getQueueItem 7", `getBuildByUrl ${buildUrl("f", 1)}`]);
    assert.deepEqual(ev, ["started f#1", "finished f#1 SUCCESS"]);

    // The trigger lands while the queue GET is in flight: that snapshot cannot show it, so no
    // lookup yet; the next snapshot shows it queued, and no lookup is ever needed.
    const listQueue = c.listQueue.bind(c);
    c.listQueue = async () => {
      const q = await listQueue();
      p.watchQueueItem(8, "f", `${J}job/f/`);
      return q;
    };
    before = c.calls.length;
    await p.pollOnce();
    assert.deepEqual(c.calls.slice(before), ["listQueue", "listNodes"], "no GET /queue/item/8 for a watch newer than the snapshot");
    c.listQueue = listQueue;
    c.queue = [qitem(8, "f")];
    before = c.calls.length;
    await p.pollOnce();
    assert.deepEqual(c.calls.slice(before), ["listQueue", "listNodes"]);
    // Had it started and ended unseen instead, the following cycle looks it up.
    c.queue = [];
    c.items.set(8, qitem(8, "f", { state: "left", executable: { number: 2, url: buildUrl("f", 2) } }));
    c.builds.set(buildUrl("f", 2), build("f", 2, { queueId: 8 }));
    await p.pollOnce();
    assert.deepEqual(ev.slice(2), ["started f#2", "finished f#2 SUCCESS"]);
  });

  void it("no lookup for an item whose build was seen on an executor; an expired item is found by queue id; a cancelled one is dropped", async () => {
    const c = new FakeClient();
    const p = new JenkinsPoller(c, { jobsEveryCycles: 100 });
    const ev = record(p);
    c.queue = [qitem(1, "f"), qitem(2, "g"), qitem(3, "h")];
    await p.pollOnce();
    c.queue = [];
    c.builds.set(buildUrl("f", 1), build("f", 1, { building: true, queueId: 1 }));
    c.builds.set(buildUrl("g", 4), build("g", 4, { queueId: 2, result: "FAILURE" }));
    c.items.set(3, qitem(3, "h", { state: "left", cancelled: true }));
    c.nodes = [node("a1", [buildUrl("f", 1)])];
    const before = c.calls.length;
    await p.pollOnce();
    assert.deepEqual(c.calls.slice(before).sort(), [
      "findBuildByQueueId g 2",
      `getBuildByUrl ${buildUrl("f", 1)}`,
      "getQueueItem 2",
      "getQueueItem 3",
      "listNodes",
      "listQueue",
    ]);
    assert.deepEqual(ev, ["started f#1", "started g#4", "finished g#4 FAILURE"]);
  });

  void it("safety net: lastBuild numbers never reported are fetched when the job list is refreshed", async () => {
    const c = new FakeClient();
    c.jobs = [job("f", 3), job("g", 1)];
    const p = new JenkinsPoller(c, { jobsEveryCycles: 2 });
    const ev = record(p);
    await p.pollOnce(); // loads jobs: history is not reported
    const u5 = buildUrl("f", 5);
    c.builds.set(u5, build("f", 5, { building: true }));
    c.nodes = [node("a1", [u5])];
    await p.pollOnce();
    assert.deepEqual(ev, ["started f#5"]);
    c.jobs = [job("f", 5), job("g", 1), job("new", 1)];
    c.builds.set(buildUrl("f", 4), build("f", 4, { result: "SUCCESS" }));
    c.builds.set(buildUrl("new", 1), build("new", 1, { building: true }));
    const before = c.calls.length;
    await p.pollOnce(); // cycle 2: refresh
    assert.deepEqual(c.calls.slice(before), ["listQueue", "listNodes", "listJobs", "getBuild f#4", "getBuild new#1"]);
    assert.deepEqual(ev, ["started f#5", "started f#4", "finished f#4 SUCCESS", "started new#1"]);
    c.builds.set(buildUrl("new", 1), build("new", 1, { result: "SUCCESS" }));
    await p.pollOnce(); // new#1 is on no executor: checked, and done
    assert.deepEqual(ev.slice(4), ["finished new#1 SUCCESS"]);
  });

  void it("emits jobs and nodes changes", async () => {
    const c = new FakeClient();
    c.jobs = [job("a")];
    c.nodes = [node("n1", [])];
    const p = new JenkinsPoller(c, { jobsEveryCycles: 1 });
    const jobsEv: string[] = [];
    const nodesEv: string[] = [];
    p.on("jobs", (d) => jobsEv.push(`+${d.added.map((j) => j.fullName).join()} ~${d.changed.map((j) => j.fullName).join()} -${d.removed.join()}`));
    p.on("nodes", (d) => nodesEv.push(`${d.all.length} ~${d.changed.map((n) => n.name).join()} -${d.removed.join()}`));
    await p.pollOnce();
    await p.pollOnce();
    c.jobs = [job("a", null, { labelExpression: "x" }), job("b")];
    c.nodes = [node("n2", [])];
    await p.pollOnce();
    assert.deepEqual(jobsEv, ["+a ~ -", "+b ~a -"]);
    assert.deepEqual(nodesEv, ["1 ~n1 -", "1 ~n2 -n1"]);
    assert.deepEqual([...p.jobs.keys()], ["a", "b"]);
    assert.deepEqual([...p.nodes.keys()], ["n2"]);
  });

  void it("on Jenkins errors: health false, state kept, no crash; health true when it answers again", async () => {
    const c = new FakeClient();
    c.jobs = [job("a")];
    c.nodes = [node("n1", [])];
    const p = new JenkinsPoller(c);
    const health: boolean[] = [];
    const errors: string[] = [];
    p.on("health", (h) => health.push(h.healthy));
    p.on("error", (e) => errors.push(e.message));
    await p.pollOnce();
    assert.equal(p.healthy, true);
    const okAt = p.lastSuccessAt;
    c.fail = new Error("ECONNREFUSED");
    await p.pollOnce();
    await p.pollOnce();
    assert.equal(p.healthy, false);
    assert.deepEqual([...p.nodes.keys()], ["n1"]);
    assert.deepEqual([...p.jobs.keys()], ["a"]);
    assert.equal(p.lastSuccessAt, okAt);
    c.fail = null;
    await p.pollOnce();
    assert.deepEqual(health, [true, false, true]);
    assert.deepEqual(errors, ["ECONNREFUSED", "ECONNREFUSED"]);
  });

  void it("the request count per cycle is the same for 10 and for 200 running builds", async () => {
    async function steadyRequests(n: number): Promise<number> {
      const c = new FakeClient();
      c.jobs = [job("f", 0)];
      const urls = Array.from({ length: n }, (_, i) => buildUrl("f", i + 1));
      for (const [i, u] of urls.entries()) c.builds.set(u, build("f", i + 1, { building: true }));
      c.nodes = Array.from({ length: 10 }, (_, k) => node(`n${k}`, urls.filter((_, i) => i % 10 === k), 20));
      const p = new JenkinsPoller(c, { jobsEveryCycles: 1000 });
      const cycles: number[] = [];
      p.on("cycle", (x) => cycles.push(x.requests));
      const started: number[] = [];
      p.on("buildStarted", (b) => started.push(b.number));
      await p.pollOnce();
      await p.pollOnce();
      await p.pollOnce();
      assert.equal(started.length, n);
      assert.equal(cycles[0], 3 + n, "first cycle: queue, computers, jobs, one GET per started build");
      return cycles[2]!;
    }
    assert.equal(await steadyRequests(10), 2);
    assert.equal(await steadyRequests(200), 2);
  });

  void it("caps the re-checks of builds that left their executor but still say building", async () => {
    const c = new FakeClient();
    const urls = Array.from({ length: 30 }, (_, i) => buildUrl("f", i + 1));
    for (const [i, u] of urls.entries()) c.builds.set(u, build("f", i + 1, { building: true }));
    c.nodes = [node("a", urls)];
    const p = new JenkinsPoller(c, { maxRechecksPerCycle: 5, jobsEveryCycles: 1000 });
    const cycles: number[] = [];
    p.on("cycle", (x) => cycles.push(x.requests));
    await p.pollOnce();
    c.nodes = [node("a", [])];
    await p.pollOnce(); // first check of each: 30
    await p.pollOnce(); // re-checks: capped at 5
    await p.pollOnce();
    assert.deepEqual(cycles.slice(1), [2 + 30, 2 + 5, 2 + 5]);
  });

  void it("start() polls on its interval, stop() waits for the cycle and leaves no timer; a throwing listener is contained", async () => {
    const c = new FakeClient();
    const p = new JenkinsPoller(c, { intervalMs: 10 });
    let cycles = 0;
    p.on("cycle", () => {
      cycles++;
      throw new Error("bad listener");
    });
    p.start();
    p.start(); // idempotent
    const deadline = Date.now() + 3000;
    while (cycles < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await p.stop();
    const n = cycles;
    assert.ok(n >= 3, `ran ${n} cycles`);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(cycles, n, "no cycle after stop");
  });
});
