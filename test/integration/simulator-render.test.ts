// docs/jenkins-rest.md "Rendering", "Listing every job": tree=, depth, _class, folders, over real HTTP.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { JenkinsSimulator } from "../../src/simulator/index.js";
import { get, post, start } from "./simulator-fixtures.js";

type Obj = Record<string, unknown>;

describe("simulator rendering", { timeout: 20_000 }, () => {
  let sim: JenkinsSimulator;
  before(async () => {
    sim = await start({
      nodes: [{ name: "agent1", labels: ["linux"], executors: 4 }],
      jobs: [
        { name: "team/build", labelExpression: "linux && !windows", parameters: [{ name: "REF", type: "string", default: "main" }, { name: "MODE", type: "choice", choices: ["a", "b"] }], durationMs: 10 },
        { name: "team/sub/deep" },
        { name: "Pipe", type: "pipeline" },
        { name: "off", disabled: true },
      ],
    });
    for (let i = 0; i < 4; i++) await post(sim, `job/team/job/build/buildWithParameters?REF=r${i}&delay=0sec`);
    sim.tick();
  });
  after(() => sim.close());

  it("tree returns only the named fields plus _class, and {0,2} limits arrays (stapler export/TreePruner.java; core/src/main/resources/hudson/model/Api/index.jelly)", async () => {
    const r = await get(sim, "job/team/job/build/api/json?tree=name,builds[number]{0,2},nosuchfield");
    assert.deepEqual(r.json, { _class: "hudson.model.FreeStyleProject", builds: [{ _class: "hudson.model.FreeStyleBuild", number: 4 }, { _class: "hudson.model.FreeStyleBuild", number: 3 }], name: "build" });
    const one = await get(sim, "job/team/job/build/api/json?tree=builds[number]{1}");
    assert.deepEqual(one.json["builds"], [{ _class: "hudson.model.FreeStyleBuild", number: 3 }]);
    const from = await get(sim, "job/team/job/build/api/json?tree=builds[number]{2,}");
    assert.equal((from.json["builds"] as unknown[]).length, 2);
    // allBuilds has visibility -2: only tree reaches it.
    assert.equal("allBuilds" in (await get(sim, "job/team/job/build/api/json?depth=1")).json, false);
    assert.equal(((await get(sim, "job/team/job/build/api/json?tree=allBuilds[number]")).json["allBuilds"] as unknown[]).length, 4);
  });

  it("malformed tree or non-numeric depth → 500 (stapler ResponseImpl.serveExposedBean)", async () => {
    for (const q of ["tree=jobs[name", "tree=a,,b", "tree=builds{x}", "tree=a]", "depth=abc"]) {
      assert.equal((await get(sim, `api/json?${q}`)).status, 500, q);
    }
  });

  it("depth 0 prunes nested objects to visibility ≥ 2; depth 1 shows one level more (stapler TreePruner.ByDepth)", async () => {
    const d0 = await get(sim, "job/team/job/build/api/json");
    assert.deepEqual((d0.json["builds"] as Obj[])[0], { _class: "hudson.model.FreeStyleBuild", number: 4, url: `${sim.url}job/team/job/build/4/` });
    assert.equal(d0.json["labelExpression"], "linux && !windows", "as entered (hudson/model/AbstractProject.java:415-425)");
    const pd = ((d0.json["property"] as Obj[])[0] as Obj)["parameterDefinitions"] as Obj[];
    assert.deepEqual(pd[1], {
      _class: "hudson.model.ChoiceParameterDefinition",
      defaultParameterValue: { _class: "hudson.model.StringParameterValue", name: "MODE", value: "a" },
      description: "", name: "MODE", type: "ChoiceParameterDefinition", choices: ["a", "b"],
    });
    const d1 = await get(sim, "job/team/job/build/api/json?depth=1");
    const b = (d1.json["builds"] as Obj[])[0] as Obj;
    assert.equal(b["building"], true);
    assert.equal(b["result"], null, "nulls are written, not omitted");
    const root = await get(sim, "api/json");
    assert.deepEqual((root.json["jobs"] as Obj[]).map((j) => j["name"]), ["off", "Pipe", "team"], "sorted case-insensitively");
    assert.deepEqual((root.json["jobs"] as Obj[])[0], { _class: "hudson.model.FreeStyleProject", name: "off", url: `${sim.url}job/off/`, color: "disabled" });
  });

  it("folders: /job/f/job/j/api/json, and a nested jobs tree lists children (python-jenkins get_all_jobs)", async () => {
    const j = await get(sim, "job/team/job/build/api/json?tree=fullName,disabled,buildable,color");
    assert.deepEqual(j.json, { _class: "hudson.model.FreeStyleProject", fullName: "team/build", buildable: true, color: "notbuilt_anime", disabled: false });
    const t = await get(sim, "api/json?tree=jobs[name,url,jobs[name,jobs[name]]]");
    const team = (t.json["jobs"] as Obj[]).find((x) => x["name"] === "team") as Obj;
    assert.equal(team["_class"], "com.cloudbees.hudson.plugins.folder.Folder");
    assert.deepEqual(team["jobs"], [
      { _class: "hudson.model.FreeStyleProject", name: "build" },
      { _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "sub", jobs: [{ _class: "hudson.model.FreeStyleProject", name: "deep" }] },
    ]);
    // When the nesting runs out, children come back with _class only.
    const short = await get(sim, "api/json?tree=jobs[name,jobs]");
    const sub = ((short.json["jobs"] as Obj[]).find((x) => x["name"] === "team") as Obj)["jobs"];
    assert.deepEqual(sub, [{ _class: "hudson.model.FreeStyleProject" }, { _class: "com.cloudbees.hudson.plugins.folder.Folder" }]);
    assert.equal((await get(sim, "job/team/job/nosuch/api/json")).status, 404);
    assert.equal((await get(sim, "job/team/job/sub/job/deep/api/json?tree=fullName")).json["fullName"], "team/sub/deep");
  });
});
