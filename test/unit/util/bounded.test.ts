import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { BoundedMap, BoundedSet } from "../../../src/util/index.js";

void describe("BoundedMap and BoundedSet", () => {
  void it("forget the oldest entry beyond the bound; setting a key again keeps its place", () => {
    const m = new BoundedMap<string, number>(2);
    m.set("a", 1).set("b", 2).set("a", 3).set("c", 4);
    assert.deepEqual([...m], [["b", 2], ["c", 4]], "a was the oldest, though set again");
    const s = new BoundedSet<number>(3);
    for (let i = 1; i <= 5; i++) s.add(i);
    assert.deepEqual([...s], [3, 4, 5]);
  });
});
