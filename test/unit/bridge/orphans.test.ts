// Builds kept for adoption whose Gearman job never comes back (gearmand lost it, or another
// sidecar took it) are listed as orphaned and dropped after the TTL, counted from when they
// became unowned, never from when they were grabbed (a long build restored after a restart must
// survive until gearmand hands it back).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { Bridge } from "../../../src/bridge/bridge.js";
import type { JenkinsPort, PollerPort, WorkerPort } from "../../../src/bridge/ports.js";
import { StateStore } from "../../../src/bridge/state.js";
import { silentLogger } from "../../../src/log.js";

function fakeWorker(): WorkerPort {
  return {
    start() {},
    setFunctions() {},
    setCapacity() {},
    running: 0,
    outstandingGrabs: 0,
    functions: new Set<string>(),
    on() {
      return undefined;
    },
    stats: () => ({ canDoSent: 0, cantDoSent: 0, resetSent: 0, grabsSent: 0, jobsAssigned: 0, reconnects: 0 }),
    serverStatus: () => [],
    close: async () => {},
  };
}

const poller: PollerPort = { jobs: new Map(), nodes: new Map(), healthy: true };
const jenkins = {} as JenkinsPort;

describe("Bridge orphan sweep", () => {
  it("keeps a restored record until the TTL has passed since start, then drops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orphans-"));
    try {
      const stateFile = join(dir, "state.json");
      const seed = new StateStore(stateFile);
      // Grabbed a day ago: a long build, restored after a restart.
      await seed.put({ unique: "u1", fn: "build:j", job: "j", node: "n", grabbedAt: Date.now() - 86_400_000, queueId: 3, buildUrl: null, number: null });
      const bridge = new Bridge({ masterName: "m", jenkins, poller, createWorker: fakeWorker, stateFile, orphanTtlMs: 150, logger: silentLogger() });
      await bridge.start();
      await bridge.onCycle();
      assert.ok(bridge.state.get("u1"), "not dropped on the first cycle, whatever its grab time");
      await new Promise((r) => setTimeout(r, 200));
      await bridge.onCycle();
      assert.equal(bridge.state.get("u1"), undefined, "dropped once unowned for longer than the TTL");
      await bridge.close();
      const reread = new StateStore(stateFile);
      await reread.load();
      assert.equal(reread.size, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
