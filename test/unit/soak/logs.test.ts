// The soak's reading of sidecar logs (test/soak/logs.ts): lines about a unique or a build, the reason a
// launch was failed (exact by unique, or guessed by job and time), and warnings counted with numbers folded.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

import { LogIndex, foldMessage, readSidecarLog } from "../../soak/logs.js";

const dir = mkdtempSync(join(tmpdir(), "soak-logs-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const T = 1_700_000_000_000;
const line = (o: Record<string, unknown>): string => JSON.stringify({ level: 30, time: T, pid: 7, ...o });

describe("soak log index", () => {
  const file = join(dir, "m-a.log");
  writeFileSync(
    file,
    [
      JSON.stringify({ soak: "start", master: "m-a", time: T }),
      line({ unique: "u1", fn: "build:j", msg: "triggered", node: "n1", queueId: 3 }),
      line({ job: "j", number: 4, msg: "build started", node: "n1" }),
      line({ level: 40, job: "j", node: "n1", queueId: null, reason: "triggering the build failed: POST http://127.0.0.1:1/job/j/build: no answer from Jenkins within 10000 ms", msg: "failing the job so that Zuul retries it", time: T + 10_000 }),
      line({ level: 40, unique: "u2", reason: "bad arguments", msg: "refusing a job" }),
      line({ level: 40, fn: "build:k:trusty", code: "handed_back", reason: "the master is draining", msg: "failing the job so that Zuul retries it", time: T + 30_000 }),
      line({ level: 40, msg: "gearman connection lost; reconnecting in 69 ms" }),
      line({ level: 40, msg: "gearman connection lost; reconnecting in 132 ms" }),
      "not json",
      line({ level: 20, unique: "u1", msg: "debug noise" }),
      "",
    ].join("\n"),
  );
  const idx = new LogIndex(readSidecarLog("m-a", file));

  it("reads pino lines only, and finds lines by unique or by build", () => {
    assert.equal(idx.lines.length, 8);
    assert.deepEqual(idx.about({ uuid: "u1" }).map((l) => l.split(": ")[1]?.split(" (")[0]), ["triggered"]);
    assert.equal(idx.about({ master: "m-a", job: "j", number: 4 }).length, 1);
    assert.equal(idx.about({ master: "m-b", job: "j", number: 4 }).length, 0);
  });

  it("the reason of a failed launch: by its unique, else by job within the window (marked as a guess)", () => {
    assert.deepEqual(idx.failReason("u2", "k", 0), { master: "m-a", reason: "bad arguments", exact: true });
    const g = idx.failReason("u9", "j", T + 10_500);
    assert.equal(g?.exact, false);
    assert.match(g?.reason ?? "", /no answer from Jenkins/);
    assert.equal(idx.failReason("u9", "j", T + 20_000), null);
    // A job refused on arrival is named by its function only.
    assert.equal(idx.failReason("u8", "k", T + 30_010, 1500, "build:k:trusty")?.reason, "the master is draining");
    assert.equal(idx.failReason("u8", "k", T + 30_010, 1500, "build:k")?.reason, undefined);
  });

  it("warnings are counted with numbers and URLs folded", () => {
    assert.equal(foldMessage("POST http://x/y?z=1 failed after 10000 ms"), "POST URL failed after N ms");
    const w = idx.warnings();
    assert.deepEqual(w.find((x) => x.msg.startsWith("gearman")), { msg: "gearman connection lost; reconnecting in N ms", level: "warn", count: 2 });
    assert.equal(w.find((x) => x.msg.startsWith("failing"))?.count, 2);
  });
});
