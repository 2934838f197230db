/**
 * Records kept for adoption that no job reclaims (docs/architecture.md "State file"): listed as
 * orphaned, dropped after the TTL counted from when they became unowned, never from the grab.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { StateStore } from "../../../src/bridge/runs/state-file.js";
import { harness } from "./harness.js";

void describe("orphan sweep", () => {
  void it("keeps a restored record until the TTL has passed since start, then drops it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "orphans-"));
    try {
      const stateFile = join(dir, "state.json");
      const seed = new StateStore(stateFile);
      // Grabbed a day ago: a long build, restored after a restart.
      await seed.put({ unique: "u1", uuid: "u1", fn: "build:ok", job: "ok", node: "n1", grabbedAt: Date.now() - 86_400_000, phase: "queued", queueId: 3, buildUrl: null, number: null });
      const h = await harness({ stateFile, options: { orphanTtlMs: 150 } });
      await h.bridge.onCycle();
      assert.ok(h.bridge.runs.record("u1"), "not dropped on the first cycle, whatever its grab time");
      h.clock.now += 200;
      await h.bridge.onCycle();
      assert.equal(h.bridge.runs.record("u1"), undefined, "dropped once unowned for longer than the TTL");
      await h.close();
      const reread = new StateStore(stateFile);
      await reread.load();
      assert.equal(reread.size, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
