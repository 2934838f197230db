import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

import { parseArguments, parseBuildRef, wantsOfflineWhenComplete } from "../../../src/bridge/arguments.js";
import { BadArgumentsError, StateFileError } from "../../../src/bridge/errors.js";
import { StateStore } from "../../../src/bridge/runs/state-file.js";

const b = (s: string): Buffer => Buffer.from(s);

describe("parseArguments (docs/contract.md \"Arguments\": flat Map<String,String>)", () => {
  it("accepts Zuul's flat object and turns numbers, booleans and null into strings", () => {
    assert.deepEqual(parseArguments(b('{"ZUUL_UUID":"abc","N":5,"B":true,"X":null}')), {
      ZUUL_UUID: "abc",
      N: "5",
      B: "true",
      X: "",
    });
  });
  it("takes empty arguments as no parameters", () => {
    assert.deepEqual(parseArguments(Buffer.alloc(0)), {});
  });
  const bad: [string, Buffer, RegExp][] = [
    ["not JSON", b("{nope"), /not JSON/],
    ["JSON that is not an object", b("[1,2]"), /JSON object.*array/],
    ["a string", b('"x"'), /JSON object.*string/],
    ["nested values", b('{"a":{"b":1}}'), /argument a is a nested object/],
    ["nested arrays", b('{"a":[1]}'), /nested array/],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/],
    ["10 MiB", Buffer.alloc(10 * 1024 * 1024, 0x20), /at most/],
    ["thousands of keys", b(JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`K${i}`, "v"])))), /5000 keys/],
    ["a key with '='", b('{"A=B":"x"}'), /not a valid Jenkins parameter name/],
    ["an empty key", b('{"":"x"}'), /not a valid Jenkins parameter name/],
  ];
  for (const [title, data, re] of bad) {
    it(`refuses ${title} with a BadArgumentsError`, () => {
      assert.throws(() => parseArguments(data), (e: unknown) => e instanceof BadArgumentsError && re.test(e.message));
    });
  }
});

describe("OFFLINE_NODE_WHEN_COMPLETE (docs/contract.md \"OFFLINE_NODE_WHEN_COMPLETE\")", () => {
  it("is true for 1, true, True, TRUE only", () => {
    for (const v of ["1", "true", "True", "TRUE"]) assert.equal(wantsOfflineWhenComplete({ OFFLINE_NODE_WHEN_COMPLETE: v }), true);
    for (const v of ["0", "yes", "", "tRuE"]) assert.equal(wantsOfflineWhenComplete({ OFFLINE_NODE_WHEN_COMPLETE: v }), false);
    assert.equal(wantsOfflineWhenComplete({}), false);
  });
});

describe("parseBuildRef (docs/contract.md \"stop and set_description\")", () => {
  it("accepts an integer or a string number", () => {
    assert.deepEqual(parseBuildRef(b('{"name":"j","number":4}'), false), { name: "j", number: 4, html: "" });
    assert.deepEqual(parseBuildRef(b('{"name":"j","number":"4","html_description":"<b>x</b>"}'), true), {
      name: "j",
      number: 4,
      html: "<b>x</b>",
    });
  });
  it("names the missing field", () => {
    assert.throws(() => parseBuildRef(b('{"number":4}'), false), /missing `name`/);
    assert.throws(() => parseBuildRef(b('{"name":"j"}'), false), /`number`/);
    assert.throws(() => parseBuildRef(b('{"name":"j","number":1}'), true), /html_description/);
  });
});

describe("StateStore", () => {
  it("survives a restart: what was put is loaded again, deletes stick", async () => {
    const dir = mkdtempSync(join(tmpdir(), "state-"));
    try {
      const path = join(dir, "sub", "state.json");
      const s = new StateStore(path);
      await s.load();
      const rec = { unique: "u1", uuid: "u1", fn: "build:j", job: "j", node: "n", grabbedAt: 1, phase: "queued" as const, queueId: 7, buildUrl: null, number: null };
      await Promise.all([s.put(rec), s.put({ ...rec, unique: "u2" }), s.put({ ...rec, unique: "u3" })]);
      await s.delete("u2");
      const again = new StateStore(path);
      await again.load();
      assert.deepEqual(again.all().map((r) => r.unique).sort(), ["u1", "u3"]);
      assert.equal(again.get("u1")?.queueId, 7);
      assert.equal(JSON.parse(readFileSync(path, "utf8")).version, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("reads a version-1 file: a record without a queue id was written just before its trigger", async () => {
    const dir = mkdtempSync(join(tmpdir(), "state-"));
    try {
      const path = join(dir, "state.json");
      const old = { unique: "u", fn: "build:j", job: "j", node: "n", grabbedAt: 1, buildUrl: null, number: null };
      writeFileSync(path, JSON.stringify({ version: 1, builds: [{ ...old, queueId: null }, { ...old, unique: "q", queueId: 3 }, { ...old, unique: "r", queueId: 4, buildUrl: "http://j/job/j/1/", number: 1 }] }));
      const s = new StateStore(path);
      await s.load();
      assert.deepEqual(s.all().map((r) => [r.unique, r.phase, r.uuid]), [["u", "triggering", null], ["q", "queued", null], ["r", "running", null]]);
      assert.equal(s.drain, null);
      await s.setDrain({ quietDown: true, since: 5 });
      const again = new StateStore(path);
      await again.load();
      assert.deepEqual(again.drain, { quietDown: true, since: 5 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it("names the file when it is corrupt", async () => {
    const dir = mkdtempSync(join(tmpdir(), "state-"));
    try {
      const path = join(dir, "state.json");
      writeFileSync(path, "{broken");
      await assert.rejects(new StateStore(path).load(), (e: unknown) => e instanceof StateFileError && e.message.includes(path));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
