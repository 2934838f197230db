// describeError says each thing once (issue 16): a cause whose message the text already holds is
// left out, as Node's errno errors are quoted by our wrappers (src/gearman/connection.ts).
import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, it } from "node:test";

import { GearmanConnectionError } from "../../../src/gearman/errors.js";
import { describeError } from "../../../src/util/errors.js";
import { freePort } from "../../helpers/gearmand.js";

/** A real ECONNREFUSED from Node, on a loopback port nobody listens on. */
async function refused(): Promise<Error> {
  const port = await freePort();
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("error", (e) => {
      s.destroy();
      resolve(e);
    });
  });
}

describe("describeError", () => {
  it("follows causes that add something", () => {
    assert.equal(describeError(new Error("outer", { cause: new Error("inner") })), "outer: caused by inner");
    const three = new Error("a", { cause: new Error("b", { cause: new Error("c") }) });
    assert.equal(describeError(three), "a: caused by b: caused by c");
  });

  it("leaves out a cause the outer message already quotes (a real ECONNREFUSED wrapped as connection.ts does)", async () => {
    const e = await refused();
    assert.match(e.message, /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
    const wrapped = new GearmanConnectionError(`cannot connect to 127.0.0.1:4730: ${e.message}`, { cause: e });
    assert.equal(describeError(wrapped), `cannot connect to 127.0.0.1:4730: ${e.message}`);
    assert.doesNotMatch(describeError(wrapped), /caused by/);
  });

  it("keeps looking past a repeated cause, and drops a cause repeated further down", () => {
    const inner = new Error("socket hang up");
    const mid = new Error("request failed", { cause: inner });
    const top = new Error("GET /api/json: request failed", { cause: mid });
    assert.equal(describeError(top), "GET /api/json: request failed: caused by socket hang up");
    const twice = new Error("x", { cause: new Error("y", { cause: new Error("y") }) });
    assert.equal(describeError(twice), "x: caused by y");
  });

  it("handles non-errors, empty messages, a cause that is itself, and stops after four", () => {
    assert.equal(describeError("plain"), "plain");
    assert.equal(describeError(new TypeError("")), "TypeError");
    const self = new Error("loop");
    (self as { cause?: unknown }).cause = self;
    assert.equal(describeError(self), "loop");
    let deep = new Error("e5");
    for (const m of ["e4", "e3", "e2", "e1"]) deep = new Error(m, { cause: deep });
    assert.equal(describeError(deep), "e1: caused by e2: caused by e3: caused by e4");
  });
});
