// docs/jenkins-rest.md "Triggering a build", "Queue": triggers and the queue, over real HTTP.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { JenkinsSimulator, SimJobSpec } from "../../src/simulator/index.js";
import { get, post, queueId, settle, start } from "./simulator-fixtures.js";

const PARAMS: SimJobSpec["parameters"] = [
  { name: "REF", type: "string", default: "main" },
  { name: "MODE", type: "choice", choices: ["a", "b"] },
  { name: "FLAG", type: "boolean", default: "true" },
  { name: "NODE", type: "node" },
];
const JOBS: SimJobSpec[] = [
  { name: "p", parameters: PARAMS, durationMs: 10_000, estimatedDurationMs: 10_000 },
  { name: "plain", durationMs: 10_000 },
  { name: "off", parameters: PARAMS, disabled: true },
  { name: "serial", concurrent: false, parameters: [{ name: "X", type: "string" }], durationMs: 10_000, estimatedDurationMs: 10_000 },
];
const NODES = [{ name: "agent1", labels: ["linux"], executors: 1 }, { name: "agent2", labels: ["linux"], executors: 1 }];

describe("simulator triggers and queue", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("buildWithParameters → 201, empty body, absolute Location …/queue/item/<id>/ (hudson/model/ParametersDefinitionProperty.java:205-227)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const r = await post(sim, "job/p/buildWithParameters?REF=x");
    assert.equal(r.status, 201);
    assert.equal(r.text, "");
    assert.equal(r.headers.get("location"), `${sim.url}queue/item/1/`);
  });

  it("same params while queued → 303 to the same id; different → new id; after start → new id (hudson/model/Queue.java:612-668)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const a = await post(sim, "job/p/buildWithParameters?REF=x");
    const b = await post(sim, "job/p/buildWithParameters?REF=x");
    assert.equal(b.status, 303);
    assert.equal(queueId(b), queueId(a));
    const c = await post(sim, "job/p/buildWithParameters?REF=y");
    assert.equal(c.status, 201);
    assert.notEqual(queueId(c), queueId(a));
    sim.advance(5000); // quiet period over: both start
    const left = await get(sim, `queue/item/${queueId(a)}/api/json`);
    assert.equal(left.json["_class"], "hudson.model.Queue$LeftItem");
    const d = await post(sim, "job/p/buildWithParameters?REF=x");
    assert.equal(d.status, 201);
    assert.notEqual(queueId(d), queueId(a));
    // Plain `build` answers 201 even for a duplicate (JENKINS-66105), with the existing item.
    const e1 = await post(sim, "job/plain/build");
    const e2 = await post(sim, "job/plain/build");
    assert.deepEqual([e1.status, e2.status], [201, 201]);
    assert.equal(queueId(e1), queueId(e2));
  });

  it("no parameters → 400; disabled → 409; GET → 405 with Allow: POST (jenkins/model/ParameterizedJobMixIn.java:243-255, hudson/model/BuildAuthorizationToken.java:114-139)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const r400 = await post(sim, "job/plain/buildWithParameters");
    assert.equal(r400.status, 400);
    assert.match(r400.text, /plain is not parameterized/);
    const r409 = await post(sim, "job/off/buildWithParameters");
    assert.equal(r409.status, 409);
    assert.match(r409.text, /off is not buildable/);
    const r405 = await get(sim, "job/p/buildWithParameters");
    assert.equal(r405.status, 405);
    assert.equal(r405.headers.get("allow"), "POST");
    assert.equal((await post(sim, "job/nosuch/buildWithParameters")).status, 404);
    assert.equal((await post(sim, "job/p/build")).status, 400, "parameterized build without json → Nothing is submitted");
    assert.equal((await post(sim, "job/p/buildWithParameters?MODE=zzz")).status, 500, "Illegal choice (ChoiceParameterDefinition.java:163)");
    assert.equal((await post(sim, "job/p/buildWithParameters?REF=1&REF=2")).status, 500, "duplicate value");
  });

  it("unknown params ignored, missing ones defaulted (hudson/model/SimpleParameterDefinition.java:34-43)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const r = await post(sim, "job/p/buildWithParameters?REF=r1&BOGUS=1");
    const q = await get(sim, `queue/item/${queueId(r)}/api/json`);
    assert.equal(q.json["params"], "\nREF=r1\nMODE=a\nFLAG=true\nNODE=");
    const actions = q.json["actions"] as { _class: string; parameters?: { _class: string; name: string; value: unknown }[] }[];
    const pa = actions.find((a) => a._class === "hudson.model.ParametersAction");
    assert.deepEqual(pa?.parameters, [
      { _class: "hudson.model.StringParameterValue", name: "REF", value: "r1" },
      { _class: "hudson.model.StringParameterValue", name: "MODE", value: "a" },
      { _class: "hudson.model.BooleanParameterValue", name: "FLAG", value: true },
      { _class: "org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterValue", name: "NODE", value: "" },
    ]);
    // Parameters also come as a form body, and `build` takes json={"parameter":[…]}.
    const f = await post(sim, "job/p/build?delay=0sec", { "Content-Type": "application/x-www-form-urlencoded" }, `json=${encodeURIComponent(JSON.stringify({ parameter: [{ name: "REF", value: "j1" }] }))}`);
    assert.equal(f.status, 201);
    assert.match((await get(sim, `queue/item/${queueId(f)}/api/json`)).json["params"] as string, /REF=j1/);
  });

  it("without delay: WaitingItem 'In the quiet period. Expires in …'; delay=0sec starts at once (Queue.java:2677-2705, jenkins/util/TimeDuration.java:62-80)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const w = await post(sim, "job/p/buildWithParameters?REF=w");
    const q = await get(sim, `queue/item/${queueId(w)}/api/json`);
    assert.equal(q.json["_class"], "hudson.model.Queue$WaitingItem");
    assert.equal(q.json["why"], "In the quiet period. Expires in 5 sec");
    assert.equal(typeof q.json["timestamp"], "number");
    assert.equal(q.json["url"], `queue/item/${queueId(w)}/`, "queue url is relative");
    sim.advance(100);
    assert.equal((await get(sim, `queue/item/${queueId(w)}/api/json`)).json["why"], "In the quiet period. Expires in 4.9 sec");
    const z = await post(sim, "job/p/buildWithParameters?REF=z&delay=0sec");
    await settle();
    assert.equal((await get(sim, `queue/item/${queueId(z)}/api/json`)).json["_class"], "hudson.model.Queue$LeftItem");
    // A bare number is milliseconds; "5secs" is seconds.
    const ms = await post(sim, "job/p/buildWithParameters?REF=m&delay=1500");
    assert.equal((await get(sim, `queue/item/${queueId(ms)}/api/json`)).json["why"], "In the quiet period. Expires in 1.5 sec");
    const s5 = await post(sim, "job/p/buildWithParameters?REF=s&delay=5secs");
    assert.equal((await get(sim, `queue/item/${queueId(s5)}/api/json`)).json["why"], "In the quiet period. Expires in 5 sec");
    assert.equal((await post(sim, "job/p/buildWithParameters?delay=soon")).status, 400);
  });

  it("pinned to a busy node: 'Waiting for next available executor on ‘agent1’'; offline: '‘agent1’ is offline', stuck (Queue.java:2823-2870, hudson/model/queue/CauseOfBlockage.java:101-215)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/p/buildWithParameters?NODE=agent1&REF=1&delay=0sec");
    sim.tick();
    const busy = await post(sim, "job/p/buildWithParameters?NODE=agent1&REF=2&delay=0sec");
    sim.tick();
    const q = await get(sim, `queue/item/${queueId(busy)}/api/json`);
    assert.equal(q.json["_class"], "hudson.model.Queue$BuildableItem");
    assert.equal(q.json["why"], "Waiting for next available executor on ‘agent1’");
    assert.equal(q.json["stuck"], false);
    assert.equal(q.json["buildable"], true);
    assert.equal(typeof q.json["buildableStartMilliseconds"], "number");
    assert.equal(q.json["pending"], false);
    assert.equal((await post(sim, "computer/agent1/toggleOffline?offlineMessage=maint")).status, 302);
    const off = await get(sim, `queue/item/${queueId(busy)}/api/json`);
    assert.equal(off.json["why"], "‘agent1’ is offline");
    assert.equal(off.json["stuck"], true);
    const none = await post(sim, "job/p/buildWithParameters?NODE=ghost&delay=0sec");
    sim.tick();
    assert.equal((await get(sim, `queue/item/${queueId(none)}/api/json`)).json["why"], "There are no nodes with the label ‘ghost’");
  });

  it("non-concurrent job already running: BlockedItem 'Build #N is already in progress (ETA: …)' (jenkins/model/Messages.properties:69)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/serial/buildWithParameters?X=1&delay=0sec");
    sim.tick();
    const second = await post(sim, "job/serial/buildWithParameters?X=2&delay=0sec");
    sim.tick();
    const q = await get(sim, `queue/item/${queueId(second)}/api/json`);
    assert.equal(q.json["_class"], "hudson.model.Queue$BlockedItem");
    assert.equal(q.json["blocked"], true);
    assert.equal(q.json["why"], "Build #1 is already in progress (ETA: 10 sec)");
    sim.advance(10_000); // #1 ends; #2 starts on the next tick
    sim.tick();
    assert.equal((await get(sim, `queue/item/${queueId(second)}/api/json`)).json["_class"], "hudson.model.Queue$LeftItem");
  });

  it("on start: LeftItem cancelled:false, executable{_class,number,url}, why:null; build.queueId == id; 404 after the TTL (Queue.java:225, :2900-2945; hudson/model/Run.java:453)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES, leftItemTtlMs: 60_000 });
    const r = await post(sim, "job/p/buildWithParameters?REF=s&delay=0sec");
    const id = queueId(r);
    sim.tick();
    const q = await get(sim, `queue/item/${id}/api/json`);
    assert.equal(q.json["_class"], "hudson.model.Queue$LeftItem");
    assert.equal(q.json["cancelled"], false);
    assert.equal(q.json["why"], null);
    assert.deepEqual(q.json["executable"], { _class: "hudson.model.FreeStyleBuild", number: 1, url: `${sim.url}job/p/1/` });
    assert.deepEqual(q.json["task"], { _class: "hudson.model.FreeStyleProject", name: "p", url: `${sim.url}job/p/`, color: "notbuilt_anime" });
    const b = await get(sim, "job/p/1/api/json?tree=queueId");
    assert.equal(b.json["queueId"], id);
    sim.advance(60_001);
    assert.equal((await get(sim, `queue/item/${id}/api/json`)).status, 404);
  });

  it("executable:null window after a start, then the executable (hudson/model/Executor.java:380-396)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES, executableNullWindowMs: 500 });
    const id = queueId(await post(sim, "job/p/buildWithParameters?REF=n&delay=0sec"));
    sim.tick();
    const q = await get(sim, `queue/item/${id}/api/json`);
    assert.equal(q.json["_class"], "hudson.model.Queue$LeftItem");
    assert.equal(q.json["cancelled"], false);
    assert.equal(q.json["executable"], null);
    const ex = await get(sim, "computer/agent1/api/json?tree=executors[idle,currentExecutable[number]]");
    assert.deepEqual(ex.json["executors"], [{ idle: false, currentExecutable: null }]);
    assert.equal((await get(sim, "job/p/1/api/json")).status, 404);
    sim.advance(500);
    assert.equal(((await get(sim, `queue/item/${id}/api/json`)).json["executable"] as { number: number }).number, 1);
  });

  it("cancelItem → 204 then LeftItem cancelled:true, executable:null; unknown id → 404; item/N/cancelQueue → 204 (Queue.java:759-774, :2493-2502)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const id = queueId(await post(sim, "job/p/buildWithParameters?REF=c"));
    const c = await post(sim, `queue/cancelItem?id=${id}`);
    assert.equal(c.status, 204);
    const q = await get(sim, `queue/item/${id}/api/json`);
    assert.equal(q.json["_class"], "hudson.model.Queue$LeftItem");
    assert.equal(q.json["cancelled"], true);
    assert.equal(q.json["executable"], null);
    const missing = await post(sim, "queue/cancelItem?id=9999");
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Provided id \(9999\) not found/);
    const id2 = queueId(await post(sim, "job/p/buildWithParameters?REF=d"));
    assert.equal((await post(sim, `queue/item/${id2}/cancelQueue`)).status, 204);
    assert.equal((await get(sim, `queue/item/${id2}/api/json`)).json["cancelled"], true);
    assert.equal((await post(sim, "queue/item/9999/cancelQueue")).status, 204);
    const list = await get(sim, "queue/api/json");
    assert.deepEqual(list.json, { _class: "hudson.model.Queue", discoverableItems: [], items: [] });
  });
});
