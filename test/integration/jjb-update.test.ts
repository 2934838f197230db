// Jenkins Job Builder (Debian jenkins-job-builder 3.11, python3-jenkins 1.4) against the simulator with the worked
// example of deploy/jjb/, then the sidecar on those jobs with a real gearmand: it registers exactly what the
// Gearman plugin's rules give (docs/contract.md "The plugin's rules"), and runs a Pipeline pinned by its node parameter.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { Daemon } from "../../src/daemon.js";
import { GearmanAdmin, type GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { jjbFor, jjbVersion, type Jjb } from "../helpers/jjb.js";
import { connectClient, startMasterDaemon, submitLikeZuul, waitFor, zuulParams } from "../helpers/stack.js";

const EXAMPLE = readFileSync(new URL("../../deploy/jjb/zuul-sidecar.yaml", import.meta.url), "utf8");
const MASTER = "jenkins01";
const NODES = [
  { name: "t1", labels: ["trusty"], executors: 2 },
  { name: "t2", labels: ["trusty"], executors: 1 },
  { name: "x1", labels: ["xenial"], executors: 1 },
  { name: "reserved", labels: ["trusty"], executors: 1, exclusive: true },
];
const HANDMADE = "<project><description>made by hand</description><canRoam>true</canRoam><disabled>false</disabled></project>";

/** The plugin's rules written out for NODES (not computed with the bridge's own functions). */
const FIRST = [
  "build:gate-nova-pep8", "build:gate-nova-pep8:trusty",
  "build:gate-nova-python27", "build:gate-nova-python27:trusty",
  "build:gate-swift-pep8", "build:gate-swift-pep8:trusty", "build:gate-swift-pep8:xenial",
  // A Pipeline has no label: build:JOB on every NORMAL node; the short name, as the plugin used.
  "build:nova-docs",
  "build:handmade",
  `stop:${MASTER}`, `set_description:${MASTER}`,
];
const SECOND = FIRST.filter((f) => f !== "build:gate-swift-pep8:trusty");
const THIRD = SECOND.filter((f) => !f.startsWith("build:gate-swift-pep8"));

async function registered(admin: GearmanAdmin): Promise<string[]> {
  return (await admin.status()).filter((f) => f.workers > 0).map((f) => f.name).sort();
}

async function waitForFunctions(admin: GearmanAdmin, want: readonly string[]): Promise<void> {
  const sorted = [...want].sort();
  let last: string[] = [];
  try {
    await waitFor("gearmand status to list exactly the expected functions", async () => {
      last = await registered(admin);
      return JSON.stringify(last) === JSON.stringify(sorted);
    }, 20_000, 100);
  } catch (e) {
    assert.deepEqual(last, sorted, (e as Error).message);
  }
}

describe("JJB update against the simulator, then the sidecar on its jobs", { timeout: 180_000 }, () => {
  let dir: string;
  let sim: JenkinsSimulator;
  let jjb: Jjb;
  let gd: Gearmand;
  let daemon: Daemon | null = null;
  let admin: GearmanAdmin;
  let client: GearmanClient;
  const yaml = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-jjb-"));
    // Security off, as startMasterDaemon connects anonymously; JJB's Basic auth is then ignored, as Jenkins does.
    sim = await startSimulator({ nodes: NODES, quietPeriodSec: 0, createdJobs: { durationMs: 300 } });
    jjb = jjbFor(dir, sim.url, "jjb", "jjb-token");
    gd = await startGearmand();
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await daemon?.stop().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await gd?.stop();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("is JJB 3.11 (the version this project's README and docs/migration.md describe)", async () => {
    assert.match(await jjbVersion(), /^3\.11\./);
  });

  it("a `triggers: [zuul]` in defaults adds no parameter (Zuul.handle_data runs before defaults apply: jenkins_jobs/modules/zuul.py:190-212, parser.py:236-246) and then fails as an unknown trigger; on the job it adds the ZUUL_* strings", async () => {
    const viaDefaults = await jjb.runRaw(["test", "-o", join(dir, "out-defaults"), yaml("defaults-trigger.yaml", "- defaults:\n    name: global\n    triggers: [zuul]\n- job:\n    name: via-defaults\n")]);
    assert.notEqual(viaDefaults.code, 0);
    assert.match(viaDefaults.stderr, /Unknown entry point or macro 'zuul' for component type: 'trigger'/);
    const out = join(dir, "out-job");
    await jjb.run(["test", "-o", out, yaml("job-trigger.yaml", "- job:\n    name: on-job\n    triggers: [zuul]\n")]);
    const onJob = readFileSync(join(out, "on-job"), "utf8");
    for (const p of ["ZUUL_UUID", "ZUUL_PIPELINE", "ZUUL_PROJECT", "ZUUL_CHANGES", "ZUUL_REF", "ZUUL_COMMIT", "ZUUL_CHANGE", "ZUUL_PATCHSET"]) assert.match(onJob, new RegExp(`<name>${p}</name>`));
    assert.doesNotMatch(onJob, /ZUUL_REFNAME|BASE_LOG_PATH|OFFLINE_NODE_WHEN_COMPLETE/, "the zuul trigger adds neither the ref-updated, the log nor the offline parameters");
  });

  it("update creates the folder, the freestyle jobs and the Pipeline; a second update reconfigures them in place", async () => {
    sim.addItemXml("handmade", HANDMADE);
    await jjb.run(["update", yaml("zuul.yaml", EXAMPLE)]);
    const root = (await (await fetch(`${sim.url}api/json?tree=jobs[name,jobs[name]]`)).json()) as { jobs: { name: string; jobs?: { name: string }[] }[] };
    assert.deepEqual(root.jobs.map((j) => j.name), ["gate-nova-pep8", "gate-nova-python27", "gate-swift-pep8", "handmade", "zuul-pipelines"]);
    assert.deepEqual(root.jobs.find((j) => j.name === "zuul-pipelines")?.jobs?.map((j) => j.name), ["nova-docs"]);
    sim.triggerBuild("gate-swift-pep8", {}, { delaySec: 0 });
    await waitFor("the swift build", () => sim.builds("gate-swift-pep8").some((b) => !b.building));

    await jjb.run(["update", yaml("zuul.yaml", EXAMPLE.replace("node: 'trusty || xenial'", "node: xenial"))]);
    const swift = sim.model.getJob("gate-swift-pep8");
    assert.equal(swift.labelExpression, "xenial");
    assert.equal(swift.builds.length, 1, "reconfigured, not recreated: the build history stays");
    assert.equal(swift.params.find((p) => p.name === "NODE")?.type, "node");
  });

  it("the sidecar registers exactly the plugin's functions for those definitions (gearmand admin status)", async () => {
    daemon = await startMasterDaemon(sim, MASTER, [{ host: gd.host, port: gd.port }], join(dir, "state.json"), { zmq: false });
    await waitForFunctions(admin, SECOND);
  });

  it("a Pipeline pinned through its node parameter: Gearman submit → WORK_COMPLETE whose node_name is the agent its run and node block used", async () => {
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    const out = await submitLikeZuul(client, "build:nova-docs", zuulParams());
    assert.equal(out.kind, "complete");
    const done = out.complete as Record<string, unknown>;
    assert.equal(done["result"], "SUCCESS");
    const build = sim.builds("zuul-pipelines/nova-docs").find((b) => b.number === done["number"]);
    assert.ok(build !== undefined);
    assert.ok(["t1", "t2", "x1"].includes(String(done["node_name"])), `node_name ${String(done["node_name"])}`);
    assert.equal(build.parameters["NODE"], done["node_name"], "the sidecar filled NODE with the node it reports");
    assert.equal(build.node, done["node_name"], "the node block ran there");
  });

  it("update --delete-old removes the managed job that left the YAML, keeps the hand-made one, and the sidecar drops its functions", async () => {
    const swiftProject = EXAMPLE.slice(EXAMPLE.indexOf("- project:\n    name: swift"));
    await jjb.run(["update", "--delete-old", yaml("zuul.yaml", EXAMPLE.replace(swiftProject, ""))]);
    assert.equal(sim.model.getItem("gate-swift-pep8"), undefined);
    assert.notEqual(sim.model.getItem("handmade"), undefined, "no JJB marker in its description: not managed");
    assert.notEqual(sim.model.getItem("zuul-pipelines/nova-docs"), undefined);
    await waitForFunctions(admin, THIRD);
  });

  it("the first update's definitions give the first function set too (swift on trusty || xenial)", async () => {
    await jjb.run(["update", yaml("zuul.yaml", EXAMPLE)]);
    await waitForFunctions(admin, FIRST);
  });
});
