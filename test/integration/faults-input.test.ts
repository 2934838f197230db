// Bad input at the integration level (issue 8): Gearman arguments that are not JSON, not an
// object, nested, 10 MiB, invalid UTF-8, thousands of keys, bad parameter names; stop: and
// set_description: for unknown builds or with missing fields; a function of a deleted job.
// Each ends as WORK_FAIL (Zuul sees WORK_EXCEPTION converted to WORK_FAIL: docs/contract.md "WORK_EXCEPTION reaches Zuul as WORK_FAIL"),
// starts nothing in Jenkins, and leaves the next good job undisturbed.
// The parsing itself is unit-tested in test/unit/bridge/arguments-state.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { summary } from "../helpers/faults.js";
import { startStack, submitLikeZuul, waitFor, waitRegistered, zuulJob, zuulParams, type Stack } from "../helpers/stack.js";

void describe("bad input through gearmand", { timeout: 60_000 }, () => {
  let gd: Gearmand;
  let s: Stack;
  let tried = 0;
  before(async () => {
    gd = await startGearmand();
    s = await startStack({
      servers: [{ host: gd.host, port: gd.port }],
      masters: [{ name: "jenkins01", jobs: [zuulJob("ok", "linux"), zuulJob("doomed", "linux")], nodes: [{ name: "a", labels: ["linux"], executors: 2 }] }],
    });
    await waitRegistered(s.admin, ["build:ok", "build:doomed", "stop:jenkins01", "set_description:jenkins01"]);
  });
  after(async () => {
    try {
      await s?.close();
    } finally {
      await gd?.stop();
    }
  });

  async function expectFail(fn: string, data: Buffer | string, what: string): Promise<void> {
    tried++;
    const job = await s.client.submit(fn, data, { unique: `bad-${tried}-${Date.now()}`, timeoutMs: 30_000 });
    const r = await job.result;
    assert.equal(r.kind, "fail", `${what}: WORK_FAIL`);
  }

  async function goodJobStillRuns(): Promise<void> {
    const o = await submitLikeZuul(s.client, "build:ok");
    assert.equal(o.complete?.["result"], "SUCCESS", "a good job right after the bad one succeeds");
  }

  void it("build: arguments that are not a flat JSON object of valid parameter names", async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024, 0x61);
    huge.write('{"ZUUL_UUID":"', 0);
    huge.write('"}', huge.length - 2);
    const manyKeys = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`K${i}`, "v"])));
    const bad: [string, Buffer | string][] = [
      ["not JSON", "ZUUL_UUID=1"],
      ["truncated JSON", '{"ZUUL_UUID":"ab'],
      ["an array", "[1,2]"],
      ["a number", "42"],
      ["a string", '"text"'],
      ["null", "null"],
      ["a nested object", JSON.stringify({ ...zuulParams(), NESTED: { a: 1 } })],
      ["a nested array", JSON.stringify({ ...zuulParams(), LIST: [1, 2] })],
      ["10 MiB", huge],
      ["invalid UTF-8", Buffer.concat([Buffer.from('{"ZUUL_UUID":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')])],
      ["5000 keys", manyKeys],
      ["a name with '='", JSON.stringify({ ...zuulParams(), "A=B": "x" })],
      ["a name with a space first", JSON.stringify({ ...zuulParams(), " A": "x" })],
      ["an empty name", JSON.stringify({ ...zuulParams(), "": "x" })],
      ["a name with a control character", JSON.stringify({ ...zuulParams(), "A\u0001": "x" })],
    ];
    const before = s.masters[0]!.sim.builds().length;
    for (const [what, data] of bad) {
      await expectFail("build:ok", data, what);
      await goodJobStillRuns();
    }
    assert.equal(s.masters[0]!.sim.builds().length, before + bad.length, "only the good jobs ran");
  });

  void it("stop: and set_description: for unknown builds or with missing fields", async () => {
    const ok = await submitLikeZuul(s.client, "build:ok");
    const number = ok.complete!["number"] as number;
    const bad: [string, string, string][] = [
      ["stop:jenkins01", JSON.stringify({ name: "ok", number: 424242 }), "stop: unknown build"],
      ["stop:jenkins01", JSON.stringify({ name: "no-such-job", number: 1 }), "stop: unknown job"],
      ["stop:jenkins01", JSON.stringify({ name: "ok", number }), "stop: a finished build"],
      ["stop:jenkins01", JSON.stringify({ number: 1 }), "stop: no name"],
      ["stop:jenkins01", JSON.stringify({ name: "ok" }), "stop: no number"],
      ["stop:jenkins01", JSON.stringify({ name: "ok", number: -3 }), "stop: a negative number"],
      ["stop:jenkins01", "garbage", "stop: not JSON"],
      ["stop:jenkins01", "", "stop: empty"],
      ["set_description:jenkins01", JSON.stringify({ name: "ok", number: 424242, html_description: "x" }), "set_description: unknown build"],
      ["set_description:jenkins01", JSON.stringify({ name: "ok", number }), "set_description: no html_description"],
      ["set_description:jenkins01", JSON.stringify({ html_description: "x" }), "set_description: no name or number"],
      ["set_description:jenkins01", "[]", "set_description: an array"],
    ];
    for (const [fn, data, what] of bad) await expectFail(fn, data, what);
    // The management worker still works.
    const d = await s.client.submit("set_description:jenkins01", JSON.stringify({ name: "ok", number, html_description: "fine" }));
    assert.equal((await d.result).kind, "complete");
    await goodJobStillRuns();
  });

  void it("the function of a job deleted in Jenkins: unregistered; a job grabbed in the window fails, never runs", async () => {
    const sim = s.masters[0]!.sim;
    sim.removeJob("doomed");
    // Submitted at once: the sidecar may still hold the function for up to a poll (100 ms).
    const job = await s.client.submit("build:doomed", JSON.stringify(zuulParams()), { unique: `doomed-${Date.now()}` });
    tried++;
    await waitFor("build:doomed unregistered", async () => (await s.admin.status()).find((f) => f.name === "build:doomed")?.workers === 0, 10_000);
    // Either it was grabbed in the window and failed, or it waits in gearmand for a worker that
    // will never come: Zuul's isJobRegistered check (docs/contract.md "Admin status and workers") sees no worker and does not submit.
    const r = await Promise.race([job.result, new Promise<null>((res) => setTimeout(() => res(null), 1000))]);
    assert.ok(r === null || r.kind === "fail", `deleted job: ${r?.kind ?? "waiting"}`);
    assert.equal(sim.builds().filter((b) => b.url.includes("/job/doomed/")).length, 0);
    await goodJobStillRuns();
    summary("bad-input", { badInputsTried: tried, startedInJenkins: 0, goodJobsAfterEachOk: true, deletedJobEnding: r === null ? "queued-unregistered" : r.kind });
  });
});
