// `jenkins-gearman-sidecar check` as a child process (node --import tsx src/cli.ts): the dry run of a migration
// against `simulate --jobs-from` with JJB's output of deploy/jjb/, and a master with what would break Zuul.
import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import { checkCommand } from "../../src/cli/check.js";
import { EXIT } from "../../src/cli/exit.js";
import { JenkinsPreflight } from "../../src/jenkins/index.js";
import type { PreflightReport } from "../../src/preflight/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { freePort } from "../helpers/gearmand.js";
import { jjbFor } from "../helpers/jjb.js";
import { ZUUL_PARAMS, waitFor, zuulJob } from "../helpers/stack.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = ["--import", "tsx", "src/cli.ts"];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : 1, stdout, stderr });
    });
  });
}

describe("check: the dry run of a migration against simulate --jobs-from with JJB's output", { timeout: 120_000 }, () => {
  let dir: string;
  let child: ChildProcess;
  let url: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-check-"));
    const out = join(dir, "jobs");
    // The worked example, as `jenkins-jobs test --config-xml -o DIR` writes it (folders as sub-directories).
    await jjbFor(dir, "http://127.0.0.1:1/", "u", "t", false).run(["test", "--config-xml", "-o", out, join(ROOT, "deploy/jjb")]);
    const port = await freePort();
    child = spawn(process.execPath, [...CLI, "simulate", "--port", String(port), "--jobs-from", out, "--nodes", "3", "--labels", "trusty,xenial"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let said = "";
    child.stdout?.on("data", (d: Buffer) => (said += d.toString()));
    await waitFor("the simulator to listen", () => /listening on (\S+) with 5 items/.test(said), 30_000, 50);
    url = /listening on (\S+)/.exec(said)?.[1] ?? "";
  });

  after(async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("the human report: version, user, permissions, every job with its node parameter, label and nodes, the groups and CAN_DO; exit 0", async () => {
    const r = await cli(["check", "--jenkins-url", url, "--master-name", "jenkins01"]);
    assert.equal(r.code, EXIT.OK, r.stderr + r.stdout);
    assert.match(r.stdout, /^Jenkins 2\.479\.1 at http:\/\/127\.0\.0\.1:\d+\/, as anonymous; master name for Zuul: jenkins01$/m);
    for (const p of ["Overall/Read", "Job/Read", "Job/Build", "Job/Cancel", "Run/Update", "Agent/Connect, Agent/Disconnect", "Overall/Manage", "Agent/ExtendedRead"]) assert.match(r.stdout, new RegExp(`^  ${p.replace("/", "\\/")}\\s`, "m"));
    assert.match(r.stdout, /^ {2}gate-swift-pep8\s+freestyle\s+NODE \(node\)\s+trusty \|\| xenial\s+node-0000, node-0001, node-0002 \(3\)\s+3\s+-$/m);
    assert.match(r.stdout, /^ {2}zuul-pipelines\/nova-docs\s+pipeline\s+NODE \(node\)\s+\(none\)/m);
    assert.match(r.stdout, /^Registration per Gearman server: 20 CAN_DO \(10 distinct functions\); the plugin's one connection per executor: 38$/m);
    assert.match(r.stdout, /^OK: nothing found that would break Zuul\.$/m);
    // Not a terminal: plain progress lines on stderr (src/cli/progress.ts).
    assert.match(r.stderr, /^\d{4}-\d\d-\d\dT[\d:.]+Z reading jobs$/m);
    assert.match(r.stderr, /read 4 jobs and 4 nodes: ready$/m);
  });

  it("--json: the same report for scripts", async () => {
    const r = await cli(["check", "--jenkins-url", url, "--master-name", "jenkins01", "--json"]);
    assert.equal(r.code, EXIT.OK);
    const rep = JSON.parse(r.stdout) as PreflightReport;
    assert.equal(rep.ok, true);
    assert.equal(rep.jenkins.version, "2.479.1");
    assert.deepEqual(rep.jobs.map((j) => [j.fullName, j.pinnable, j.missingParameters.length, j.missingRefParameters.length]), [
      ["gate-nova-pep8", true, 0, 0], ["gate-nova-python27", true, 0, 0], ["gate-swift-pep8", true, 0, 0], ["zuul-pipelines/nova-docs", true, 0, 0],
    ]);
    assert.equal(rep.groups.length, 3);
    assert.deepEqual(rep.registration, { ours: 20, plugin: 38, distinctFunctions: 10, gearmanServers: 1 });
    assert.deepEqual(rep.findings.map((f) => f.severity), ["warning"], "only: security is off");
  });
});

describe("check: a master that would break Zuul", { timeout: 120_000 }, () => {
  let sim: JenkinsSimulator;
  let dir: string;
  const env = { JENKINS_TOKEN: "tok" };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-check-bad-"));
    sim = await startSimulator({
      users: [
        { user: "sidecar", token: "tok", fullName: "Gearman Sidecar", permissions: ["hudson.model.Item.Read"] },
        { user: "admin", token: "adm" },
      ],
      nodes: [{ name: "t1", labels: ["trusty"], executors: 2 }, { name: "x1", labels: ["xenial"], executors: 1, exclusive: true }],
      jobs: [
        zuulJob("good", "trusty"),
        { name: "bare", labelExpression: "trusty", parameters: [{ name: "ZUUL_UUID", type: "string" }] },
        zuulJob("nowhere", "precise"),
        { ...zuulJob("team/pipe", null), type: "pipeline", script: "node('trusty') { sh 'x' }" },
        { name: "tools/cleanup", labelExpression: null, parameters: [] },
      ],
    });
    sim.addItemXml("broken-label", `<project><assignedNode>trusty &amp;&amp;</assignedNode><canRoam>false</canRoam><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>${ZUUL_PARAMS.map((p) => `<hudson.model.StringParameterDefinition><name>${p}</name></hudson.model.StringParameterDefinition>`).join("")}</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties></project>`);
  });

  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("exit 5 with each problem named: undeclared Zuul parameters, a label no node satisfies, an unparsable label, missing Job/Build and Agent/ExtendedRead with the setting that grants them", async () => {
    const r = await cli(["check", "--jenkins-url", sim.url, "--jenkins-user", "sidecar", "--zuul-jobs", "^(?!tools/)", "--json"], env);
    assert.equal(r.code, EXIT.NOT_READY, r.stderr);
    const rep = JSON.parse(r.stdout) as PreflightReport;
    assert.equal(rep.ok, false);
    assert.deepEqual([rep.jenkins.user, rep.jenkins.userName], ["sidecar", "Gearman Sidecar"]);
    assert.equal(rep.jobsSkipped, 1, "tools/cleanup is not a Zuul job");
    const errors = rep.findings.filter((f) => f.severity === "error").map((f) => `${f.subject}: ${f.message}`);
    const has = (re: RegExp): void => assert.ok(errors.some((e) => re.test(e)), `${re} in\n${errors.join("\n")}`);
    has(/^bare: does not declare ZUUL_PROJECT, ZUUL_PIPELINE, .*OFFLINE_NODE_WHEN_COMPLETE: Jenkins drops undeclared parameters/);
    has(/^nowhere: no online node satisfies precise: it registers nothing/);
    has(/^broken-label: no online node satisfies "trusty &&"/);
    has(/^Job\/Build: missing .*give "sidecar" Job › Build/);
    const perms = new Map(rep.permissions.map((p) => [p.name, p]));
    assert.equal(perms.get("Job/Build")?.status, "missing");
    assert.equal(perms.get("Agent/ExtendedRead")?.status, "missing");
    assert.match(perms.get("Agent/ExtendedRead")?.grant ?? "", /Agent › Configure.*-Dhudson\.security\.ExtendedReadPermission=true/);
    assert.equal(perms.get("Run/Update")?.status, "not-probed");
    // Without Item/ExtendedRead the Pipeline's script cannot be read: said, not guessed.
    assert.ok(rep.findings.some((f) => f.subject === "team/pipe" && f.severity === "warning" && /script could not be read/.test(f.message)));
    const bare = rep.jobs.find((j) => j.fullName === "bare");
    assert.deepEqual([bare?.nodeParameter, bare?.pinnable], [null, false]);
    assert.equal(sim.queueItems().length + sim.builds().length, 0, "check queued and ran nothing");
  });

  it("the human report says NOT READY and lists what would break; an admin passes the permission probes and sees a Pipeline's script", async () => {
    const r = await cli(["check", "--jenkins-url", sim.url, "--jenkins-user", "admin", "--zuul-jobs", "^good$"], { JENKINS_TOKEN: "adm" });
    assert.equal(r.code, EXIT.OK, r.stdout);
    assert.match(r.stdout, /^ {2}Job\/Build\s+granted/m);
    const pj = await cli(["check", "--jenkins-url", sim.url, "--jenkins-user", "admin", "--zuul-jobs", "^team/pipe$", "--json"], { JENKINS_TOKEN: "adm" });
    assert.equal(pj.code, EXIT.OK, "a Pipeline its node parameter does not pin is a warning");
    const pipe = (JSON.parse(pj.stdout) as PreflightReport).jobs[0];
    assert.deepEqual([pipe?.fullName, pipe?.pinnable], ["team/pipe", false]);
    const bad = await cli(["check", "--jenkins-url", sim.url, "--jenkins-user", "sidecar"], env);
    assert.equal(bad.code, EXIT.NOT_READY);
    assert.match(bad.stdout, /^Would break Zuul \(\d+\):$/m);
    assert.match(bad.stdout, /^ {2}✗ nowhere: no online node satisfies precise/m);
    assert.match(bad.stdout, /^NOT READY: \d+ problems would break Zuul\.$/m);
  });

  it("Jenkins unreachable is exit 1, a bad --zuul-jobs exit 2", async () => {
    const port = await freePort();
    const down = await cli(["check", "--jenkins-url", `http://127.0.0.1:${port}/`, "--jenkins-timeout", "2s"]);
    assert.equal(down.code, EXIT.FAILURE);
    assert.match(down.stderr, /check: GET .*cannot connect \(ECONNREFUSED\)/);
    const usage = await cli(["check", "--jenkins-url", sim.url, "--zuul-jobs", "("]);
    assert.equal(usage.code, EXIT.USAGE);
  });
});

