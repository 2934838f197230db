// gear.Server, the Gearman server Zuul v2 embeds ([gearman_server] start=true), with the sidecar:
// what scripts/check-gear-server.sh runs besides the shared integration tests. Registration diffs
// seen through gear's admin `status` (the command Zuul's isJobRegistered uses, docs/contract.md "Admin status and workers"),
// and where gear.Server behaves unlike gearmand, asserted as gear does it (gear/__init__.py at the
// commit the script prints: Server.handleWorkException, Server._lostConnection):
//   - WORK_EXCEPTION ends the job and reaches the client as WORK_EXCEPTION (gearmand sends WORK_FAIL
//     to clients without the `exceptions` option). gear's Client marks it complete and failed, so
//     Zuul retries the job either way (docs/contract.md "WORK_FAIL": no result means retry).
//   - A worker connection that drops mid-job fails the job to the client (WORK_FAIL) instead of
//     requeueing it, so a sidecar restarted mid-build cannot adopt its build: Zuul retries, and the
//     old build keeps running in Jenkins unreported. Drain before a restart (README, rolling upgrade).
// Not part of CI (gear cannot be fetched there); needs JGS_TEST_GEARMAN_SERVER=gear and GEAR_PATH.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { gearmanServerKind, startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { startStack, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Stack } from "../helpers/stack.js";

describe("gear.Server with the sidecar", { timeout: 120_000 }, () => {
  let gd: Gearmand;
  let s: Stack;
  before(async () => {
    assert.equal(gearmanServerKind(), "gear", "run through scripts/check-gear-server.sh (JGS_TEST_GEARMAN_SERVER=gear)");
    gd = await startGearmand();
    s = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      masters: [
        {
          name: "jenkins01",
          jobs: [zuulJob("ok", "trusty"), zuulJob("long", "trusty", { durationMs: 2500 })],
          nodes: [
            { name: "t1", labels: ["trusty"], executors: 2 },
            { name: "p1", labels: ["precise"], executors: 1 },
          ],
        },
      ],
    });
    await waitRegistered(s.admin, ["build:ok", "build:ok:trusty", "build:long", "stop:jenkins01", "set_description:jenkins01"]);
  });
  after(async () => {
    await s?.close();
    await gd?.stop();
  });

  const workersOf = async (fn: string): Promise<number | undefined> => (await s.admin.status()).find((f) => f.name === fn)?.workers;

  it("registration diffs show in gear's `status`: a new job (CAN_DO), a removed one (CANT_DO), a label that appears and goes", async () => {
    const sim = s.masters[0]!.sim;
    sim.addJob(zuulJob("fresh", "precise"));
    await waitRegistered(s.admin, ["build:fresh", "build:fresh:precise"]);
    sim.removeJob("fresh");
    await waitFor("build:fresh without workers", async () => ((await workersOf("build:fresh")) ?? 0) === 0 && ((await workersOf("build:fresh:precise")) ?? 0) === 0, 10_000);
    // A node that goes offline registers nothing; back online, its functions come back.
    sim.addJob(zuulJob("on-precise", "precise"));
    await waitRegistered(s.admin, ["build:on-precise"]);
    sim.setNodeOffline("p1", true, "maintenance");
    await waitFor("build:on-precise unregistered", async () => ((await workersOf("build:on-precise")) ?? 0) === 0, 10_000);
    sim.setNodeOffline("p1", false);
    await waitRegistered(s.admin, ["build:on-precise"]);
    assert.equal(await workersOf("build:ok"), 1, "one worker connection for the trusty group, whatever the executors");
  });

  it("bad arguments: WORK_EXCEPTION reaches the client as an exception (a failure for gear's Client, so Zuul retries); nothing runs", async () => {
    const before = s.masters[0]!.sim.builds("ok").length;
    const job = await s.client.submit("build:ok", "not json", { unique: "gear-bad-args" });
    const r = await job.result;
    assert.equal(r.kind, "exception", "gear.Server passes WORK_EXCEPTION through; the WORK_FAIL after it is for a finished job");
    assert.equal(s.masters[0]!.sim.builds("ok").length, before);
    // The worker connection is still fine: the next job runs.
    assert.equal((await submitLikeZuul(s.client, "build:ok")).complete?.["result"], "SUCCESS");
  });

  it("a sidecar restarted mid-build: gear.Server fails the job to the client (no requeue), so Zuul retries", async () => {
    const a = s.masters[0]!;
    let started = false;
    const p = submitLikeZuul(s.client, "build:long", zuulParams(), { onJob: (j) => j.on("data", () => (started = true)) });
    await waitFor("long build started", () => started, 10_000);
    await a.restart();
    const o = await p;
    assert.equal(o.kind, "fail", "WORK_FAIL from gear.Server when the worker connection dropped");
    // The restarted sidecar registers again and takes new work.
    await waitRegistered(s.admin, ["build:ok"]);
    assert.equal((await submitLikeZuul(s.client, "build:ok")).complete?.["result"], "SUCCESS");
    for (const b of a.sim.runningBuilds()) a.sim.finishBuild(b.job, b.number, "SUCCESS");
  });
});
