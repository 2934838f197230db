// Table tests for the plugin's registration rules: docs/contract.md "The plugin's rules"
// (GP ExecutorWorkerThread.registerJobs, 6961c9d and 67f6b23).
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  compileJobs,
  functionsForNode,
  parseBuildFunction,
  type FunctionJob,
  type FunctionNode,
} from "../../../src/bridge/functions.js";
import { labelMatches, parseLabelExpression } from "../../../src/util/index.js";

const node = (name: string, labels: string[], o: Partial<FunctionNode> = {}): FunctionNode => ({
  name,
  labels: [...labels, name],
  exclusive: false,
  online: true,
  ...o,
});
const job = (name: string, labelExpression: string | null, disabled = false): FunctionJob => ({
  name,
  labelExpression,
  disabled,
});

describe("functionsForNode (plugin rules)", () => {
  const cases: { title: string; jobs: FunctionJob[]; node: FunctionNode; want: string[] }[] = [
    {
      title: "contract example: `devstack-precise || devstack-trusty` on a devstack-trusty node",
      jobs: [job("J", "devstack-precise || devstack-trusty")],
      node: node("devstack-trusty-rax-dfw-42", ["devstack-trusty"]),
      want: ["build:J", "build:J:devstack-trusty"],
    },
    {
      title: "a job with no label registers build:JOB on a NORMAL node",
      jobs: [job("pep8", null)],
      node: node("n1", ["linux"]),
      want: ["build:pep8"],
    },
    {
      title: "a job with no label registers nothing on an EXCLUSIVE node (nodepool nodes)",
      jobs: [job("pep8", null), job("tempest", "devstack")],
      node: node("dsvm-1", ["devstack"], { exclusive: true }),
      want: ["build:tempest", "build:tempest:devstack"],
    },
    {
      // docs/contract.md "The plugin's rules", rule 4: the atom loop is inside the match test.
      title: "`a && b` on a node with only `a`: nothing (the node does not satisfy the expression)",
      jobs: [job("J", "a && b")],
      node: node("n", ["a"]),
      want: [],
    },
    {
      title: "`a && b` on a node with both: build:JOB plus both atoms",
      jobs: [job("J", "a && b")],
      node: node("n", ["a", "b"]),
      want: ["build:J", "build:J:a", "build:J:b"],
    },
    {
      title: "a job pinned to a node name gets build:JOB:<nodename> through the self-label",
      jobs: [job("J", "agent7")],
      node: node("agent7", ["linux"]),
      want: ["build:J", "build:J:agent7"],
    },
    {
      title: "disabled jobs register nothing",
      jobs: [job("J", null, true), job("K", "linux", true)],
      node: node("n", ["linux"]),
      want: [],
    },
    {
      title: "an offline or temporarily offline node registers nothing",
      jobs: [job("J", null)],
      node: node("n", ["linux"], { online: false }),
      want: [],
    },
    {
      title: "negation: `linux && !windows` on a linux node",
      jobs: [job("J", "linux && !windows")],
      node: node("n", ["linux"]),
      want: ["build:J", "build:J:linux"],
    },
    {
      title: "an unparsable expression registers nothing (Jenkins cannot schedule it either)",
      jobs: [job("J", "linux &&")],
      node: node("n", ["linux"]),
      want: [],
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      assert.deepEqual(functionsForNode(c.node, compileJobs(c.jobs)), c.want);
    });
  }

  it("keeps the parse error of a bad expression for status", () => {
    const [c] = compileJobs([job("J", "(a")]);
    assert.match(c!.error!, /invalid label expression "\(a"/);
  });
});

describe("parseBuildFunction", () => {
  it("parses build:JOB and build:JOB:LABEL (labels may contain ':')", () => {
    assert.deepEqual(parseBuildFunction("build:pep8"), { job: "pep8", label: null });
    assert.deepEqual(parseBuildFunction("build:pep8:ubuntu-trusty"), { job: "pep8", label: "ubuntu-trusty" });
    assert.deepEqual(parseBuildFunction("build:J:a:b"), { job: "J", label: "a:b" });
    assert.equal(parseBuildFunction("stop:master"), null);
    assert.equal(parseBuildFunction("build:"), null);
  });
});

describe("label expressions", () => {
  const L = (...l: string[]): Set<string> => new Set(l);
  it("follows Jenkins precedence: && binds tighter than ||, ! tightest", () => {
    const e = parseLabelExpression("a || b && !c");
    assert.equal(labelMatches(e, L("a")), true);
    assert.equal(labelMatches(e, L("b")), true);
    assert.equal(labelMatches(e, L("b", "c")), false);
  });
  it("supports parentheses, implication, equivalence and quoted atoms", () => {
    assert.equal(labelMatches(parseLabelExpression("(a || b) && c"), L("b", "c")), true);
    assert.equal(labelMatches(parseLabelExpression("a -> b"), L("c")), true);
    assert.equal(labelMatches(parseLabelExpression("a <-> b"), L("a")), false);
    assert.equal(labelMatches(parseLabelExpression('"with space" && x'), L("with space", "x")), true);
  });
});
