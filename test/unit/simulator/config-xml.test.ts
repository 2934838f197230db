// config.xml reading and writing (src/simulator/config-xml.ts), the Pipeline node step (pipeline.ts) and the
// `jenkins-jobs test -o DIR` layouts (jobs-dir.ts, jenkins_jobs/builder.py 3.11 _setup_output).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ConfigXmlError, parseXml, readConfig, renderConfig, writeConfig } from "../../../src/simulator/config-xml.js";
import { readJobsDir } from "../../../src/simulator/jobs-dir.js";
import { SimulatorSpecError, loadScenario, startSimulator } from "../../../src/simulator/index.js";
import { defaultScript, nodeStepOf } from "../../../src/simulator/pipeline.js";

const read = (xml: string) => readConfig(parseXml(xml, "test"), "x/config.xml");

describe("config.xml reader", () => {
  it("FreeStyle as JJB writes it: label only when canRoam is false (AbstractProject.java:416-425), parameters of every modelled type", () => {
    const c = read(`<project><description>d</description><disabled>true</disabled><concurrentBuild>false</concurrentBuild><assignedNode>a &amp;&amp; b</assignedNode><canRoam>false</canRoam>
      <properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
        <hudson.model.StringParameterDefinition><name>S</name><description>sd</description><defaultValue>x</defaultValue></hudson.model.StringParameterDefinition>
        <hudson.model.TextParameterDefinition><name>T</name><defaultValue>a
b</defaultValue></hudson.model.TextParameterDefinition>
        <hudson.model.BooleanParameterDefinition><name>B</name><defaultValue>true</defaultValue></hudson.model.BooleanParameterDefinition>
        <hudson.model.ChoiceParameterDefinition><name>C</name><choices class="java.util.Arrays$ArrayList"><a class="string-array"><string>p</string><string>q</string></a></choices></hudson.model.ChoiceParameterDefinition>
        <org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition><name>NODE</name><defaultSlaves><string>n1</string></defaultSlaves></org.jvnet.jenkins.plugins.nodelabelparameter.NodeParameterDefinition>
        <org.jvnet.jenkins.plugins.nodelabelparameter.LabelParameterDefinition><name>L</name><defaultValue>trusty</defaultValue></org.jvnet.jenkins.plugins.nodelabelparameter.LabelParameterDefinition>
        <hudson.model.StringParameterDefinition><name>S</name><defaultValue>dup</defaultValue></hudson.model.StringParameterDefinition>
      </parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></project>`);
    assert.deepEqual([c.kind, c.description, c.disabled, c.concurrent, c.labelExpression], ["freestyle", "d", true, false, "a && b"]);
    assert.deepEqual(c.parameters, [
      { name: "S", type: "string", description: "sd", default: "x" },
      { name: "T", type: "text", default: "a\nb" },
      { name: "B", type: "boolean", default: "true" },
      { name: "C", type: "choice", choices: ["p", "q"] },
      { name: "NODE", type: "node", default: "n1" },
      { name: "L", type: "label", default: "trusty" },
    ]);
    assert.equal(read("<project><assignedNode>x</assignedNode><canRoam>true</canRoam></project>").labelExpression, null);
    assert.equal(read("<project><assignedNode>x &amp;&amp;</assignedNode><canRoam>false</canRoam></project>").labelExpression, '"x &&"');
  });

  it("Pipeline: script, disabled, concurrency from DisableConcurrentBuildsJobProperty; Folder; unknown root is CannotResolveClassException", () => {
    const p = read(`<flow-definition><properties><org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty/></properties><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>node { }</script></definition></flow-definition>`);
    assert.deepEqual([p.kind, p.concurrent, p.script, p.labelExpression], ["pipeline", false, "node { }", null]);
    assert.equal(read(`<com.cloudbees.hudson.plugins.folder.Folder/>`).kind, "folder");
    assert.throws(() => read("<matrix-project/>"), (e: unknown) => e instanceof ConfigXmlError && e.status === 500 && /CannotResolveClassException: matrix-project/.test(e.message));
    assert.throws(() => parseXml("<project>", "Failed to persist config.xml"), (e: unknown) => e instanceof ConfigXmlError && /Failed to persist config\.xml/.test(e.message));
  });

  it("writes back what it read, with XStream's declaration; a rendered config reads back as its source", () => {
    const xml = `<project>\n  <!-- c -->\n  <builders><x a="1"><![CDATA[a<b]]></x></builders>\n</project>`;
    assert.equal(writeConfig(parseXml(`<?xml version='1.0' encoding='UTF-8'?>\n${xml}`, "t")), `<?xml version="1.1" encoding="UTF-8"?>\n${xml}`);
    const source = { kind: "freestyle" as const, description: "d <x>", disabled: true, concurrent: false, labelExpression: "a || b", parameters: [{ name: "C", type: "choice" as const, choices: ["1", "2"] }, { name: "N", type: "node" as const }], script: null };
    const back = read(renderConfig(source));
    assert.deepEqual([back.description, back.disabled, back.concurrent, back.labelExpression, back.parameters], [source.description, true, false, "a || b", [{ name: "C", type: "choice", choices: ["1", "2"] }, { name: "N", type: "node" }]]);
    const pipe = read(renderConfig({ ...source, kind: "pipeline", script: "node(params.N) {}" }));
    assert.deepEqual([pipe.kind, pipe.concurrent, pipe.script], ["pipeline", false, "node(params.N) {}"]);
  });
});

