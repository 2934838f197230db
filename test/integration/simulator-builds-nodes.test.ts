// docs/jenkins-rest.md "Builds", "Computers", "Quiet-down": builds, computers and quiet-down, over real HTTP.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { JenkinsSimulator, SimJobSpec } from "../../src/simulator/index.js";
import { get, post, queueId, start } from "./simulator-fixtures.js";

const JOBS: SimJobSpec[] = [
  { name: "team/build", labelExpression: "linux", parameters: [{ name: "NODE", type: "node" }], durationMs: 10_000 },
  { name: "pipe", type: "pipeline", parameters: [{ name: "NODE", type: "node" }], durationMs: 10_000 },
];
const NODES = [
  { name: "agent1", labels: ["linux", "docker"], executors: 2 },
  { name: "agent2", labels: ["linux"], executors: 1, exclusive: true },
];

type Obj = Record<string, unknown>;

describe("simulator builds, computers and quiet-down", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("running: building:true, result:null, duration:0, builtOn, executor:{}; done: result, duration>0, executor:null; result may be set while building (Run.java:470-522, hudson/model/AbstractBuild.java:223)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/team/job/build/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    const run = await get(sim, "job/team/job/build/1/api/json");
    assert.equal(run.json["_class"], "hudson.model.FreeStyleBuild");
    assert.equal(run.json["building"], true);
    assert.equal(run.json["inProgress"], true);
    assert.equal(run.json["result"], null);
    assert.equal(run.json["duration"], 0);
    assert.equal(run.json["builtOn"], "agent1");
    assert.deepEqual(run.json["executor"], {});
    assert.equal(run.json["id"], "1");
    assert.equal(run.json["url"], `${sim.url}job/team/job/build/1/`);
    const actions = run.json["actions"] as Obj[];
    assert.deepEqual(actions[0], { _class: "hudson.model.ParametersAction", parameters: [{ _class: "org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterValue", name: "NODE", value: "agent1" }] });
    assert.equal(actions[1]?.["_class"], "hudson.model.CauseAction");
    assert.deepEqual((actions[1]?.["causes"] as Obj[])[0], { _class: "hudson.model.Cause$UserIdCause", shortDescription: "Started by user sidecar", userId: "sidecar", userName: "sidecar" });
    sim.setBuildResult("team/build", 1, "UNSTABLE");
    const mid = await get(sim, "job/team/job/build/1/api/json?tree=building,result");
    assert.deepEqual(mid.json, { _class: "hudson.model.FreeStyleBuild", building: true, result: "UNSTABLE" });
    sim.advance(10_000);
    const done = await get(sim, "job/team/job/build/1/api/json");
    assert.equal(done.json["building"], false);
    assert.equal(done.json["result"], "UNSTABLE");
    assert.equal(done.json["duration"], 10_000);
    assert.equal(done.json["executor"], null);
    assert.equal((await get(sim, "job/team/job/build/lastBuild/api/json?tree=number")).json["number"], 1);
    assert.equal((await get(sim, "job/team/job/build/lastStableBuild/api/json")).status, 404);
  });

  it("Pipeline: WorkflowJob without labelExpression, WorkflowRun without builtOn, PlaceholderExecutable on the executor (ExecutorStepExecution.java:1220-1272, OneOffExecutor.java:38)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const j = await get(sim, "job/pipe/api/json");
    assert.equal(j.json["_class"], "org.jenkinsci.plugins.workflow.job.WorkflowJob");
    assert.equal("labelExpression" in j.json, false);
    await post(sim, "job/pipe/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    const b = await get(sim, "job/pipe/1/api/json");
    assert.equal(b.json["_class"], "org.jenkinsci.plugins.workflow.job.WorkflowRun");
    assert.equal("builtOn" in b.json, false);
    const c = await get(sim, "computer/agent1/api/json?tree=executors[currentExecutable[number,url]]");
    const ex = (c.json["executors"] as Obj[])[0] as Obj;
    assert.equal((ex["currentExecutable"] as Obj)["_class"], "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable");
  });

  it("stop on a running build → 302 ABORTED; on a finished build → 302 no change (AbstractBuild.java:1406-1415, hudson/model/Executor.java:855-878)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/team/job/build/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    const s = await post(sim, "job/team/job/build/1/stop");
    assert.equal(s.status, 302);
    assert.equal(s.headers.get("location"), `${sim.url}job/team/job/build/1/`);
    const b = await get(sim, "job/team/job/build/1/api/json?tree=building,result");
    assert.deepEqual([b.json["building"], b.json["result"]], [false, "ABORTED"]);
    assert.equal((await post(sim, "job/team/job/build/1/stop")).status, 302);
    assert.equal((await get(sim, "job/team/job/build/1/api/json?tree=result")).json["result"], "ABORTED");
    assert.equal((await post(sim, "job/team/job/build/99/stop")).status, 404);
    assert.equal((await get(sim, "job/team/job/build/1/stop")).status, 405);
  });

  it("doDelete: a running build is refused (200, still there); a finished one → 302 to the job, then 404 (Run.java:1563-1566, 2327-2348)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/team/job/build/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    const refused = await post(sim, "job/team/job/build/1/doDelete");
    assert.equal(refused.status, 200);
    assert.match(refused.text, /because it is still running/);
    assert.equal((await get(sim, "job/team/job/build/1/api/json?tree=building")).json["building"], true);
    sim.advance(10_000);
    assert.equal((await get(sim, "job/team/job/build/1/doDelete")).status, 405);
    const ok = await post(sim, "job/team/job/build/1/doDelete");
    assert.equal(ok.status, 302);
    assert.equal(ok.headers.get("location"), `${sim.url}job/team/job/build/`);
    assert.equal((await get(sim, "job/team/job/build/1/api/json")).status, 404);
  });

  it("label/X: totalExecutors and busyExecutors of the label's online nodes; an unknown label is an empty one; an expression works too (Jenkins.java:2006-2025, Label.java:299-339)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const counts = async (l: string): Promise<unknown[]> => {
      const r = await get(sim, `label/${encodeURIComponent(l)}/api/json?tree=totalExecutors,busyExecutors`);
      assert.equal(r.status, 200, l);
      return [r.json["_class"], r.json["totalExecutors"], r.json["busyExecutors"]];
    };
    assert.deepEqual(await counts("linux"), ["hudson.model.labels.LabelAtom", 3, 0]);
    assert.deepEqual(await counts("docker"), ["hudson.model.labels.LabelAtom", 2, 0]);
    assert.deepEqual(await counts("agent2"), ["hudson.model.labels.LabelAtom", 1, 0], "the self-label");
    assert.deepEqual(await counts("nothing"), ["hudson.model.labels.LabelAtom", 0, 0]);
    assert.deepEqual(await counts("linux && !docker"), ["hudson.model.labels.LabelExpression$And", 1, 0]);
    await post(sim, "job/team/job/build/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    assert.deepEqual(await counts("docker"), ["hudson.model.labels.LabelAtom", 2, 1]);
    sim.setNodeOffline("agent1", true);
    assert.deepEqual(await counts("linux"), ["hudson.model.labels.LabelAtom", 1, 0], "offline nodes do not count");
    sim.setNodeLabels("agent2", ["docker"]);
    assert.deepEqual(await counts("docker"), ["hudson.model.labels.LabelAtom", 1, 0], "a relabel shows at once");
  });

  it("submitDescription → 302 and the description is visible (Run.java:2359-2363)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/team/job/build/buildWithParameters?delay=0sec");
    sim.tick();
    const r = await post(sim, "job/team/job/build/1/submitDescription", { "Content-Type": "application/x-www-form-urlencoded" }, "description=zuul+change+42");
    assert.equal(r.status, 302);
    assert.equal((await get(sim, "job/team/job/build/1/api/json?tree=description")).json["description"], "zuul change 42");
  });

  it("depth 0: executors [{}…], assignedLabels [{name}] with self-label, no _class; with tree: currentExecutable{_class,number,url} or null (hudson/model/Computer.java:570-1000, Executor.java:553-620, hudson/model/Node.java:338-343)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const all = await get(sim, "computer/api/json");
    assert.equal(all.json["_class"], "hudson.model.ComputerSet");
    const comps = all.json["computer"] as Obj[];
    assert.deepEqual(comps.map((c) => [c["_class"], c["displayName"]]), [
      ["hudson.model.Hudson$MasterComputer", "Built-In Node"],
      ["hudson.slaves.SlaveComputer", "agent1"],
      ["hudson.slaves.SlaveComputer", "agent2"],
    ]);
    const a1 = comps[1] as Obj;
    assert.deepEqual(a1["executors"], [{}, {}]);
    assert.deepEqual(a1["assignedLabels"], [{ name: "agent1" }, { name: "docker" }, { name: "linux" }]);
    assert.equal("name" in a1, false);
    assert.equal(a1["offlineCause"], null);
    assert.deepEqual((comps[0] as Obj)["assignedLabels"], [{ name: "built-in" }]);
    await post(sim, "job/team/job/build/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    const t = await get(sim, "computer/api/json?tree=computer[displayName,idle,executors[number,idle,currentExecutable[number,url]]]");
    const exs = ((t.json["computer"] as Obj[])[1] as Obj)["executors"];
    assert.deepEqual(exs, [
      { currentExecutable: { _class: "hudson.model.FreeStyleBuild", number: 1, url: `${sim.url}job/team/job/build/1/` }, idle: false, number: 0 },
      { currentExecutable: null, idle: true, number: 1 },
    ]);
    // (built-in) and the old (master) alias name the built-in node (jenkins/model/Jenkins.java:1987-1990)
    for (const alias of ["(built-in)", "(master)"]) {
      const r = await get(sim, `computer/${encodeURIComponent(alias)}/api/json?tree=displayName`);
      assert.equal(r.json["displayName"], "Built-In Node");
    }
    assert.equal((await get(sim, "computer/nosuch/api/json")).status, 404);
  });

  it("node mode is only in config.xml: Computer does not export getNode() (hudson/model/Node.java getMode, Computer.doConfigDotXml)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const c = await get(sim, "computer/agent2/api/json");
    assert.equal("mode" in c.json, false);
    const x = await get(sim, "computer/agent2/config.xml");
    assert.equal(x.status, 200);
    assert.match(x.text, /<mode>EXCLUSIVE<\/mode>/);
    assert.match(x.text, /<label>linux<\/label>/);
    assert.match((await get(sim, "computer/agent1/config.xml")).text, /<mode>NORMAL<\/mode>/);
    assert.equal((await get(sim, "api/json?tree=mode")).json["mode"], "NORMAL");
  });

  it("toggleOffline takes offline with the reason, again brings back; changeOfflineCause idempotent; 302; a running build continues (Computer.java:1401-1420, jenkins/agents/IOfflineCause.java:68-77)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    await post(sim, "job/team/job/build/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    const tree = "api/json?tree=offline,temporarilyOffline,offlineCauseReason,offlineCause[description]";
    assert.equal((await post(sim, "computer/agent1/toggleOffline?offlineMessage=maintenance")).status, 302);
    const off = await get(sim, `computer/agent1/${tree}`);
    assert.deepEqual([off.json["offline"], off.json["temporarilyOffline"], off.json["offlineCauseReason"]], [true, true, "maintenance"]);
    assert.deepEqual(off.json["offlineCause"], { _class: "hudson.slaves.OfflineCause$UserCause", description: "Disconnected by sidecar : maintenance" });
    assert.equal((await get(sim, "job/team/job/build/1/api/json?tree=building")).json["building"], true);
    assert.equal((await post(sim, "computer/agent1/toggleOffline")).status, 302);
    const on = await get(sim, `computer/agent1/${tree}`);
    assert.deepEqual([on.json["offline"], on.json["temporarilyOffline"], on.json["offlineCauseReason"]], [false, false, ""]);
    for (let i = 0; i < 2; i++) {
      assert.equal((await post(sim, "computer/agent1/changeOfflineCause?offlineMessage=drain")).status, 302);
      const c = await get(sim, `computer/agent1/${tree}`);
      assert.deepEqual([c.json["offline"], c.json["temporarilyOffline"], c.json["offlineCauseReason"]], [true, true, "drain"]);
    }
    assert.equal((await post(sim, "computer/ghost/toggleOffline")).status, 404);
    assert.equal((await get(sim, "computer/agent1/toggleOffline")).status, 405);
  });

  it("doDelete → 302, then 404 (Computer.java:1582-1593)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const d = await post(sim, "computer/agent2/doDelete");
    assert.equal(d.status, 302);
    assert.equal(d.headers.get("location"), `${sim.url}computer/`);
    assert.equal((await get(sim, "computer/agent2/api/json")).status, 404);
    assert.equal((await post(sim, "computer/agent2/doDelete")).status, 404);
  });

  it("quietDown → 302, quietingDown:true; trigger 201 but waits 'Jenkins is about to shut down'; after cancelQuietDown it starts (jenkins/model/Jenkins.java:2948-2977, :4142-4171; Queue.java:1952)", async () => {
    sim = await start({ jobs: JOBS, nodes: NODES });
    const q = await post(sim, "quietDown?message=upgrade");
    assert.equal(q.status, 302);
    const root = await get(sim, "api/json?tree=quietingDown,quietDownReason");
    assert.deepEqual(root.json, { _class: "hudson.model.Hudson", quietDownReason: "upgrade", quietingDown: true });
    const t = await post(sim, "job/team/job/build/buildWithParameters?delay=0sec");
    assert.equal(t.status, 201);
    sim.tick();
    const item = await get(sim, `queue/item/${queueId(t)}/api/json`);
    assert.equal(item.json["_class"], "hudson.model.Queue$BuildableItem");
    assert.equal(item.json["why"], "Jenkins is about to shut down");
    assert.equal((await post(sim, "cancelQuietDown")).status, 302);
    sim.tick();
    assert.equal((await get(sim, `queue/item/${queueId(t)}/api/json`)).json["_class"], "hudson.model.Queue$LeftItem");
    assert.deepEqual((await get(sim, "api/json?tree=quietingDown,quietDownReason")).json, { _class: "hudson.model.Hudson", quietDownReason: null, quietingDown: false });
  });
});
