import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { forEachArrayItem } from "../../../src/jenkins/json-items.js";

function items(text: string, key = "jobs"): { found: boolean; got: unknown[] } {
  const got: unknown[] = [];
  const found = forEachArrayItem(text, key, (v, i) => {
    assert.equal(i, got.length, "indexes count from 0 without gaps");
    got.push(v);
  });
  return { found, got };
}

/** A random JSON value with the characters that trip a structure scanner: quotes, escapes, brackets, commas in strings. */
function randomValue(rnd: () => number, depth: number): unknown {
  const pick = Math.floor(rnd() * (depth > 3 ? 4 : 6));
  const str = (): string => Array.from({ length: Math.floor(rnd() * 8) }, () => ['"', "\\", "[", "]", "{", "}", ",", ":", "a", "é", "\n", "\u2028"][Math.floor(rnd() * 12)]).join("");
  switch (pick) {
    case 0:
      return str();
    case 1:
      return Math.round(rnd() * 1e6) / 100;
    case 2:
      return rnd() < 0.5 ? null : rnd() < 0.5;
    case 3:
      return str();
    case 4:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, () => [str(), randomValue(rnd, depth + 1)]));
  }
}

void describe("forEachArrayItem (the job list read one job at a time)", () => {
  void it("gives exactly what JSON.parse gives for each element, whatever the other members hold", () => {
    const doc = {
      _class: "hudson.model.Hudson",
      "jobs-not": [{ x: 1 }],
      nested: { jobs: ["not this one"] },
      tricky: 'a "quoted" ] } , : \\ string',
      jobs: [
        { _class: "hudson.model.FreeStyleProject", name: 'a "b" [c]', url: "http://j/job/a/", property: [{ parameterDefinitions: [{ name: "X,Y" }] }] },
        { _class: "com.cloudbees.hudson.plugins.folder.Folder", name: "team", jobs: [{ name: "inner" }] },
        "a string element",
        42,
        null,
        [1, [2, { "]": "}" }]],
      ],
      after: { more: [1, 2] },
    };
    for (const text of [JSON.stringify(doc), JSON.stringify(doc, null, 2)]) {
      const { found, got } = items(text);
      assert.equal(found, true);
      assert.deepEqual(got, doc.jobs);
    }
  });

  void it("an empty array calls nothing; a missing key or a non-object top level is false", () => {
    assert.deepEqual(items('{"jobs":[]}'), { found: true, got: [] });
    assert.deepEqual(items(' { "jobs" : [ ] } '), { found: true, got: [] });
    assert.deepEqual(items('{"_class":"x","nested":{"jobs":[1]}}'), { found: false, got: [] });
    assert.deepEqual(items('[{"jobs":[1]}]'), { found: false, got: [] });
    assert.deepEqual(items('{"jobs":{"a":1}}'), { found: false, got: [] });
    assert.deepEqual(items('{"jobs":"[1,2]"}'), { found: false, got: [] });
  });

  void it("malformed or truncated input throws SyntaxError", () => {
    for (const bad of ['{"jobs":', '{"jobs":[1]]', '{"jobs":[1]} trailing', '{"jobs":[{"name":"a"},', '{"jobs":[{"name":"a"}', '{"jobs":[{"name":"a"}]', '{"jobs":[{"name":"a}]}', '{"jobs":[1,,2]}', '{"jobs":[,1]}', '{"jobs":[1,]}', '{"jobs":[{"a":}]}', "{", '{"_class":"x"']) {
      assert.throws(() => items(bad), SyntaxError, bad);
    }
  });

  void it("agrees with JSON.parse on 500 random documents", () => {
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let n = 0; n < 500; n++) {
      const jobs = Array.from({ length: Math.floor(rnd() * 6) }, () => randomValue(rnd, 0));
      const doc = { before: randomValue(rnd, 2), jobs, after: randomValue(rnd, 2) };
      const { found, got } = items(JSON.stringify(doc, null, n % 2 === 0 ? undefined : 1));
      assert.equal(found, true);
      assert.deepEqual(got, JSON.parse(JSON.stringify(jobs)));
    }
  });
});