describe("check on a larger master", { timeout: 60_000 }, () => {
  it("lists 2,000 jobs in folders nested deeper than one request reaches, and on a terminal rewrites one progress line in place", async () => {
    const deep = "a/b/c/d/e/f/g/h";
    const jobs = Array.from({ length: 2000 }, (_, i) => zuulJob(`${i % 2 === 0 ? deep : `team-${i % 7}`}/job-${i}`, "trusty"));
    const sim = await startSimulator({ jobs, nodes: [{ name: "t1", labels: ["trusty"], executors: 1 }] });
    try {
      const listed = await new JenkinsPreflight({ baseUrl: sim.url }).listJobs();
      assert.equal(listed.length, 2000);
      assert.ok(listed.some((j) => j.fullName === `${deep}/job-0` && j.parameters.some((p) => p.type === "NodeParameterDefinition")));
      let out = "";
      let err = "";
      const stdout = { write: (c: string) => ((out += c), true) } as unknown as NodeJS.WritableStream;
      const tty = { isTTY: true, write: (c: string) => ((err += c), true) } as unknown as NodeJS.WriteStream;
      const code = await checkCommand({ jenkinsUrl: sim.url, json: true }, stdout, tty);
      assert.equal(code, EXIT.OK, out);
      assert.equal((JSON.parse(out) as PreflightReport).jobs.length, 2000);
      assert.ok(err.includes("\r\u001b[2Kreading jobs: "), "rewritten in place");
      assert.match(err, /reading jobs: \d+ so far, now folder a\/b\/c\/d\/e\/f/);
      assert.ok(err.endsWith("read 2000 jobs and 2 nodes: ready\n"));
      assert.equal(err.split("\n").length, 2, "one line, rewritten in place, then the final one");
    } finally {
      await sim.close();
    }
  });
});
