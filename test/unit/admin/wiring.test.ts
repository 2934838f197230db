// The per-poll gauges (src/admin/wiring.ts): a group that closed leaves no jgs_free_executors series.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CycleGauges } from "../../../src/admin/wiring.js";
import { Metrics } from "../../../src/admin/index.js";
import type { BridgeStatus, GroupStatus } from "../../../src/bridge/index.js";

const group = (worker: string, free: number): GroupStatus => ({
  worker, nodes: [], functions: 1, registered: 1, freeExecutors: free, running: 0, outstandingGrabs: 0, budget: free, retired: false, servers: [],
  packets: { canDoSent: 1, cantDoSent: 0, resetSent: 0, grabsSent: 0, jobsAssigned: 0, reconnects: 0 },
});
const drain: BridgeStatus["drain"] = { phase: "running", quietDown: false, since: null, inFlight: 0, notStarted: 0, oldestRunning: null, safeToRestart: false, eventsPending: 0, otherRunning: 0 };

void describe("CycleGauges", () => {
  void it("sets free executors per group, and removes the series of a group that is gone", async () => {
    const m = new Metrics({ defaultMetrics: false });
    const g = new CycleGauges(m);
    let groups = [group("m_sidecar-1", 3), group("m_sidecar-2", 1)];
    const bridge = { status: () => ({ groups, drain }) };
    g.update(bridge, 10);
    assert.match(await m.render(), /^jgs_free_executors\{group="m_sidecar-2"\} 1$/m);
    groups = [group("m_sidecar-1", 2)];
    g.update(bridge, 10);
    const text = await m.render();
    assert.match(text, /^jgs_free_executors\{group="m_sidecar-1"\} 2$/m);
    assert.doesNotMatch(text, /m_sidecar-2/);
  });
});
