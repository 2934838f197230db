import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  type BuildEventInput,
  MalformedFrameError,
  buildEvent,
  compareCaseInsensitive,
  formatEventLine,
  formatFrame,
  parseFrame,
  sortParameters,
} from "../../../src/events/index.js";

const RUN = "0b0b7c1e-0000-4000-8000-000000000001";

// A build like NP tools/fake-servers.py's sample (docs/contract.md "JSON"), given out of key order on purpose.
const sample: BuildEventInput = {
  jobName: "gate-tempest-dsvm-full",
  jobUrl: "job/gate-tempest-dsvm-full/",
  number: 42,
  buildUrl: "job/gate-tempest-dsvm-full/42/",
  fullUrl: "https://jenkins01.openstack.org/job/gate-tempest-dsvm-full/42/",
  status: "SUCCESS",
  parameters: {
    ZUUL_UUID: "bf0f21577026492a985ca98a9ea14cc1",
    OFFLINE_NODE_WHEN_COMPLETE: "1",
    ZUUL_BRANCH: "master",
    BASE_LOG_PATH: "05/60105/3/gate",
  },
  nodeName: "devstack-trusty-rax-dfw-42",
  nodeDescription: "a devstack node",
  hostName: "jenkins01.openstack.org",
};

const PARAMS =
  '{"BASE_LOG_PATH":"05/60105/3/gate","OFFLINE_NODE_WHEN_COMPLETE":"1","ZUUL_BRANCH":"master","ZUUL_UUID":"bf0f21577026492a985ca98a9ea14cc1"}';

void describe("buildEvent: exact JSON (docs/contract.md \"JSON\")", () => {
  void it("onStarted: phase STARTED, no status even if one is given", () => {
    // docs/contract.md "JSON": status is absent on onStarted because the result is still null
    const json = buildEvent("onStarted", sample, 1, RUN);
    assert.equal(
      JSON.stringify(json),
      '{"name":"gate-tempest-dsvm-full","url":"job/gate-tempest-dsvm-full/",' +
        '"build":{"full_url":"https://jenkins01.openstack.org/job/gate-tempest-dsvm-full/42/","number":42,"phase":"STARTED",' +
        `"url":"job/gate-tempest-dsvm-full/42/","parameters":${PARAMS},` +
        '"node_name":"devstack-trusty-rax-dfw-42","node_description":"a devstack node","host_name":"jenkins01.openstack.org"},' +
        `"sequence":1,"run_id":"${RUN}"}`,
    );
  });

  void it("onCompleted: phase COMPLETED with status between phase and url", () => {
    const json = buildEvent("onCompleted", sample, 2, RUN);
    assert.equal(
      JSON.stringify(json),
      '{"name":"gate-tempest-dsvm-full","url":"job/gate-tempest-dsvm-full/",' +
        '"build":{"full_url":"https://jenkins01.openstack.org/job/gate-tempest-dsvm-full/42/","number":42,"phase":"COMPLETED","status":"SUCCESS",' +
        `"url":"job/gate-tempest-dsvm-full/42/","parameters":${PARAMS},` +
        '"node_name":"devstack-trusty-rax-dfw-42","node_description":"a devstack node","host_name":"jenkins01.openstack.org"},' +
        `"sequence":2,"run_id":"${RUN}"}`,
    );
  });

  void it("onFinalized: phase FINISHED, the frame is '<topic> <json>' in one string", () => {
    const json = buildEvent("onFinalized", sample, 3, RUN);
    assert.equal(
      formatFrame("onFinalized", json),
      'onFinalized {"name":"gate-tempest-dsvm-full","url":"job/gate-tempest-dsvm-full/",' +
        '"build":{"full_url":"https://jenkins01.openstack.org/job/gate-tempest-dsvm-full/42/","number":42,"phase":"FINISHED","status":"SUCCESS",' +
        `"url":"job/gate-tempest-dsvm-full/42/","parameters":${PARAMS},` +
        '"node_name":"devstack-trusty-rax-dfw-42","node_description":"a devstack node","host_name":"jenkins01.openstack.org"},' +
        `"sequence":3,"run_id":"${RUN}"}`,
    );
  });

  void it("omits null fields, keeps the built-in node's empty name, no full_url without a root URL", () => {
    // docs/contract.md "JSON": node_name is "" on the master; full_url only if a root URL is set; nulls omitted (Gson)
    const json = buildEvent(
      "onFinalized",
      { ...sample, fullUrl: null, parameters: null, nodeName: "", nodeDescription: null, hostName: null, status: "ABORTED" },
      7,
      RUN,
    );
    assert.equal(
      JSON.stringify(json),
      '{"name":"gate-tempest-dsvm-full","url":"job/gate-tempest-dsvm-full/",' +
        '"build":{"number":42,"phase":"FINISHED","status":"ABORTED","url":"job/gate-tempest-dsvm-full/42/","node_name":""},' +
        `"sequence":7,"run_id":"${RUN}"}`,
    );
  });

  void it("omits node_name when the run had no executor, and empty parameters", () => {
    const json = buildEvent("onCompleted", { ...sample, nodeName: null, parameters: {}, status: null }, 1, RUN);
    assert.equal("node_name" in json.build, false);
    assert.equal("parameters" in json.build, false);
    assert.equal("status" in json.build, false);
  });

  void it("writes < > & = ' as \\u00XX, like Gson's default HTML-safe writer", () => {
    const json = buildEvent("onStarted", { ...sample, parameters: { Q: "a=b&c<d>'e'" } }, 1, RUN);
    const frame = formatFrame("onStarted", json);
    assert.ok(frame.includes('"parameters":{"Q":"a\\u003db\\u0026c\\u003cd\\u003e\\u0027e\\u0027"}'), frame);
    assert.deepEqual(parseFrame(frame).event, json);
  });
});