describe("Pipeline node step (ExecutorStepExecution.java:130-140: the PlaceholderTask takes the step's label)", () => {
  it("reads the first node step's label", () => {
    assert.deepEqual(nodeStepOf("echo 'x'"), { kind: "none" });
    assert.deepEqual(nodeStepOf("node {\n sh 'x' }"), { kind: "label", label: null });
    assert.deepEqual(nodeStepOf("node('trusty && !big') { }"), { kind: "label", label: "trusty && !big" });
    assert.deepEqual(nodeStepOf('node(label: "x") { }'), { kind: "label", label: "x" });
    assert.deepEqual(nodeStepOf("node(params.NODE) { }"), { kind: "param", name: "NODE" });
    assert.deepEqual(nodeStepOf("node(params['MY NODE']) { }"), { kind: "param", name: "MY NODE" });
    assert.deepEqual(nodeStepOf('stage("a") { node("${params.NODE}") { } }'), { kind: "param", name: "NODE" });
    assert.deepEqual(nodeStepOf("mynode { }"), { kind: "none" });
    assert.deepEqual(nodeStepOf(defaultScript([{ name: "WHERE", type: "label" }])), { kind: "param", name: "WHERE" });
    assert.deepEqual(nodeStepOf(defaultScript([])), { kind: "none" });
  });
});

describe("jobs directory (jenkins-jobs test -o DIR, with and without --config-xml)", () => {
  it("reads both layouts, parents first; two files for one job is an error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jgs-jobs-"));
    try {
      mkdirSync(join(dir, "team", "pipe"), { recursive: true });
      writeFileSync(join(dir, "team", "config.xml"), "<com.cloudbees.hudson.plugins.folder.Folder/>");
      writeFileSync(join(dir, "team", "pipe", "config.xml"), "<flow-definition/>");
      writeFileSync(join(dir, "plain-job"), "<project/>");
      mkdirSync(join(dir, "implicit"));
      writeFileSync(join(dir, "implicit", "inner"), "<project/>");
      writeFileSync(join(dir, ".hidden"), "x");
      const items = await readJobsDir(dir);
      assert.deepEqual(items.map((i) => i.fullName), ["plain-job", "team", "implicit/inner", "team/pipe"]);
      mkdirSync(join(dir, "plain-job.d"));
      writeFileSync(join(dir, "team.xml"), "<project/>");
      await assert.rejects(readJobsDir(dir), /both define "team"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("jobsFrom: a scenario's job directory, loaded at start", () => {
  it("loads the items (relative to the scenario file); a file Jenkins would refuse names itself and nothing keeps listening", async () => {
    const dir = mkdtempSync(join(tmpdir(), "jgs-jobsfrom-"));
    try {
      mkdirSync(join(dir, "jobs", "team"), { recursive: true });
      writeFileSync(join(dir, "jobs", "team", "a"), "<project><assignedNode>trusty</assignedNode><canRoam>false</canRoam></project>");
      writeFileSync(join(dir, "scenario.yaml"), "jobsFrom: jobs\nnodes:\n  - {name: t1, labels: trusty}\n");
      const opts = await loadScenario(join(dir, "scenario.yaml"));
      assert.equal(opts.jobsFrom, join(dir, "jobs"));
      const sim = await startSimulator(opts);
      try {
        assert.equal(sim.model.getJob("team/a").labelExpression, "trusty");
      } finally {
        await sim.close();
      }
      writeFileSync(join(dir, "jobs", "broken"), "<project>");
      await assert.rejects(startSimulator(opts), (e: unknown) => e instanceof SimulatorSpecError && e.message.includes(join(dir, "jobs", "broken")) && /Failed to persist config\.xml/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
