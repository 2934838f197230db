import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Backoff } from "../../../src/util/backoff.js";
import { delay } from "../../../src/util/deferred.js";
import { coerceError, describeError } from "../../../src/util/errors.js";
import { Releasers } from "../../../src/util/releasers.js";

describe("Backoff", () => {
  it("grows exponentially up to the cap without jitter", () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, factor: 2, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => b.next()), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(b.attempts, 6);
  });

  it("resets to the first delay after success", () => {
    const b = new Backoff({ initialMs: 50, jitter: 0 });
    b.next();
    b.next();
    b.reset();
    assert.equal(b.next(), 50);
  });

  it("jitter stays within [1-jitter, 1] of the exponential value", () => {
    const lo = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 1 });
    const hi = new Backoff({ initialMs: 1000, jitter: 0.5, random: () => 0 });
    assert.equal(lo.next(), 500);
    assert.equal(hi.next(), 1000);
  });

  it("rejects nonsense options with a message naming them", () => {
    assert.throws(() => new Backoff({ initialMs: 0 }), /initialMs/);
  });
});

describe("delay", () => {
  it("rejects with the abort reason and leaves no timer", async () => {
    const ac = new AbortController();
    const p = delay(60_000, ac.signal);
    ac.abort(new Error("stop"));
    await assert.rejects(p, /stop/);
  });
});

describe("errors", () => {
  it("coerceError keeps Errors and wraps the rest", () => {
    const e = new Error("x");
    assert.equal(coerceError(e), e);
    assert.equal(coerceError("s").message, "s");
    assert.match(coerceError({ a: 1 }).message, /non-error thrown: \{"a":1\}/);
  });

  it("describeError follows causes", () => {
    const e = new Error("outer", { cause: new Error("inner") });
    assert.equal(describeError(e), "outer: caused by inner");
  });
});

describe("Releasers", () => {
  it("runs LIFO, runs all after a failure, re-throws the first error", async () => {
    const order: number[] = [];
    const r = new Releasers();
    r.add(() => void order.push(1));
    r.add(() => {
      order.push(2);
      throw new Error("two");
    });
    r.add(async () => void order.push(3));
    await assert.rejects(r.releaseAll(), /two/);
    assert.deepEqual(order, [3, 2, 1]);
  });
});
