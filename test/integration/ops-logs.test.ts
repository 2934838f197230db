// Issue 16 "each log line once, no duplicate keys": a real `run` process (the CLI as a child, as
// test/integration/ops-cli.test.ts starts it) against the Jenkins simulator and a real gearmand,
// through start-up, one build and a SIGTERM shutdown. Every stderr line is read with a
// duplicate-key check (JSON.parse would silently keep the last of two keys), and no message may
// be said twice for one event. Then the readiness and reconnect wording while gearmand is down.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import type { GearmanClient } from "../../src/gearman/index.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { duplicateKeys } from "../helpers/json-keys.js";
import { exitOf, killAll, startRun, type Proc } from "../helpers/sidecar-proc.js";
import { connectClient, submitLikeZuul, waitFor, zuulJob } from "../helpers/stack.js";

interface LogLine {
  level: number;
  time: number;
  msg: string;
  [k: string]: unknown;
}

/** Every stderr line as a log record; fails on a line that is not JSON or has a duplicate key. */
function logLines(stderr: string): LogLine[] {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length > 0, "the sidecar logged something");
  return lines.map((l, n) => {
    assert.deepEqual(duplicateKeys(l), [], `line ${n + 1} has duplicate keys: ${l}`);
    const rec = JSON.parse(l) as LogLine;
    assert.equal(typeof rec.msg, "string", `line ${n + 1} has a message: ${l}`);
    assert.equal(typeof rec.time, "number", `line ${n + 1} has a time: ${l}`);
    return rec;
  });
}

/** The line without its time: two consecutive lines equal in this are one event said twice. */
const sansTime = (r: LogLine): string => JSON.stringify({ ...r, time: 0 });

describe("ops: log lines of a real sidecar process", { timeout: 90_000 }, () => {
  let gd: Gearmand;
  let sim: JenkinsSimulator;
  let client: GearmanClient;
  let dir: string;
  const procs: Proc[] = [];

  before(async () => {
    gd = await startGearmand();
    dir = mkdtempSync(join(tmpdir(), "jgs-logs-"));
    sim = await startSimulator({
      jobs: [zuulJob("ok", "trusty", { durationMs: 300 })],
      nodes: [{ name: "t1", labels: ["trusty"], executors: 2 }],
    });
    client = await connectClient([{ host: gd.host, port: gd.port }]);
  });
  after(async () => {
    killAll(procs);
    await client?.close().catch(() => undefined);
    await sim?.close();
    await gd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("start-up, one build and SIGTERM: every line parses without a duplicate key, and each message is said once", async () => {
    const run = await startRun({ jenkinsUrl: sim.url, gearman: [`${gd.host}:${gd.port}`], name: "logs1", stateFile: join(dir, "logs1.json") });
    procs.push(run.p);
    const o = await submitLikeZuul(client, "build:ok");
    assert.equal(o.complete?.["result"], "SUCCESS");
    // The build is reported before the next cycle publishes its end: wait for the events to go out.
    await waitFor("events published", async () => ((await (await fetch(new URL("status", run.admin))).json()) as { events: { sent: number } }).events.sent === 3);
    run.p.child.kill("SIGTERM");
    assert.equal(await exitOf(run.p), 143, run.p.err());

    const recs = logLines(run.p.err());
    const msgs = recs.map((r) => r.msg);
    for (const [i, r] of recs.entries()) if (i > 0) assert.notEqual(sansTime(r), sansTime(recs[i - 1]!), `said twice in a row: ${r.msg}`);
    // One start-up, one build, one shutdown: no message belongs to two events, so each occurs once.
    const seen = new Map<string, number>();
    for (const m of msgs) seen.set(m, (seen.get(m) ?? 0) + 1);
    assert.deepEqual([...seen].filter(([, n]) => n > 1), [], `messages logged more than once:\n${run.p.err()}`);
    // The lines issue 16 found twice (or with "component" twice), each exactly once, from its own component.
    const one = (msg: string): LogLine => {
      const found = recs.filter((r) => r.msg === msg);
      assert.equal(found.length, 1, `"${msg}" once in:\n${run.p.err()}`);
      return found[0]!;
    };
    assert.equal(one("publishing build events")["component"], "events");
    assert.equal(one("admin API listening")["component"], "admin");
    assert.equal(one("event publisher closed")["component"], "events");
    for (const m of ["sidecar started", "triggered", "build started", "build reported", "draining before exit; send the signal again to exit at once", "sidecar stopped"]) one(m);
    assert.ok(msgs.indexOf("sidecar started") < msgs.indexOf("build started") && msgs.indexOf("build reported") < msgs.indexOf("sidecar stopped"), "in order");
  });

  it("gearmand down: /readyz says 'disconnected from', the reconnect warning says each thing once, and it is ready again after the restart", async () => {
    const run = await startRun({ jenkinsUrl: sim.url, gearman: [`${gd.host}:${gd.port}`], name: "logs2", stateFile: join(dir, "logs2.json") });
    procs.push(run.p);
    const addr = `${gd.host}:${gd.port}`;
    await gd.kill();
    const reasons = await waitFor(
      "a worker disconnected from gearmand",
      async () => {
        const r = (await (await fetch(new URL("readyz", run.admin))).json()) as { ready: boolean; reasons: string[] };
        return r.reasons.some((x) => x.endsWith(`is disconnected from ${addr}`)) ? r.reasons : null;
      },
      15_000,
      20,
    );
    assert.ok(!reasons.some((x) => / to [\d.]+:\d+$/.test(x) && /disconnected/.test(x)), `no "disconnected to": ${reasons.join("; ")}`);
    await waitFor("a failed reconnect logged", () => run.p.err().includes("ECONNREFUSED"), 15_000);
    await gd.restart();
    await waitFor("ready again", async () => (await fetch(new URL("readyz", run.admin))).status === 200, 30_000, 100);
    run.p.child.kill("SIGTERM");
    assert.equal(await exitOf(run.p), 143, run.p.err());

    const recs = logLines(run.p.err());
    for (const [i, r] of recs.entries()) if (i > 0) assert.notEqual(sansTime(r), sansTime(recs[i - 1]!), `said twice in a row: ${r.msg}`);
    const refused = recs.filter((r) => typeof r["err"] === "string" && r["err"].includes("ECONNREFUSED"));
    assert.ok(refused.length > 0, "the refused reconnects are logged");
    for (const r of refused) {
      const err = r["err"] as string;
      assert.doesNotMatch(err, /caused by/, `the cause is not said again: ${err}`);
      assert.equal(err.split("ECONNREFUSED").length - 1, 1, `ECONNREFUSED once: ${err}`);
    }
  });
});
