// The simulator's config.xml endpoints over real HTTP, as python-jenkins 1.4 (jenkins/__init__.py CREATE_JOB,
// CONFIG_JOB, DELETE_JOB, PLUGIN_INFO, WHOAMI_URL) and JJB 3.11 use them. Jenkins paths: jenkinsci/jenkins at ff9430ee1d.
import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { JenkinsSimulator } from "../../src/simulator/index.js";
import { TOKEN, USER, call, get, post, start } from "./simulator-fixtures.js";

type Obj = Record<string, unknown>;
const XML = { "Content-Type": "text/xml; charset=utf-8" };

const FREESTYLE = `<?xml version="1.0" encoding="utf-8"?>
<project>
  <actions/>
  <description>gate&lt;!-- Managed by Jenkins Job Builder --&gt;</description>
  <keepDependencies>false</keepDependencies>
  <concurrentBuild>true</concurrentBuild>
  <assignedNode>trusty || xenial</assignedNode>
  <canRoam>false</canRoam>
  <properties>
    <hudson.model.ParametersDefinitionProperty>
      <parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>ZUUL_UUID</name><description/><defaultValue/><trim>false</trim></hudson.model.StringParameterDefinition>
        <org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition><name>NODE</name><description/><defaultSlaves/><allowedSlaves/></org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition>
      </parameterDefinitions>
    </hudson.model.ParametersDefinitionProperty>
  </properties>
  <builders><hudson.tasks.Shell><command>tox -e pep8</command></hudson.tasks.Shell></builders>
  <!-- kept as posted -->
  <publishers/>
</project>
`;
const FOLDER = `<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder"><description/><views/></com.cloudbees.hudson.plugins.folder.Folder>`;
const pipelineXml = (script: string, params = ""): string =>
  `<flow-definition plugin="workflow-job"><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>${script}</script><sandbox>true</sandbox></definition>` +
  `<properties>${params === "" ? "" : `<hudson.model.ParametersDefinitionProperty><parameterDefinitions>${params}</parameterDefinitions></hudson.model.ParametersDefinitionProperty>`}</properties><disabled>false</disabled></flow-definition>`;
const NODE_PARAM = "<org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition><name>NODE</name><defaultSlaves/></org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition>";
const NODES = [
  { name: "agent1", labels: ["trusty"], executors: 1 },
  { name: "agent2", labels: ["trusty"], executors: 1 },
];