void describe("parameters: EnvVars order", () => {
  void it("sorts keys case-insensitively (String.CASE_INSENSITIVE_ORDER), not by code unit", () => {
    // docs/contract.md "JSON": EnvVars, so keys are sorted case-insensitively
    const sorted = sortParameters({ zuul_b: "1", ZUUL_A: "2", Base: "3", _x: "4", a_1: "5", A: "6" });
    // Java compares the lower-cased chars last, so '_' (0x5F) sorts before every letter ('a' = 0x61),
    // although a plain upper-case comparison would put it after 'Z' (0x5A)
    assert.deepEqual(Object.keys(sorted), ["_x", "A", "a_1", "Base", "ZUUL_A", "zuul_b"]);
  });

  void it("keeps the first spelling and the last value of keys equal ignoring case (TreeMap.put)", () => {
    assert.deepEqual(sortParameters({ Foo: "1", FOO: "2" }), { Foo: "2" });
  });

  void it("compareCaseInsensitive falls back to length", () => {
    assert.ok(compareCaseInsensitive("ab", "AB") === 0);
    assert.ok(compareCaseInsensitive("ab", "abc") < 0);
    assert.ok(compareCaseInsensitive("B", "a") > 0);
  });
});

void describe("parseFrame (Nodepool's split on the first whitespace)", () => {
  void it("round-trips formatFrame", () => {
    const json = buildEvent("onFinalized", sample, 9, RUN);
    const frame = formatFrame("onFinalized", json);
    const parsed = parseFrame(Buffer.from(frame, "utf8"));
    assert.equal(parsed.topic, "onFinalized");
    assert.deepEqual(parsed.event, json);
    assert.equal(JSON.stringify(parsed.event), JSON.stringify(json));
  });

  void it("splits on the first run of any whitespace, and spaces inside the JSON stay", () => {
    // NP: topic, msg = m.split(None, 1)
    const body = '{"name":"job with space","url":"job/x/","build":{"number":1,"phase":"STARTED","url":"job/x/1/","node_name":"n 1"}}';
    const parsed = parseFrame(`  onStarted\t \n${body}`);
    assert.equal(parsed.topic, "onStarted");
    assert.equal(parsed.event.name, "job with space");
    assert.equal(parsed.event.build.node_name, "n 1");
  });

  void it("accepts the Java plugin's frames, which carry no sequence or run_id", () => {
    // NP tools/fake-servers.py onStarted sample
    const parsed = parseFrame(
      'onStarted {"name": "test", "url": "job/test/", "build": {"full_url": "http://localhost:8080/job/test/1/", "number": 1, "phase": "STARTED", "url": "job/test/1/", "node_name": "n1"}}',
    );
    assert.equal(parsed.event.sequence, undefined);
    assert.equal(parsed.event.build.full_url, "http://localhost:8080/job/test/1/");
  });

  void it("keeps unknown topics (the caller decides), like Nodepool before it raises", () => {
    assert.equal(parseFrame('onDeleted {"name":"a","url":"u","build":{"number":1,"phase":"FINISHED","url":"b"}}').topic, "onDeleted");
  });

  void it("throws MalformedFrameError for frames that are not '<topic> <event>'", () => {
    for (const bad of [
      "onStarted",
      "onStarted {not json",
      "onStarted []",
      'onStarted {"url":"u","build":{"number":1,"phase":"STARTED","url":"b"}}',
      'onStarted {"name":"a","url":"u","build":{"number":"1","phase":"STARTED","url":"b"}}',
      'onStarted {"name":"a","url":"u","build":{"number":1,"phase":"RUNNING","url":"b"}}',
      'onStarted {"name":"a","url":"u","build":{"number":1,"phase":"STARTED","url":"b","parameters":{"A":1}}}',
      'onStarted {"name":"a","url":"u","build":{"number":1,"phase":"STARTED","url":"b"},"sequence":"x"}',
    ]) {
      assert.throws(() => parseFrame(bad), MalformedFrameError, bad);
    }
  });
});

void describe("formatEventLine", () => {
  void it("prints one line with topic, sequence, job, number, status, node and URL", () => {
    const event = buildEvent("onFinalized", { ...sample, jobName: "gate-nova-pep8", number: 1234, nodeName: "devstack-1" }, 12, RUN);
    assert.equal(
      formatEventLine({ topic: "onFinalized", event, raw: "" }),
      "onFinalized seq=12 gate-nova-pep8 #1234 SUCCESS node=devstack-1 https://jenkins01.openstack.org/job/gate-tempest-dsvm-full/42/",
    );
  });

  void it("shows the built-in node and falls back to the relative URL", () => {
    const event = buildEvent("onStarted", { ...sample, nodeName: "", fullUrl: null }, 1, RUN);
    assert.equal(formatEventLine({ topic: "onStarted", event, raw: "" }), "onStarted seq=1 gate-tempest-dsvm-full #42 node=(built-in) job/gate-tempest-dsvm-full/42/");
  });
});
