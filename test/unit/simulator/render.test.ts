// The tree= parser and pruners of stapler (export/TreePruner.java, NamedPathPruner) — docs/jenkins-rest.md "Rendering".
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BeanType, TreeSyntaxError, bean, depthPruner, lazy, parseTree, prunerFor, renderJson } from "../../../src/simulator/render.js";

interface Node {
  name: string;
  kids: Node[];
}
const nodeType: BeanType<Node, null> = {
  cls: () => "x.Node",
  props: [
    { name: "name", vis: 2, get: (n) => n.name },
    { name: "hidden", vis: -2, get: () => "secret" },
    { name: "kids", get: (n) => lazy(n.kids.length, (i) => bean(nodeType, n.kids[i] as Node)) },
    { name: "inl", inline: true, get: (n) => n.kids.map((k) => bean(plainType, k)) },
    { name: "nothing", get: () => null },
  ],
};
const plainType: BeanType<Node, null> = { cls: () => null, props: [{ name: "name", get: (n) => n.name }] };

const tree: Node = { name: "root", kids: [{ name: "a", kids: [{ name: "a1", kids: [] }] }, { name: "b", kids: [] }, { name: "c", kids: [] }] };
const render = (q: { tree?: string; depth?: string }): unknown => JSON.parse(renderJson(bean(nodeType, tree), prunerFor(q.tree ?? null, q.depth ?? null), null));

describe("tree= parser", () => {
  it("parses nesting and ranges", () => {
    const t = parseTree("a,b[c,d[e]]{0,5},f{3},g{2,},h{,4}");
    assert.deepEqual([...t.children.keys()], ["a", "b", "f", "g", "h"]);
    const b = t.children.get("b");
    assert.deepEqual(b?.range, { min: 0, max: 5 });
    assert.deepEqual([...(b?.children.get("d")?.children.keys() ?? [])], ["e"]);
    assert.deepEqual(t.children.get("f")?.range, { min: 3, max: 4 });
    assert.deepEqual(t.children.get("g")?.range, { min: 2, max: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(t.children.get("h")?.range, { min: 0, max: 4 });
  });

  it("rejects malformed trees", () => {
    for (const bad of ["", "a[", "a]", "a,,b", "a[b", "a{1", "a{x}", "a{1,2}b", "[a]"]) {
      assert.throws(() => parseTree(bad), TreeSyntaxError, bad);
    }
    assert.throws(() => prunerFor(null, "deep"), TreeSyntaxError);
  });
});

describe("rendering", () => {
  it("tree selects exactly the named properties plus _class, ignores unknown names, applies ranges", () => {
    assert.deepEqual(render({ tree: "name,zzz,kids[name]{1,2}" }), { _class: "x.Node", name: "root", kids: [{ _class: "x.Node", name: "b" }] });
    assert.deepEqual(render({ tree: "kids{0,1}" }), { _class: "x.Node", kids: [{ _class: "x.Node" }] });
    assert.deepEqual(render({ tree: "hidden" }), { _class: "x.Node", hidden: "secret" }, "tree reaches visibility -2");
  });

  it("depth 0: nested objects show visibility ≥ 2, inline properties keep the threshold, nulls are written", () => {
    assert.deepEqual(render({}), {
      _class: "x.Node",
      name: "root",
      kids: [
        { _class: "x.Node", name: "a" },
        { _class: "x.Node", name: "b" },
        { _class: "x.Node", name: "c" },
      ],
      inl: [{ name: "a" }, { name: "b" }, { name: "c" }],
      nothing: null,
    });
  });

  it("depth 1 shows one more level", () => {
    const r = render({ depth: "1" }) as { kids: { kids: unknown[]; nothing: unknown }[] };
    assert.deepEqual(r.kids[0]?.kids, [{ _class: "x.Node", name: "a1" }]);
    assert.equal(r.kids[0]?.nothing, null);
    assert.equal(depthPruner(1).accept("x", 1, false)?.accept("y", 1, false), null);
  });
});
