import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { JenkinsClient } from "../../../src/jenkins/index.js";
import { fakeJenkins, json, text, type FakeServer, type Handler } from "./fake-server.js";

const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function client(h: Handler): Promise<{ s: FakeServer; c: JenkinsClient }> {
  const s = await fakeJenkins(h);
  servers.push(s);
  return { s, c: new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: "tok-abc-123" }, retries: 0 }) };
}

const J = "http://jenkins.example/";
const task = { _class: "hudson.model.FreeStyleProject", name: "build", url: `${J}job/team/job/build/`, color: "blue" };
const params = [{ _class: "hudson.model.ParametersAction", parameters: [{ _class: "hudson.model.StringParameterValue", name: "ZUUL_UUID", value: "u1" }, { _class: "hudson.model.BooleanParameterValue", name: "DEBUG", value: true }] }, { _class: "hudson.model.CauseAction" }, {}];

void describe("queue (docs/jenkins-rest.md \"Queue\")", () => {
  void it("maps the four item classes to states, with why, stuck and params", async () => {
    const { s, c } = await client((_r, res) =>
      json(res, {
        _class: "hudson.model.Queue",
        items: [
          { _class: "hudson.model.Queue$WaitingItem", id: 1, task, why: "In the quiet period. Expires in 4.9 sec", blocked: false, buildable: false, stuck: false, inQueueSince: 1700000000000, actions: params, timestamp: 1 },
          { _class: "hudson.model.Queue$BlockedItem", id: 2, task, why: "Build #7 is already in progress (ETA: 10 sec)", blocked: true, buildable: false, stuck: false, inQueueSince: 1, actions: [] },
          { _class: "hudson.model.Queue$BuildableItem", id: 3, task, why: "‘agent1’ is offline", blocked: false, buildable: true, stuck: true, inQueueSince: 2, actions: [], pending: false },
          { _class: "hudson.model.Queue$LeftItem", id: 4, task, why: null, blocked: false, buildable: false, stuck: false, inQueueSince: 3, actions: [], cancelled: false, executable: null },
        ],
      }),
    );
    const items = await c.listQueue();
    assert.equal(s.requests[0]!.url.pathname, "/queue/api/json");
    assert.match(s.requests[0]!.url.searchParams.get("tree") ?? "", /^items\[id,why,.*task\[name,url\].*executable\[number,url\]\]$/);
    assert.deepEqual(items.map((i) => i.state), ["waiting", "blocked", "buildable", "left"]);
    assert.deepEqual(items[0], {
      id: 1,
      state: "waiting",
      why: "In the quiet period. Expires in 4.9 sec",
      stuck: false,
      cancelled: false,
      executable: null,
      jobName: "build",
      jobUrl: `${J}job/team/job/build/`,
      params: { ZUUL_UUID: "u1", DEBUG: "true" },
      inQueueSince: 1700000000000,
    });
    assert.equal(items[2]!.stuck, true);
    // The executable:null window (Executor.java:380-396): left, not cancelled, no build yet.
    assert.deepEqual([items[3]!.state, items[3]!.cancelled, items[3]!.executable], ["left", false, null]);
  });

  void it("falls back on the fields when _class is absent", async () => {
    const { c } = await client((_r, res) =>
      json(res, { items: [{ id: 1, task, blocked: true }, { id: 2, task, buildable: true }, { id: 3, task }, { id: 4, task, cancelled: true, executable: null }] }),
    );
    assert.deepEqual((await c.listQueue()).map((i) => i.state), ["blocked", "buildable", "waiting", "left"]);
  });

  void it("getQueueItem: a started LeftItem, and 404 once expired", async () => {
    const { s, c } = await client((r, res) =>
      r.url.pathname === "/queue/item/42/api/json"
        ? json(res, { _class: "hudson.model.Queue$LeftItem", id: 42, task, url: "queue/item/42/", why: null, cancelled: false, executable: { _class: "hudson.model.FreeStyleBuild", number: 8, url: `${J}job/team/job/build/8/` }, actions: params })
        : text(res, 404, ""),
    );
    const it42 = await c.getQueueItem(42);
    assert.deepEqual(it42?.executable, { number: 8, url: `${J}job/team/job/build/8/` });
    assert.equal(it42?.state, "left");
    assert.equal(await c.getQueueItem(43), null);
    assert.equal(s.requests.length, 2);
  });

  void it("cancelQueueItem: 204 -> true, 404 -> false, POST /queue/cancelItem?id=N", async () => {
    const { s, c } = await client((r, res) => text(res, r.url.searchParams.get("id") === "5" ? 204 : 404, ""));
    assert.equal(await c.cancelQueueItem(5), true);
    assert.equal(await c.cancelQueueItem(6), false);
    assert.deepEqual(s.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`), ["POST /queue/cancelItem?id=5", "POST /queue/cancelItem?id=6"]);
  });
});

const running = { _class: "hudson.model.FreeStyleBuild", actions: params, building: true, description: null, duration: 0, estimatedDuration: 61234, executor: {}, number: 8, queueId: 42, result: "FAILURE", timestamp: 1700000006000, url: `${J}job/team/job/build/8/`, builtOn: "" };
const done = { ...running, building: false, result: "SUCCESS", duration: 5000, description: "<b>hi</b>" };

void describe("builds (docs/jenkins-rest.md \"Builds\")", () => {
  void it("getBuild: a result can be set while building; done only when building is false", async () => {
    let body: object = running;
    const { s, c } = await client((_r, res) => json(res, body));
    const b = await c.getBuild("team/build", 8);
    assert.equal(s.requests[0]!.url.pathname, "/job/team/job/build/8/api/json");
    assert.deepEqual(b, {
      jobFullName: "team/build",
      number: 8,
      url: `${J}job/team/job/build/8/`,
      building: true,
      result: "FAILURE",
      duration: 0,
      estimatedDuration: 61234,
      timestamp: 1700000006000,
      builtOn: "",
      queueId: 42,
      description: null,
      parameters: { ZUUL_UUID: "u1", DEBUG: "true" },
      done: false,
    });
    body = { ...done, builtOn: undefined }; // WorkflowRun has no builtOn
    const d = await c.getBuild("team/build", 8);
    assert.equal(d?.done, true);
    assert.equal(d?.builtOn, null);
    assert.equal(d?.description, "<b>hi</b>");
  });

  void it("getBuildByUrl rebases Jenkins' root URL onto the base URL", async () => {
    const { s, c } = await client((_r, res) => json(res, done));
    const b = await c.getBuildByUrl("https://public.example/ci/job/team/job/build/8/");
    assert.equal(s.requests[0]!.url.pathname, "/job/team/job/build/8/api/json");
    assert.equal(b?.jobFullName, "team/build");
    await assert.rejects(c.getBuildByUrl("http://x/job/team/"), /not a build URL/);
  });

  void it("findBuildByQueueId looks through the newest 50 builds in one request", async () => {
    const { s, c } = await client((_r, res) => json(res, { builds: [{ ...done, number: 9, queueId: 43 }, done] }));
    const b = await c.findBuildByQueueId("team/build", 42);
    assert.equal(b?.number, 8);
    assert.match(s.requests[0]!.url.searchParams.get("tree") ?? "", /^builds\[number,url,.*\]\{0,50\}$/);
    assert.equal(await c.findBuildByQueueId("team/build", 99), null);
  });

  void it("stopBuild and setDescription POST to the build (302 answers)", async () => {
    const { s, c } = await client((_r, res) => text(res, 302, "", { location: "." }));
    await c.stopBuild("team/build", 8);
    await c.setDescription("team/build", 8, "<a href='x'>log</a>");
    assert.deepEqual(s.requests.map((r) => `${r.method} ${r.url.pathname}`), ["POST /job/team/job/build/8/stop", "POST /job/team/job/build/8/submitDescription"]);
    assert.equal(new URLSearchParams(s.requests[1]!.body).get("description"), "<a href='x'>log</a>");
  });
});

void describe("root and quiet-down (docs/jenkins-rest.md \"Root\", \"Quiet-down\")", () => {
  void it("root() reads the configured root URL, quietingDown, the reason, crumbs, security and the X-Jenkins version", async () => {
    const { c } = await client((_r, res) => json(res, { _class: "hudson.model.Hudson", url: "https://jenkins01.example.org/", quietingDown: true, quietDownReason: "restart", useCrumbs: true, useSecurity: true, mode: "NORMAL" }));
    assert.deepEqual(await c.root(), { url: "https://jenkins01.example.org/", quietingDown: true, quietDownReason: "restart", version: "2.479.1", useCrumbs: true, useSecurity: true, mode: "NORMAL" });
  });

  void it("quietDown sends the message; cancelQuietDown", async () => {
    const { s, c } = await client((_r, res) => text(res, 302, "", { location: "/" }));
    await c.quietDown("sidecar drain");
    await c.quietDown();
    await c.cancelQuietDown();
    assert.deepEqual(s.requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`), ["POST /quietDown?message=sidecar+drain", "POST /quietDown", "POST /cancelQuietDown"]);
  });
});
