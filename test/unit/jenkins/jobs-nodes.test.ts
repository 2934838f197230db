import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { JenkinsClient, JenkinsResponseError } from "../../../src/jenkins/index.js";
import { JOB_FIELDS, jobsTree } from "../../../src/jenkins/jobs.js";
import { modeFromConfigXml } from "../../../src/jenkins/nodes.js";
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

const J = "http://jenkins.example/"; // Jenkins' own root URL, as it renders absolute URLs

void describe("listJobs and getJob (docs/jenkins-rest.md \"Listing every job\")", () => {
  const freestyle = {
    _class: "hudson.model.FreeStyleProject",
    name: "build",
    fullName: "team/build",
    url: `${J}job/team/job/build/`,
    buildable: true,
    disabled: false,
    labelExpression: "linux && docker",
    concurrentBuild: true,
    nextBuildNumber: 9,
    lastBuild: { _class: "hudson.model.FreeStyleBuild", estimatedDuration: 42_000 },
    property: [
      { _class: "hudson.model.JobProperty" },
      {
        _class: "hudson.model.ParametersDefinitionProperty",
        parameterDefinitions: [
          { _class: "hudson.model.StringParameterDefinition", name: "REF", type: "StringParameterDefinition", defaultParameterValue: { _class: "hudson.model.StringParameterValue", value: "main" } },
          { _class: "hudson.model.ChoiceParameterDefinition", name: "MODE", type: "ChoiceParameterDefinition", choices: ["a", "b"], defaultParameterValue: { value: "a" } },
          { _class: "hudson.model.BooleanParameterDefinition", name: "DEBUG", type: "BooleanParameterDefinition", defaultParameterValue: { value: false } },
          { _class: "org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition", name: "NODE", type: "NodeParameterDefinition", defaultParameterValue: null },
        ],
      },
    ],
    unknownExtra: { whatever: 1 },
  };
  const pipeline = { _class: "org.jenkinsci.plugins.workflow.job.WorkflowJob", name: "pipe", url: `${J}job/pipe/`, buildable: true, disabled: false, nextBuildNumber: 1, property: [] };
  const disabled = { _class: "hudson.model.FreeStyleProject", name: "old", url: `${J}job/old/`, buildable: false, disabled: true, labelExpression: null, property: [] };

  void it("the details listing: jobs in folders, pipeline and disabled jobs, nextBuildNumber, in one request; no build field", async () => {
    const { s, c } = await client((_r, res) =>
      json(res, {
        _class: "hudson.model.Hudson",
        jobs: [{ _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "team", url: `${J}job/team/`, jobs: [freestyle] }, pipeline, disabled],
      }),
    );
    const jobs = await c.listJobs();
    assert.equal(s.requests.length, 1);
    assert.equal(s.requests[0]?.url.pathname, "/api/json");
    const tree = s.requests[0]?.url.searchParams.get("tree") ?? "";
    assert.equal(tree, jobsTree("details"));
    assert.doesNotMatch(tree, /lastBuild|builds|lastCompletedBuild/, "no build field in a listing of every job (docs/master-cost.md)");
    assert.deepEqual(jobs.map((j) => j.fullName), ["team/build", "pipe", "old"]);
    const [b, p, old] = jobs;
    assert.equal(b?.name, "build");
    assert.equal(b?.className, "hudson.model.FreeStyleProject");
    assert.equal(b?.labelExpression, "linux && docker");
    assert.equal(b?.nextBuildNumber, 9);
    assert.equal(b?.url, `${s.url}job/team/job/build/`, "rebased onto our base URL");
    assert.equal(b?.isPipeline, false);
    assert.equal(p?.isPipeline, true);
    assert.equal(p?.labelExpression, null, "WorkflowJob has no labelExpression");
    assert.deepEqual([old?.disabled, old?.buildable, old?.nextBuildNumber], [true, false, null]);
  });

  void it("the names listing asks for names only", async () => {
    const { s, c } = await client((_r, res) => json(res, { _class: "hudson.model.Hudson", jobs: [{ _class: "hudson.model.FreeStyleProject", name: "a" }] }));
    const jobs = await c.listJobs("names");
    assert.deepEqual(jobs.map((j) => j.fullName), ["a"]);
    assert.match(s.requests[0]?.url.searchParams.get("tree") ?? "", /^jobs\[name,jobs\[name,/);
  });

  void it("getJob: parameters by name (the type from `_class`), the node parameter; jobs with the same definitions share one frozen list", async () => {
    assert.match(JOB_FIELDS.run, /property\[parameterDefinitions\[name\]\],/, "defaults and choices are not fetched: nothing reads them");
    assert.match(JOB_FIELDS.run, /,lastBuild\[estimatedDuration\]$/, "the job's estimate, from its last build");
    const twin = (name: string, t = "hudson.model.StringParameterDefinition"): object => ({
      _class: "hudson.model.FreeStyleProject", name, url: `${J}job/${name}/`, buildable: true,
      property: [{ _class: "hudson.model.ParametersDefinitionProperty", parameterDefinitions: [{ _class: t, name: "ZUUL_UUID" }] }],
    });
    const { c } = await client((r, res) => {
      const name = r.url.pathname.split("/").at(-3) ?? "";
      json(res, name === "build" ? freestyle : twin(name, name === "c" ? "hudson.model.ChoiceParameterDefinition" : undefined));
    });
    const b = await c.getJob("team/build");
    // The type comes from `_class` (always written for a parameter definition).
    assert.deepEqual(b?.parameters, [
      { name: "REF", type: "StringParameterDefinition" },
      { name: "MODE", type: "ChoiceParameterDefinition" },
      { name: "DEBUG", type: "BooleanParameterDefinition" },
      { name: "NODE", type: "NodeParameterDefinition" },
    ]);
    assert.deepEqual(b?.nodeParameter, { name: "NODE", kind: "node" });
    assert.equal(b?.concurrentBuild, true);
    assert.equal(b?.estimatedDuration, 42_000);
    const [a, bb, cc] = [await c.getJob("a"), await c.getJob("b"), await c.getJob("c")];
    assert.equal(a?.parameters, bb?.parameters, "same definitions: the same list object");
    assert.notEqual(a?.parameters, cc?.parameters);
    assert.ok(a !== null && Object.isFrozen(a.parameters) && Object.isFrozen(a.parameters[0]));
    assert.deepEqual(cc?.parameters, [{ name: "ZUUL_UUID", type: "ChoiceParameterDefinition" }]);
    assert.equal(cc?.estimatedDuration, -1, "no last build: no estimate");
    assert.equal((await c.getJob("a"))?.parameters, a?.parameters, "and across reads");
  });

  void it("the nested tree goes JOB_TREE_DEPTH levels deep and ends with a bare `jobs`", () => {
    const t = jobsTree("details", 2);
    assert.match(t, /^jobs\[name,buildable,.*,jobs\[name,buildable,.*,jobs\]\]$/);
  });

  void it("re-queries a folder whose children came back without a name (the nesting ran out)", async () => {
    const { s, c } = await client((r, res) => {
      if (r.url.pathname === "/api/json") {
        const deep = { _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "deep", jobs: [{ _class: "hudson.model.FreeStyleProject" }, { _class: "com.cloudbees.hudson.plugins.folder.Folder" }] };
        return json(res, { jobs: [{ _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "a", jobs: [deep] }] });
      }
      if (r.url.pathname === "/job/a/job/deep/api/json") {
        return json(res, {
          _class: "com.cloudbees.hudson.plugins.folder.Folder",
          jobs: [
            { _class: "hudson.model.FreeStyleProject", name: "leaf", url: `${J}job/a/job/deep/job/leaf/`, property: [] },
            { _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "sub", url: `${J}job/a/job/deep/job/sub/`, jobs: [{ name: "x y", url: `${J}job/a/job/deep/job/sub/job/x%20y/` }] },
          ],
        });
      }
      text(res, 404, "");
    });
    const jobs = await c.listJobs();
    assert.deepEqual(jobs.map((j) => j.fullName), ["a/deep/leaf", "a/deep/sub/x y"]);
    assert.deepEqual(s.requests.map((r) => r.url.pathname), ["/api/json", "/job/a/job/deep/api/json"]);
    assert.equal(s.requests[1]?.url.searchParams.get("tree"), jobsTree("details"));
  });

  void it("a job without a name is a JenkinsResponseError naming the field", async () => {
    const { c } = await client((_r, res) => json(res, { jobs: [{ _class: "x", url: `${J}job/x/` }] }));
    await assert.rejects(c.listJobs(), (e: unknown) => e instanceof JenkinsResponseError && e.field === "jobs[0].name");
  });

  void it("the list is read job by job: a truncated answer, a missing `jobs` or an HTML page is a JenkinsResponseError", async () => {
    const answers: [string, RegExp][] = [
      ['{"_class":"hudson.model.Hudson","jobs":[{"_class":"x","name":"a","url":"u"},{"_class":"x","na', /malformed or truncated JSON/],
      ['{"_class":"hudson.model.Hudson","jobs":[{"_class":"x","name":"a","url":"u"}]', /malformed or truncated JSON/],
      ['{"_class":"hudson.model.Hudson"}', /field "jobs" is missing or not an array/],
      ["<html><body>Please sign in</body></html>", /expected JSON but got/],
    ];
    for (const [body, want] of answers) {
      const { c } = await client((_r, res) => text(res, 200, body, { "content-type": "application/json" }));
      await assert.rejects(c.listJobs(), (e: unknown) => e instanceof JenkinsResponseError && want.test(e.message), body);
    }
    const { c } = await client((_r, res) => text(res, 302, "", { location: "/login" }));
    await assert.rejects(c.listJobs(), (e: unknown) => e instanceof JenkinsResponseError && /answered with a redirect/.test(e.message), "302 to a login page");
  });

  void it("jobUrl encodes each segment", async () => {
    const { s, c } = await client(() => undefined);
    assert.equal(c.jobUrl("team/a b#1"), `${s.url}job/team/job/a%20b%231/`);
  });
});

const COMPUTERS = {
  _class: "hudson.model.ComputerSet",
  busyExecutors: 1,
  computer: [
    {
      _class: "hudson.model.Hudson$MasterComputer",
      displayName: "Built-In Node",
      offline: false,
      temporarilyOffline: false,
      offlineCauseReason: "",
      numExecutors: 0,
      idle: false,
      assignedLabels: [{ name: "built-in" }],
      executors: [],
      oneOffExecutors: [{ number: -1, idle: false, currentExecutable: { _class: "org.jenkinsci.plugins.workflow.job.WorkflowRun", number: 3, url: `${J}job/pipe/3/` } }],
    },
    {
      _class: "hudson.slaves.SlaveComputer",
      displayName: "agent1",
      description: "fast box",
      offline: false,
      temporarilyOffline: false,
      offlineCauseReason: "",
      numExecutors: 2,
      idle: false,
      assignedLabels: [{ name: "agent1" }, { name: "linux" }],
      executors: [
        { number: 0, idle: false, currentExecutable: { _class: "hudson.model.FreeStyleBuild", number: 8, url: `${J}job/team/job/build/8/` } },
        { number: 1, idle: true, currentExecutable: null },
      ],
      oneOffExecutors: [],
    },
    {
      _class: "hudson.slaves.SlaveComputer",
      displayName: "agent2",
      offline: true,
      temporarilyOffline: true,
      offlineCauseReason: "maintenance",
      numExecutors: 1,
      assignedLabels: [{ name: "agent2" }],
      executors: [{ number: 0, idle: true, currentExecutable: null }],
      oneOffExecutors: [],
    },
  ],
};

void describe("listNodes (docs/jenkins-rest.md \"Computers\")", () => {
  void it("parses the built-in node, agents, labels, offline state and free executors", async () => {
    const { c } = await client((r, res) => {
      if (r.url.pathname === "/computer/api/json") return json(res, COMPUTERS);
      if (r.url.pathname === "/api/json") return json(res, { _class: "hudson.model.Hudson", mode: "NORMAL" });
      return text(res, 200, "<slave><name>x</name><mode>NORMAL</mode></slave>", { "content-type": "application/xml" });
    });
    const nodes = await c.listNodes();
    assert.deepEqual(nodes.map((n) => [n.name, n.displayName]), [["", "Built-In Node"], ["agent1", "agent1"], ["agent2", "agent2"]]);
    const [builtIn, a1, a2] = nodes as [typeof nodes[0], typeof nodes[0], typeof nodes[0]];
    assert.deepEqual(builtIn.labels, ["built-in"]);
    assert.equal(builtIn.freeExecutors, 0);
    assert.deepEqual(builtIn.oneOffExecutors, [{ number: -1, idle: false, build: { number: 3, url: `${J}job/pipe/3/` } }]);
    assert.deepEqual(a1.labels, ["agent1", "linux"]);
    assert.equal(a1.description, "fast box");
    assert.equal(a1.freeExecutors, 1);
    assert.deepEqual(a1.executors[0], { number: 0, idle: false, build: { number: 8, url: `${J}job/team/job/build/8/` } });
    assert.equal(a2.offline, true);
    assert.equal(a2.temporarilyOffline, true);
    assert.equal(a2.offlineReason, "maintenance");
    assert.equal(a2.freeExecutors, 0, "an offline node has no free executors");
    assert.equal(a2.description, null);
  });

  void it("reads EXCLUSIVE mode from config.xml once per node, caches it, and forgets vanished nodes", async () => {
    let computers = COMPUTERS.computer;
    const { s, c } = await client((r, res) => {
      if (r.url.pathname === "/computer/api/json") return json(res, { computer: computers });
      if (r.url.pathname === "/api/json") return json(res, { mode: "EXCLUSIVE" });
      if (r.url.pathname === "/computer/agent1/config.xml") return text(res, 200, "<?xml version='1.1'?><slave><name>agent1</name><mode>EXCLUSIVE</mode></slave>");
      if (r.url.pathname === "/computer/agent2/config.xml") return text(res, 200, "<slave><mode>NORMAL</mode></slave>");
      text(res, 404, "");
    });
    const first = await c.listNodes();
    assert.deepEqual(first.map((n) => n.exclusive), [true, true, false]);
    assert.equal(s.requests.length, 4, "computer tree + root mode + 2 config.xml");
    await c.listNodes();
    assert.equal(s.requests.length, 5, "a later cycle is one request");
    computers = COMPUTERS.computer.slice(0, 2); // agent2 deleted
    await c.listNodes();
    computers = COMPUTERS.computer; // and added again: its config is read again
    await c.listNodes();
    assert.deepEqual(s.requests.slice(5).map((r) => r.url.pathname), ["/computer/api/json", "/computer/api/json", "/computer/agent2/config.xml"]);
  });

  void it("uses a `mode` field of the computer JSON when there is one, without config.xml", async () => {
    const { s, c } = await client((_r, res) =>
      json(res, { computer: [{ _class: "hudson.slaves.SlaveComputer", displayName: "n1", mode: "EXCLUSIVE", executors: [] }] }),
    );
    const [n] = await c.listNodes();
    assert.equal(n!.exclusive, true);
    assert.equal(n!.numExecutors, 0);
    assert.equal(s.requests.length, 1);
  });

  void it("a 403 on config.xml (no ExtendedRead) means NORMAL, cached", async () => {
    const { s, c } = await client((r, res) =>
      r.url.pathname === "/computer/api/json"
        ? json(res, { computer: [{ _class: "hudson.slaves.SlaveComputer", displayName: "n1", executors: [] }] })
        : text(res, 403, "", { "x-required-permission": "hudson.model.Computer.ExtendedRead" }),
    );
    assert.equal((await c.listNodes())[0]!.exclusive, false);
    await c.listNodes();
    assert.equal(s.requests.length, 3);
  });

  void it("modeFromConfigXml", () => {
    assert.equal(modeFromConfigXml("<slave>\n  <mode>EXCLUSIVE</mode>\n</slave>"), "EXCLUSIVE");
    assert.equal(modeFromConfigXml("<slave><mode>NORMAL</mode></slave>"), "NORMAL");
    assert.equal(modeFromConfigXml("<slave/>"), null);
  });

  void it("setNodeOffline uses changeOfflineCause (idempotent); setNodeOnline toggles only a temporarily offline node", async () => {
    let temp = true;
    const { s, c } = await client((r, res) => {
      if (r.method === "GET") return json(res, { _class: "hudson.slaves.SlaveComputer", temporarilyOffline: temp });
      text(res, 302, "", { location: "." });
    });
    await c.setNodeOffline("agent 1", "OFFLINE_NODE_WHEN_COMPLETE");
    await c.setNodeOffline("", "drain");
    await c.setNodeOnline("agent1");
    temp = false;
    await c.setNodeOnline("agent1");
    assert.deepEqual(
      s.requests.map((r) => `${r.method} ${r.url.pathname}${r.method === "POST" ? r.url.search : ""}`),
      [
        "POST /computer/agent%201/changeOfflineCause?offlineMessage=OFFLINE_NODE_WHEN_COMPLETE",
        "POST /computer/(built-in)/changeOfflineCause?offlineMessage=drain",
        "GET /computer/agent1/api/json",
        "POST /computer/agent1/toggleOffline",
        "GET /computer/agent1/api/json",
      ],
    );
  });
});
