import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { SlotBook } from "../../../src/bridge/capacity/slots.js";

describe("SlotBook", () => {
  const book = (): SlotBook => {
    const b = new SlotBook();
    b.update([
      { name: "a", online: true, numExecutors: 2, busy: [] },
      { name: "b", online: true, numExecutors: 2, busy: ["http://j/job/x/1/"] },
      { name: "off", online: false, numExecutors: 4, busy: [] },
    ]);
    return b;
  };

  it("counts idle executors of online nodes only", () => {
    const b = book();
    assert.equal(b.free("a"), 2);
    assert.equal(b.free("b"), 1);
    assert.equal(b.free("off"), 0);
    assert.equal(b.free("unknown"), 0);
    assert.equal(b.freeOf(["a", "b", "off"]), 3);
  });

  it("a reservation takes a slot until the poll shows its build, and is not counted twice", () => {
    const b = book();
    b.reserve("t1", "a");
    assert.equal(b.free("a"), 1);
    b.started("t1", "a", "http://j/job/y/5/");
    assert.equal(b.free("a"), 1, "started but not yet in the poll: still counted once");
    b.update([{ name: "a", online: true, numExecutors: 2, busy: ["http://j/job/y/5/"] }]);
    assert.equal(b.free("a"), 1, "in the poll and reserved: counted once");
    b.release("t1");
    assert.equal(b.free("a"), 1, "released but the poll still shows it busy: stays taken");
  });

  it("an unpinned build that started elsewhere moves its reservation", () => {
    const b = book();
    b.reserve("t", "a");
    b.started("t", "b", "http://j/job/z/2/");
    assert.equal(b.free("a"), 2);
    assert.equal(b.free("b"), 0);
  });

  it("an offline-when-complete build holds its whole node", () => {
    const b = book();
    b.reserve("t", "a", true);
    assert.equal(b.free("a"), 0);
    assert.equal(b.pick(["a", "b"]), "b");
  });

  it("pick prefers the node with most free executors", () => {
    assert.equal(book().pick(["b", "a"]), "a");
    assert.equal(book().pick(["off"]), null);
  });
});