function auth(user: string, token: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}` };
}

describe("simulator: jobs by config.xml", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  it("POST createItem?name= with an XML body: 200, the job exists with what its XML says (ItemGroupMixIn.java:147-192, 276-312; AbstractProject.java:416-425)", async () => {
    sim = await start({ nodes: NODES });
    const r = await post(sim, "createItem?name=gate-nova-pep8", XML, FREESTYLE);
    assert.equal(r.status, 200);
    const j = await get(sim, "job/gate-nova-pep8/api/json?tree=labelExpression,concurrentBuild,description,property[parameterDefinitions[name,type]]");
    assert.equal(j.json["labelExpression"], "trusty || xenial");
    assert.equal(j.json["concurrentBuild"], true);
    assert.equal(j.json["description"], "gate<!-- Managed by Jenkins Job Builder -->");
    const defs = ((j.json["property"] as Obj[])[0] as Obj)["parameterDefinitions"] as Obj[];
    assert.deepEqual(defs.map((d) => [d["name"], d["type"]]), [["ZUUL_UUID", "StringParameterDefinition"], ["NODE", "NodeParameterDefinition"]]);
  });

  it("GET config.xml: application/xml, XStream's 1.1 declaration, every element kept, REST changes written back (AbstractItem.java:862-907, XStream2.java:383-387)", async () => {
    sim = await start({ nodes: NODES });
    await post(sim, "createItem?name=j", XML, FREESTYLE);
    const r = await get(sim, "job/j/config.xml");
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-type"), "application/xml");
    assert.ok(r.text.startsWith('<?xml version="1.1" encoding="UTF-8"?>\n<project>'));
    assert.equal(r.text.slice(r.text.indexOf("<project>")), FREESTYLE.slice(FREESTYLE.indexOf("<project>")).trimEnd());
    assert.equal((await post(sim, "job/j/disable")).status, 302);
    assert.match((await get(sim, "job/j/config.xml")).text, /<disabled>true<\/disabled>/);
  });

  it("createItem in a folder (AbstractFolder.doCreateItem → createTopLevelItem), and a missing folder is 404 (python-jenkins: 'folder does not exist')", async () => {
    sim = await start({ nodes: NODES });
    assert.equal((await post(sim, "createItem?name=team", XML, FOLDER)).status, 200);
    assert.equal((await post(sim, "job/team/createItem?name=pipe", XML, pipelineXml("node(params.NODE) { sh 'x' }", NODE_PARAM))).status, 200);
    const f = await get(sim, "job/team/api/json?tree=jobs[name,fullName]");
    assert.deepEqual(f.json["jobs"], [{ _class: "org.jenkinsci.plugins.workflow.job.WorkflowJob", name: "pipe", fullName: "team/pipe" }]);
    assert.equal((await post(sim, "job/nofolder/createItem?name=x", XML, FREESTYLE)).status, 404);
  });

  it("createItem failures are 400 with X-Error: existing name, no Content-Type, no name, unsafe name (ItemGroupMixIn.java:152-171, Jenkins.java:4268-4293)", async () => {
    sim = await start({ nodes: NODES });
    await post(sim, "createItem?name=j", XML, FREESTYLE);
    const dup = await post(sim, "createItem?name=j", XML, FREESTYLE);
    assert.equal(dup.status, 400);
    assert.match(dup.text, /A job already exists with the name ‘j’/);
    assert.equal(decodeURI(dup.headers.get("x-error") ?? ""), "A job already exists with the name ‘j’");
    const noType = await call(sim, "POST", "createItem?name=k");
    assert.equal(noType.status, 400);
    assert.match(noType.text, /No Content-Type header set/);
    assert.match((await post(sim, "createItem", XML, FREESTYLE)).text, /Query parameter &#39;name&#39; is required|Query parameter 'name' is required/);
    const bad = await post(sim, "createItem?name=a%3Bb", XML, FREESTYLE);
    assert.equal(bad.status, 400);
    assert.match(bad.text, /‘;’ is an unsafe character/);
    assert.equal((await get(sim, "createItem?name=z")).status, 405, "Jenkins.doCreateItem is @RequirePOST");
  });

  it("a body Jenkins cannot read is a 500 and creates nothing: malformed XML (ItemGroupMixIn.java:313-323), an unknown item class (XmlFile.read)", async () => {
    sim = await start({ nodes: NODES });
    const broken = await post(sim, "createItem?name=broken", XML, "<project><description>x</project>");
    assert.equal(broken.status, 500);
    assert.match(broken.text, /Failed to persist config\.xml/);
    const unknown = await post(sim, "createItem?name=maven", XML, "<maven2-moduleset/>");
    assert.equal(unknown.status, 500);
    assert.match(unknown.text, /Unable to read .*CannotResolveClassException: maven2-moduleset/);
    for (const n of ["broken", "maven"]) assert.equal((await get(sim, `job/${n}/api/json`)).status, 404);
  });

  it("POST config.xml reconfigures in place; another item type is a 500 'Expecting class' (AbstractItem.java:926-952)", async () => {
    sim = await start({ nodes: NODES });
    await post(sim, "createItem?name=j", XML, FREESTYLE);
    const next = FREESTYLE.replace("trusty || xenial", "bionic").replace("<canRoam>false</canRoam>", "<canRoam>false</canRoam><disabled>true</disabled>");
    assert.equal((await post(sim, "job/j/config.xml", XML, next)).status, 200);
    const j = await get(sim, "job/j/api/json?tree=labelExpression,disabled,buildable");
    assert.deepEqual([j.json["labelExpression"], j.json["disabled"], j.json["buildable"]], ["bionic", true, false]);
    const wrong = await post(sim, "job/j/config.xml", XML, pipelineXml("echo 1"));
    assert.equal(wrong.status, 500);
    assert.match(wrong.text, /Expecting class hudson\.model\.FreeStyleProject but got class org\.jenkinsci\.plugins\.workflow\.job\.WorkflowJob instead/);
    assert.equal((await post(sim, "job/j/config.xml", XML, "<project>")).status, 500, "Failed to process config.xml");
    assert.equal((await call(sim, "PUT", "job/j/config.xml", { headers: XML, body: FREESTYLE })).status, 400, "neither GET nor POST: SC_BAD_REQUEST");
  });

  it("an assignedNode that does not parse is exported as a quoted atom (AbstractProject.java:418-424)", async () => {
    sim = await start({ nodes: NODES });
    await post(sim, "createItem?name=j", XML, FREESTYLE.replace("trusty || xenial", "trusty &&"));
    assert.equal((await get(sim, "job/j/api/json?tree=labelExpression")).json["labelExpression"], '"trusty &&"');
  });

  it("doDelete: Item/Delete, 302 to the parent, then 404 (AbstractItem.java:701-742, 784-785)", async () => {
    sim = await start({ nodes: NODES });
    await post(sim, "createItem?name=team", XML, FOLDER);
    await post(sim, "job/team/createItem?name=j", XML, FREESTYLE);
    const r = await post(sim, "job/team/job/j/doDelete");
    assert.equal(r.status, 302);
    assert.equal(r.headers.get("location"), `${sim.url}job/team/`);
    assert.equal((await get(sim, "job/team/job/j/api/json")).status, 404);
    assert.equal((await get(sim, "job/team/doDelete")).status, 405);
  });

  it("permissions: Item/Create, Item/ExtendedRead and Item/Configure, Item/Delete, with X-Required-Permission (ItemGroupMixIn.java:148, AbstractItem.java:889, 927, 785)", async () => {
    sim = await start({ nodes: NODES, users: [{ user: USER, token: TOKEN }, { user: "reader", token: "r", permissions: ["hudson.model.Item.Read", "hudson.model.Item.ExtendedRead"] }] });
    await post(sim, "createItem?name=j", XML, FREESTYLE);
    const r = auth("reader", "r");
    const create = await call(sim, "POST", "createItem?name=k", { headers: { ...r, ...XML }, body: FREESTYLE });
    assert.equal(create.status, 403);
    assert.equal(create.headers.get("x-required-permission"), "hudson.model.Item.Create");
    assert.equal((await call(sim, "GET", "job/j/config.xml", { headers: r })).status, 200);
    const conf = await call(sim, "POST", "job/j/config.xml", { headers: { ...r, ...XML }, body: FREESTYLE });
    assert.equal(conf.headers.get("x-required-permission"), "hudson.model.Item.Configure");
    const del = await call(sim, "POST", "job/j/doDelete", { headers: r });
    assert.equal(del.headers.get("x-required-permission"), "hudson.model.Item.Delete");
    // Item/Build is checked before the method: a GET of buildWithParameters is a side-effect-free probe (BuildAuthorizationToken.java:114-139).
    const probe = await call(sim, "GET", "job/j/buildWithParameters", { headers: r });
    assert.equal(probe.status, 403);
    assert.equal(probe.headers.get("x-required-permission"), "hudson.model.Item.Build");
    assert.equal((await get(sim, "job/j/buildWithParameters")).status, 405);
    assert.equal(sim.queueItems().length, 0, "probes queued nothing");
  });

  it("GET pluginManager/api/json?depth=2: LocalPluginManager with the modelled plugins in PluginWrapper's shape; Overall/SystemRead (PluginManager.java:2665-2670)", async () => {
    sim = await start({ users: [{ user: USER, token: TOKEN }, { user: "dev", token: "d", permissions: ["hudson.model.Item.Build"] }] });
    const r = await get(sim, "pluginManager/api/json?depth=2");
    assert.equal(r.json["_class"], "hudson.LocalPluginManager");
    const plugins = r.json["plugins"] as Obj[];
    assert.deepEqual(plugins.map((p) => p["shortName"]).sort(), ["cloudbees-folder", "nodelabelparameter", "workflow-api", "workflow-cps", "workflow-durable-task-step", "workflow-job"]);
    for (const p of plugins) {
      for (const k of ["active", "bundled", "deleted", "dependencies", "downgradable", "enabled", "hasUpdate", "longName", "pinned", "supportsDynamicLoad", "url", "version"]) assert.ok(k in p, k);
      assert.equal("_class" in p, false);
    }
    const forbidden = await call(sim, "GET", "pluginManager/api/json?depth=2", { headers: auth("dev", "d") });
    assert.equal(forbidden.status, 403, "JJB then warns and uses an empty plugin list (jenkins_jobs/builder.py:157-172)");
  });

  it("GET me/api/json: the user (User.java:282-332); anonymous is refused (Jenkins.java:5197-5202)", async () => {
    sim = await start({ users: [{ user: USER, token: TOKEN, fullName: "Gearman Sidecar" }], anonymousRead: true });
    const me = await get(sim, "me/api/json");
    assert.deepEqual([me.json["_class"], me.json["id"], me.json["fullName"]], ["hudson.model.User", USER, "Gearman Sidecar"]);
    const anon = await fetch(`${sim.url}me/api/json`);
    await anon.text();
    assert.equal(anon.status, 403);
  });
});

describe("simulator: Pipeline runs (workflow-job, workflow-durable-task-step, nodelabelparameter)", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  afterEach(() => sim.close());

  const computer = async (name: string): Promise<Obj> =>
    (await get(sim, `computer/${name}/api/json?tree=idle,executors[number,currentExecutable[url]],oneOffExecutors[number,currentExecutable[url,number]]`)).json;

  it("without a node parameter the run is a flyweight on the built-in node's oneOffExecutors (WorkflowJob.java:453-459, Queue.java:1874-1885), its node block on an agent's executor", async () => {
    sim = await start({ nodes: NODES, quietPeriodSec: 0, createdJobs: { durationMs: 60_000 } });
    await post(sim, "createItem?name=p", XML, pipelineXml("node('trusty') { sh 'make' }"));
    await post(sim, "job/p/build?delay=0sec");
    sim.tick();
    sim.tick();
    const b = sim.builds("p")[0];
    assert.ok(b !== undefined);
    const builtIn = await computer("(built-in)");
    assert.deepEqual(builtIn["oneOffExecutors"], [{ number: -1, currentExecutable: { _class: "org.jenkinsci.plugins.workflow.job.WorkflowRun", number: 1, url: `${sim.url}job/p/1/` } }]);
    assert.equal(builtIn["idle"], false);
    const held = [await computer("agent1"), await computer("agent2")].flatMap((c) => (c["executors"] as Obj[]).map((e) => e["currentExecutable"])).filter((x) => x !== null);
    assert.deepEqual(held, [{ _class: "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable", url: `${sim.url}job/p/1/` }]);
  });

  it("a NodeParameterDefinition value assigns the flyweight too: it runs on that agent's oneOffExecutors, and node(params.NODE) puts the body there (LabelParameterValue.java:167-170, ParametersAction.java:196-203, Queue.java:2364-2370, 1893-1914)", async () => {
    sim = await start({ nodes: NODES, quietPeriodSec: 0, createdJobs: { durationMs: 60_000 } });
    await post(sim, "createItem?name=p", XML, pipelineXml("node(params.NODE) { sh 'make' }", NODE_PARAM));
    await post(sim, "job/p/buildWithParameters?NODE=agent2&delay=0sec");
    sim.tick();
    sim.tick();
    const a2 = await computer("agent2");
    assert.deepEqual((a2["oneOffExecutors"] as Obj[]).map((e) => (e["currentExecutable"] as Obj)["url"]), [`${sim.url}job/p/1/`]);
    assert.equal(((a2["executors"] as Obj[])[0] as Obj)["currentExecutable"] !== null, true);
    assert.deepEqual((await computer("(built-in)"))["oneOffExecutors"], []);
    assert.deepEqual((await computer("agent1"))["oneOffExecutors"], []);
    assert.equal(sim.runningBuilds()[0]?.node, "agent2");
  });

  it("a node parameter naming an offline agent keeps the run in the queue (no flyweight anywhere); a node block waits for a free executor while the flyweight runs", async () => {
    sim = await start({ nodes: [...NODES, { name: "gone", labels: ["trusty"], offline: true }], quietPeriodSec: 0, createdJobs: { durationMs: 60_000 } });
    await post(sim, "createItem?name=p", XML, pipelineXml("node(params.NODE) { sh 'make' }", NODE_PARAM));
    await post(sim, "job/p/buildWithParameters?NODE=gone&delay=0sec");
    sim.tick();
    assert.equal(sim.builds("p").length, 0);
    assert.equal(sim.queueItems().length, 1);
    sim.addJob({ name: "busy", labelExpression: "agent1", durationMs: 60_000 });
    sim.triggerBuild("busy", {}, { delaySec: 0 });
    sim.tick();
    await post(sim, "job/p/buildWithParameters?NODE=agent1&delay=0sec");
    sim.tick();
    sim.tick();
    const a1 = await computer("agent1");
    assert.equal((a1["oneOffExecutors"] as Obj[]).length, 1, "the flyweight needs no free executor");
    assert.equal(((a1["executors"] as Obj[])[0] as Obj)["currentExecutable"] !== null, true, "the busy build holds the only executor");
    sim.finishBuild("busy", 1, "SUCCESS");
    sim.tick();
    const after = await computer("agent1");
    assert.equal((((after["executors"] as Obj[])[0] as Obj)["currentExecutable"] as Obj)["_class"], "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable");
  });
});
