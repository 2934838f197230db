// The preflight's pure analysis (src/preflight/): Zuul parameters, node parameters, labels, groups and CAN_DO
// counts with the bridge's rules (docs/contract.md "The plugin's rules"), permission findings, and the human form.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { NodeInfo, PreflightJob } from "../../../src/jenkins/index.js";
import { ZUUL_PARAMETERS, analyse, formatReport, scriptUsesParameter, type PreflightInput } from "../../../src/preflight/index.js";

function node(name: string, labels: string[], o: Partial<NodeInfo> = {}): NodeInfo {
  return {
    name, displayName: name || "Built-In Node", labels: [...labels, name || "built-in"], offline: false, temporarilyOffline: false, offlineReason: "",
    exclusive: false, numExecutors: 2, executors: [], oneOffExecutors: [], description: null, freeExecutors: 2, ...o,
  };
}

const zuul = ZUUL_PARAMETERS.map((name) => ({ name, type: "StringParameterDefinition" }));
function job(fullName: string, labelExpression: string | null, o: Partial<PreflightJob> = {}): PreflightJob {
  return {
    fullName, name: fullName.split("/").pop() ?? fullName, url: `http://j/job/${fullName}/`, className: "FreeStyleProject", disabled: false, buildable: true,
    labelExpression, concurrentBuild: true, isPipeline: false,
    parameters: [...zuul, { name: "ZUUL_REFNAME", type: "StringParameterDefinition" }, { name: "ZUUL_OLDREV", type: "StringParameterDefinition" }, { name: "ZUUL_NEWREV", type: "StringParameterDefinition" }, { name: "NODE", type: "NodeParameterDefinition" }],
    ...o,
  };
}

const base = (o: Partial<PreflightInput>): PreflightInput => ({
  jenkins: { url: "http://j/", version: "2.479.1", user: "sidecar", userName: null, useSecurity: true },
  masterName: "jenkins01", jobs: [], nodes: [], scripts: new Map(), probes: { overallRead: true, visibleJobs: 1, build: "granted", nodeConfig: "granted" }, ...o,
});

describe("preflight analysis", () => {
  it("groups and CAN_DO: nodes with one function set share a group; the plugin sends every function per executor (+ stop/set_description)", () => {
    const r = analyse(base({
      jobs: [job("a", "trusty"), job("b", "trusty || xenial"), job("c", null)],
      nodes: [node("", [], { numExecutors: 0 }), node("t1", ["trusty"]), node("t2", ["trusty"], { numExecutors: 1 }), node("x1", ["xenial"]), node("e1", ["trusty"], { exclusive: true })],
    }));
    assert.equal(r.ok, true, JSON.stringify(r.findings));
    // t1 and t2 share {a, a:trusty, b, b:trusty, c} (self-labels differ but give no function); e1 lacks c; x1 has b, b:xenial, c.
    assert.deepEqual(r.groups.map((g) => [g.nodes, g.functions, g.executors, g.exclusive]), [[["t1", "t2"], 5, 3, false], [["x1"], 3, 2, false], [["e1"], 4, 2, true]]);
    assert.deepEqual(r.groups[0]?.labels, ["trusty"]);
    assert.equal(r.registration.ours, 4 + 5 + 3 + 2);
    assert.equal(r.registration.plugin, 2 * 4 + 2 * 5 + 1 * 5 + 2 * 3 + 2);
    assert.deepEqual(r.jobs.map((j) => [j.fullName, j.functions, j.nodes]), [["a", 2, ["t1", "t2", "e1"]], ["b", 3, ["t1", "t2", "x1", "e1"]], ["c", 1, ["(built-in)", "t1", "t2", "x1"]]]);
  });

  it("errors: undeclared Zuul parameters, a label no online node satisfies, an unparsable label, a missing Job/Build; warnings: no node parameter, ref-updated parameters, a disabled job, a short-name clash", () => {
    const r = analyse(base({
      jobs: [
        job("undeclared", "trusty", { parameters: [{ name: "NODE", type: "LabelParameterDefinition" }] }),
        job("offline-only", "precise"),
        job("bad", "trusty &&"),
        job("unpinned", "trusty", { parameters: zuul }),
        job("off", "trusty", { disabled: true }),
        job("f1/dup", "trusty"), job("f2/dup", "trusty"),
      ],
      nodes: [node("t1", ["trusty"]), node("p1", ["precise"], { offline: true })],
      probes: { overallRead: true, visibleJobs: 7, build: "missing", nodeConfig: "missing" },
    }));
    assert.equal(r.ok, false);
    const errs = r.findings.filter((f) => f.severity === "error").map((f) => f.subject);
    assert.deepEqual(errs, ["undeclared", "offline-only", "bad", "Job/Build"]);
    const warns = r.findings.filter((f) => f.severity === "warning").map((f) => f.subject);
    for (const w of ["undeclared", "unpinned", "off", "dup", "Agent/ExtendedRead"]) assert.ok(warns.includes(w), w);
    assert.deepEqual(r.jobs.find((j) => j.fullName === "undeclared")?.nodeParameter, { name: "NODE", kind: "label" });
    assert.match(r.jobs.find((j) => j.fullName === "bad")?.labelError ?? "", /invalid label expression/);
    assert.equal(r.jobs.find((j) => j.fullName === "offline-only")?.onlineNodes, 0);
  });

  it("a Pipeline's node parameter pins only if its script passes it to node()", () => {
    const p = job("p", null, { isPipeline: true, className: "WorkflowJob" });
    const pinned = analyse(base({ jobs: [p], nodes: [node("t1", ["trusty"])], scripts: new Map([["p", "node(params.NODE) { sh 'x' }"]]) }));
    assert.equal(pinned.jobs[0]?.pinnable, true);
    const loose = analyse(base({ jobs: [p], nodes: [node("t1", ["trusty"])], scripts: new Map([["p", "node('trusty') { sh 'x' }"]]) }));
    assert.equal(loose.jobs[0]?.pinnable, false);
    assert.equal(loose.ok, true, "a warning, not an error");
    assert.ok(scriptUsesParameter('node("${params.NODE}") {', "NODE"));
    assert.ok(scriptUsesParameter("node(label: params['NODE']) {", "NODE"));
    assert.ok(!scriptUsesParameter("node(params.NODE2) {", "NODE"));
  });

  it("the human form: one line per job and group, the CAN_DO comparison, and the verdict", () => {
    const r = analyse(base({ jobs: [job("a", "trusty")], nodes: [node("t1", ["trusty"])] }));
    const text = formatReport(r);
    assert.match(text, /^Jenkins 2\.479\.1 at http:\/\/j\/, as sidecar; master name for Zuul: jenkins01$/m);
    assert.match(text, /^ {2}a\s+freestyle\s+NODE \(node\)\s+trusty\s+t1 \(1\)\s+2\s+-$/m);
    assert.match(text, /^Registration per Gearman server: 4 CAN_DO \(4 distinct functions\); the plugin's one connection per executor: 6$/m);
    assert.match(text, /^OK: nothing found that would break Zuul\.$/m);
  });
});
