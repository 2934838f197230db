// CLI helpers: progress output (issue 6: live progress on a terminal, plain lines otherwise),
// durations, and the admin API target (token file, unreachable sidecar → exit 4).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { adminRequest, adminTarget } from "../../../src/cli/admin-client.js";
import { CliError, EXIT } from "../../../src/cli/exit.js";
import { Progress, formatDuration } from "../../../src/cli/progress.js";
import { freePort } from "../../helpers/gearmand.js";

function sink(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const stream = { isTTY, write: (s: string) => ((text += s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => text };
}

describe("cli: Progress", () => {
  it("rewrites one line in place on a terminal", () => {
    const s = sink(true);
    const p = new Progress(s.stream);
    p.update("draining: 2 builds left");
    p.update("draining: 1 build left");
    p.done("drained");
    assert.equal(s.text(), "\r\x1b[2Kdraining: 2 builds left\r\x1b[2Kdraining: 1 build left\r\x1b[2Kdrained\n");
  });

  it("prints plain timestamped lines otherwise, only when the text changes", () => {
    const s = sink(false);
    const p = new Progress(s.stream, 60_000);
    p.update("a");
    p.update("a");
    p.update("b");
    p.done("c");
    const lines = s.text().trimEnd().split("\n");
    assert.equal(lines.length, 3);
    for (const [i, l] of lines.entries()) assert.match(l, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${["a", "b", "c"][i]!}$`));
    assert.ok(!s.text().includes("\r"));
  });

  it("formatDuration", () => {
    assert.equal(formatDuration(999), "0s");
    assert.equal(formatDuration(59_000), "59s");
    assert.equal(formatDuration(61_000), "1m01s");
    assert.equal(formatDuration(2 * 3600_000 + 5 * 60_000), "2h05m");
  });
});

describe("cli: admin target", () => {
  it("accepts HOST:PORT or a URL", async () => {
    assert.deepEqual(await adminTarget({ admin: "127.0.0.1:8099" }), { url: "http://127.0.0.1:8099/", token: null });
    assert.deepEqual(await adminTarget({ admin: "http://127.0.0.1:8099/" }), { url: "http://127.0.0.1:8099/", token: null });
  });

  it("an unreadable token file is a usage error (exit 2)", async () => {
    await assert.rejects(adminTarget({ admin: "127.0.0.1:1", adminTokenFile: "/nonexistent/token" }), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.USAGE && /admin token file/.test(e.message));
  });

  it("an unreachable sidecar exits 4 with a hint", async () => {
    const port = await freePort();
    const t = await adminTarget({ admin: `127.0.0.1:${port}` });
    await assert.rejects(adminRequest(t, "GET", "status"), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.UNREACHABLE && /is it running/.test(e.message));
  });
});
