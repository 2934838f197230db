import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { z85Encode } from "../../../src/events/curve.js";
import { EventsArgumentError, SequenceRing } from "../../../src/events/index.js";
import { BoundedQueue } from "../../../src/events/queue.js";

function filled(capacity: number, n: number): SequenceRing<string> {
  const r = new SequenceRing<string>(capacity);
  for (let s = 1; s <= n; s++) r.push(s, `e${s}`);
  return r;
}

void describe("SequenceRing", () => {
  void it("is empty at first: no oldest/newest, no gap", () => {
    const r = new SequenceRing<string>(3);
    assert.deepEqual(r.since(0), { items: [], oldest: null, newest: null, gap: false });
    assert.equal(r.nextSequence, 1);
  });

  void it("returns events with sequence > seq, oldest first", () => {
    const r = filled(5, 4);
    assert.deepEqual(r.since(0), { items: ["e1", "e2", "e3", "e4"], oldest: 1, newest: 4, gap: false });
    assert.deepEqual(r.since(2).items, ["e3", "e4"]);
    assert.deepEqual(r.since(4), { items: [], oldest: 1, newest: 4, gap: false });
    assert.deepEqual(r.since(99).items, []);
  });

  void it("keeps only the last N and reports a gap when seq+1 has fallen out", () => {
    const r = filled(3, 10);
    assert.equal(r.size, 3);
    assert.deepEqual(r.since(0), { items: ["e8", "e9", "e10"], oldest: 8, newest: 10, gap: true });
    assert.deepEqual(r.since(6), { items: ["e8", "e9", "e10"], oldest: 8, newest: 10, gap: true });
    // seq 7 -> the caller wants 8, which is held: no gap
    assert.deepEqual(r.since(7), { items: ["e8", "e9", "e10"], oldest: 8, newest: 10, gap: false });
    assert.equal(r.get(7), undefined);
    assert.equal(r.get(9), "e9");
  });

  void it("honours limit", () => {
    const r = filled(10, 10);
    assert.deepEqual(r.since(3, 2).items, ["e4", "e5"]);
    assert.deepEqual(r.since(3, 0).items, []);
  });

  void it("rejects non-consecutive pushes and bad arguments", () => {
    const r = filled(3, 2);
    assert.throws(() => r.push(4, "x"), EventsArgumentError);
    assert.throws(() => r.since(-1), EventsArgumentError);
    assert.throws(() => r.since(1.5), EventsArgumentError);
    assert.throws(() => new SequenceRing(0), EventsArgumentError);
  });
});

void describe("BoundedQueue", () => {
  void it("is FIFO and evicts the oldest when full", () => {
    const q = new BoundedQueue<number>(3);
    assert.equal(q.push(1), undefined);
    q.push(2);
    q.push(3);
    assert.equal(q.push(4), 1);
    assert.equal(q.length, 3);
    assert.deepEqual(q.clear(), [2, 3, 4]);
    assert.equal(q.shift(), undefined);
  });

  void it("wraps around many times", () => {
    const q = new BoundedQueue<number>(4);
    const out: number[] = [];
    for (let i = 0; i < 100; i++) {
      q.push(i);
      if (i % 2 === 0) out.push(q.shift()!);
    }
    assert.ok(q.length <= 4);
    assert.deepEqual(out.slice(0, 3), [0, 1, 2]);
  });
});

void describe("z85Encode", () => {
  void it("matches the ZeroMQ RFC 32 test vector", () => {
    assert.equal(z85Encode(Uint8Array.from([0x86, 0x4f, 0xd2, 0x6f, 0xb5, 0x59, 0xf7, 0x5b])), "HelloWorld");
  });
});
