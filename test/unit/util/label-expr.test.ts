// Label expressions as in hudson/model/labels/LabelExpressionLexer.g4 / LabelExpressionParser.g4 (docs/jenkins-rest.md "Pinning a build to a node").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LabelSyntaxError, atoms, formatLabelExpression, matches, parseLabelExpression } from "../../../src/util/label-expr.js";

const has = (expr: string, labels: string[]): boolean => matches(parseLabelExpression(expr), new Set(labels));

describe("label expressions", () => {
  it("atoms, including dashes and dots inside names", () => {
    assert.equal(has("linux", ["linux"]), true);
    assert.equal(has("ubuntu-focal", ["ubuntu-focal"]), true);
    assert.equal(has("py3.11", ["py3.11"]), true);
    assert.equal(has("linux", ["windows"]), false);
  });

  it("&&, ||, ! and precedence (! > && > || > -> > <->)", () => {
    assert.equal(has("a && b", ["a", "b"]), true);
    assert.equal(has("a && b", ["a"]), false);
    assert.equal(has("a || b", ["b"]), true);
    assert.equal(has("!a", ["b"]), true);
    assert.equal(has("a || b && c", ["a"]), true, "&& binds tighter");
    assert.equal(has("!a && b", ["b"]), true);
    assert.equal(has("!(a || b)", ["b"]), false);
    assert.equal(has("(a || b) && c", ["a"]), false);
    assert.equal(has("a -> b", []), true);
    assert.equal(has("a -> b", ["a"]), false);
    assert.equal(has("a <-> b", ["a", "b"]), true);
    assert.equal(has("a <-> b", ["b"]), false);
  });

  it("quoted atoms with spaces, operators and escapes", () => {
    assert.equal(has('"my label" && x', ["my label", "x"]), true);
    assert.equal(has('"a&&b"', ["a&&b"]), true);
    assert.equal(has('"say \\"hi\\""', ['say "hi"']), true);
  });

  it("atoms() lists distinct atoms in order", () => {
    assert.deepEqual(atoms(parseLabelExpression("a && (b || !a) && \"c d\"")), ["a", "b", "c d"]);
  });

  it("formats the way Label.getName() normalises expressions", () => {
    assert.equal(formatLabelExpression(parseLabelExpression("linux && docker")), "linux&&docker");
    assert.equal(formatLabelExpression(parseLabelExpression("( a || b ) && !c")), "(a||b)&&!c");
    assert.equal(formatLabelExpression(parseLabelExpression('"x y"')), '"x y"');
  });

  it("malformed expressions throw LabelSyntaxError", () => {
    for (const bad of ["", "   ", "a &&", "(a", "a)", "&& a", '"open', "a b"]) {
      assert.throws(() => parseLabelExpression(bad), LabelSyntaxError, bad);
    }
  });
});
