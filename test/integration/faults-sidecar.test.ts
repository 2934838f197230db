// Fault suite (issue 8), the sidecar process itself: SIGKILL mid-build and a restart with the same
// state file (no second Jenkins build: docs/architecture.md "No build twice"; docs/contract.md
// "gearmand requeues a job whose connection drops"), and the Jenkins token never
// appearing in any output (issue 8, Access). The sidecar runs as a child process so that SIGKILL is real.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { GearmanAdmin, GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { assertNothingLostNothingTwice, SidecarProcess, summary } from "../helpers/faults.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Outcome } from "../helpers/stack.js";

function sidecarArgs(sim: JenkinsSimulator, gd: Gearmand, stateFile: string, extra: string[] = []): string[] {
  return [
    "--jenkins-url", sim.url,
    "--gearman", `${gd.host}:${gd.port}`,
    "--no-zmq",
    "--admin-listen", "127.0.0.1:0",
    "--master-name", "jenkins01",
    "--poll-interval", "100ms",
    "--jobs-refresh", "300ms", "--job-details-refresh", "1s", "--nodes-refresh", "1s",
    "--state-file", stateFile,
    "--drain-grace", "2s",
    ...extra,
  ];
}

void describe("faults: the sidecar SIGKILLed mid-build and started again with the same state file", { timeout: 60_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;
  const procs: SidecarProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-faults-"));
    gd = await startGearmand();
    sim = await startSimulator({
      jobs: [zuulJob("long", "linux", { durationMs: 5000 }), zuulJob("later", "linux", { durationMs: 500 })],
      nodes: ["a", "b", "c", "d"].map((n) => ({ name: n, labels: ["linux"], executors: 1 })),
    });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });
  after(async () => {
    for (const p of procs) await p.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  void it("running builds and a build still queued in Jenkins are adopted, not triggered again", async () => {
    const stateFile = join(dir, "state.json");
    const first = new SidecarProcess(sidecarArgs(sim, gd, stateFile));
    procs.push(first);
    await first.adminUrl();
    await waitRegistered(admin, ["build:long", "build:later"], 20_000);
    // Three builds running...
    const started = new Set<string>();
    const running = Array.from({ length: 3 }, () => {
      const p = zuulParams();
      return submitLikeZuul(client, "build:long", p, { onJob: (j) => j.once("data", () => started.add(p["ZUUL_UUID"]!)) });
    });
    await waitFor("3 builds running", () => started.size === 3, 15_000);
    // ...and one triggered but held in the Jenkins queue by quiet-down.
    sim.quietDown("faults test");
    const queued = submitLikeZuul(client, "build:later");
    await waitFor("queued in Jenkins", () => sim.queueItems().some((q) => q.job === "later"), 10_000);
    await new Promise((r) => setTimeout(r, 200)); // the state file write after the trigger
    await first.kill("SIGKILL");
    assert.equal((await first.exited).signal, "SIGKILL");
    sim.cancelQuietDown(); // the queued build starts while no sidecar is there
    const second = new SidecarProcess(sidecarArgs(sim, gd, stateFile));
    procs.push(second);
    await second.adminUrl();
    const outs: Outcome[] = await Promise.all([...running, queued]);
    for (const o of outs) assert.equal(o.complete?.["result"], "SUCCESS", `${o.fn} ${o.uuid} reported after the restart`);
    for (const o of outs.slice(0, 3)) assert.ok(o.data.length >= 2 && o.data[0]!["number"] === o.data.at(-1)!["number"], "the second sidecar announced the same build again");
    assert.match(second.stderr + second.stdout, /adopting a build started before a restart/);
    // New work flows through the restarted sidecar.
    outs.push(await submitLikeZuul(client, "build:later"));
    assert.equal(outs.at(-1)!.complete?.["result"], "SUCCESS");
    const r = assertNothingLostNothingTwice(outs, [sim], (o) => o.complete?.["result"] === "SUCCESS");
    assert.equal(sim.builds("long").length, 3, "exactly one Jenkins build per Gearman job");
    await second.kill("SIGTERM");
    summary("sidecar-sigkill", { faults: "1 SIGKILL mid-build + restart", adopted: 4, submitted: r.submitted, endings: r.endings, lost: 0, runTwice: r.runTwice });
  });
});

