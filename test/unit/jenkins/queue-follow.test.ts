/**
 * QueueFollow's look-ups per cycle (docs/architecture.md "Polling"): each item that left the
 * queue is one GET and one build start, so a cycle must not cap starts at a fixed count when
 * the master answers fast, nor stretch past its interval when it answers slowly.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import pino from "pino";

import type { QueueItem } from "../../../src/jenkins/types.js";
import { QueueFollow } from "../../../src/jenkins/poller/queue-follow.js";
import { buildUrl, qitem } from "./fake-poller-client.js";

/** A queue of `n` items that all leave at once for builds; each item GET advances a fake clock by `msPerGet`. */
function follower(n: number, msPerGet: number): { f: QueueFollow; leave: () => void; gets: () => number } {
  let clock = 0;
  let gets = 0;
  let queue: QueueItem[] = Array.from({ length: n }, (_, i) => qitem(i + 1, `j${i}`));
  const f = new QueueFollow({
    client: {
      listQueue: () => Promise.resolve(queue),
      getQueueItem: (id: number) => {
        gets++;
        clock += msPerGet;
        return Promise.resolve(qitem(id, `j${id - 1}`, { state: "left", executable: { number: 1, url: buildUrl(`j${id - 1}`, 1) } }));
      },
      findBuildByQueueId: () => Promise.resolve(null),
    },
    knownQueueId: () => false,
    isPipeline: () => false,
    changed: () => undefined,
    gone: () => undefined,
    error: (e) => assert.fail(e),
    logger: pino({ level: "silent" }),
    concurrency: 4,
    lookupBudgetMs: 1000,
    now: () => clock,
  });
  return { f, leave: () => (queue = []), gets: () => gets };
}

void describe("QueueFollow look-ups per cycle", () => {
  void it("a fast master: 300 items that left are all looked up in one cycle (no fixed cap of 50)", async () => {
    const { f, leave } = follower(300, 1);
    assert.deepEqual(await f.cycle(), []);
    leave();
    const starts = await f.cycle();
    assert.equal(starts.length, 300);
    assert.ok(starts.every((s) => s.ref.number === 1 && !s.ours));
  });

  void it("a slow master: past the budget the cycle starts no new look-up beyond the first 50, and the next cycle takes the rest", async () => {
    // 100 ms a GET: the first 50 take 5 s of fake time, far past the 1 s budget.
    const { f, leave, gets } = follower(120, 100);
    await f.cycle();
    leave();
    const first = await f.cycle();
    // The 4 look-ups already started when the budget ran out finish too.
    assert.ok(first.length >= 50 && first.length <= 54, `first cycle: ${first.length}`);
    const second = await f.cycle();
    const third = await f.cycle();
    assert.equal(first.length + second.length + third.length, 120);
    assert.equal(gets(), 120, "each item is read once");
  });
});
