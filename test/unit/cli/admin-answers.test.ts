// The admin API's answers are checked once where they enter the CLI (src/cli/admin-answers.ts):
// a sidecar of another shape is a clear failure, not a crash on a missing field.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";

import { isDrainStatus, isSidecarStatus } from "../../../src/cli/admin-answers.js";
import { adminTarget, getStatus, postDrain } from "../../../src/cli/admin-client.js";
import { CliError, EXIT } from "../../../src/cli/exit.js";

const drain = { phase: "draining", quietDown: false, since: 1, inFlight: 1, notStarted: 0, oldestRunning: { job: "j", number: 3, node: "", ageMs: 10 }, safeToRestart: false, eventsPending: 0, otherRunning: 0 };
const status = { master: "m", version: "0.1.0", drain, ready: { ready: true, reasons: [] }, groups: [], inFlight: [], unpinnable: [] };

async function answering(body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

void describe("cli: admin answers", () => {
  void it("accept the status and drain state a sidecar sends, and refuse other shapes", () => {
    assert.ok(isDrainStatus(drain));
    assert.ok(isDrainStatus({ ...drain, oldestRunning: null }));
    assert.ok(isSidecarStatus(status));
    assert.ok(!isDrainStatus({ ...drain, inFlight: "1" }));
    assert.ok(!isDrainStatus([drain]));
    assert.ok(!isSidecarStatus({ ...status, drain: undefined }));
    assert.ok(!isSidecarStatus({ ...status, ready: { ready: "yes" } }));
    assert.ok(!isSidecarStatus(null));
  });

  void it("getStatus and postDrain return the typed answer, or fail with exit 1 naming the request", async () => {
    const good = await answering(status);
    try {
      const t = await adminTarget({ admin: good.url });
      assert.equal((await getStatus(t)).drain.inFlight, 1);
    } finally {
      await good.close();
    }
    const bad = await answering({ hello: "world" });
    try {
      const t = await adminTarget({ admin: bad.url });
      await assert.rejects(getStatus(t), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.FAILURE && /GET \/status/.test(e.message));
      await assert.rejects(postDrain(t, false), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.FAILURE && /POST \/drain/.test(e.message));
    } finally {
      await bad.close();
    }
  });
});