void describe("access: the Jenkins token never appears in any output", { timeout: 60_000 }, () => {
  const TOKEN = "11a7c0ffee5ecret70ken0f7he5idecar42";
  const WRONG = "22b8deadbeefwr0ng70ken0f7he5idecar99";
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let client: GearmanClient;
  let admin: GearmanAdmin;
  let dir: string;
  const procs: SidecarProcess[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-faults-"));
    gd = await startGearmand();
    sim = await startSimulator({
      jobs: [zuulJob("ok", "linux"), zuulJob("bad", "linux", { result: "FAILURE" })],
      nodes: [{ name: "a", labels: ["linux"], executors: 2 }],
      users: [{ user: "zuul", token: TOKEN }],
      anonymousRead: false,
    });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
    admin = new GearmanAdmin({ host: gd.host, port: gd.port });
  });
  after(async () => {
    for (const p of procs) await p.kill("SIGKILL");
    await client?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await gd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function endpoints(url: string): Promise<string> {
    let text = "";
    for (const p of ["status", "metrics", "readyz", "healthz", "events?since=0"]) {
      const r = await fetch(new URL(p, url));
      text += `\n--- ${p} ${r.status}\n${await r.text()}`;
    }
    return text;
  }

  void it("through start, jobs, errors, a 401 phase, /status and /metrics, and stop, at debug level", async () => {
    const outputs: string[] = [];
    // Run 1: the right token.
    const one = new SidecarProcess(sidecarArgs(sim, gd, join(dir, "one.json"), ["--jenkins-user", "zuul", "--log-level", "debug"]), { JENKINS_TOKEN: TOKEN });
    procs.push(one);
    const url1 = await one.adminUrl();
    await waitRegistered(admin, ["build:ok", "build:bad"], 20_000);
    const outs = [await submitLikeZuul(client, "build:ok"), await submitLikeZuul(client, "build:bad")];
    assert.deepEqual(outs.map((o) => o.complete?.["result"]), ["SUCCESS", "FAILURE"]);
    const badArgs = await client.submit("build:ok", "not json", { unique: "bad-args" });
    assert.equal((await badArgs.result).kind, "fail");
    const stop = await client.submit("stop:jenkins01", JSON.stringify({ name: "ok", number: 999 }));
    assert.equal((await stop.result).kind, "fail");
    await sim.setFault({ status: 500, html: true }); // Jenkins errors: logged, in /status
    await waitFor("unhealthy", async () => (await fetch(new URL("readyz", url1))).status === 503, 5000);
    outputs.push(await endpoints(url1));
    await sim.setFault(null);
    outputs.push(await endpoints(url1));
    await one.kill("SIGTERM");
    outputs.push(one.stdout, one.stderr);
    // Run 2: a wrong token, so every Jenkins request is a 401.
    const two = new SidecarProcess(sidecarArgs(sim, gd, join(dir, "two.json"), ["--jenkins-user", "zuul", "--log-level", "debug"]), { JENKINS_TOKEN: WRONG });
    procs.push(two);
    const url2 = await two.adminUrl();
    await waitFor("a 401 logged", () => /401/.test(two.stderr + two.stdout), 10_000);
    outputs.push(await endpoints(url2));
    await two.kill("SIGTERM");
    outputs.push(two.stdout, two.stderr);

    const all = outputs.join("\n");
    assert.ok(all.length > 5000, "there was plenty of output to search");
    assert.match(all, /401/, "the 401 phase happened and was reported");
    let searched = 0;
    for (const secret of [TOKEN, WRONG, Buffer.from(`zuul:${TOKEN}`).toString("base64"), Buffer.from(`zuul:${WRONG}`).toString("base64")]) {
      searched++;
      assert.ok(!all.includes(secret), `a secret (${secret.slice(0, 4)}...) appeared in the output`);
      // Not even a recognisable part of it.
      assert.ok(!all.includes(secret.slice(0, 12)), "a prefix of a secret appeared in the output");
    }
    summary("access-token-grep", { runs: 2, outputBytes: all.length, secretsSearched: searched, found: 0 });
  });
});
