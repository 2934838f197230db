import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Metrics, OTHER_FUNCTION } from "../../../src/admin/index.js";
import { METRIC_NAMES } from "./metric-names.js";


void describe("Metrics", () => {
  void it("renders every metric, with the default process metrics", async () => {
    const m = new Metrics();
    m.countGrabbed("build:nova-tox:ubuntu-jammy");
    m.jobsCompleted.inc({ result: "SUCCESS" });
    m.jobsFailed.inc({ reason: "lost" });
    m.registrationPackets.inc({ type: "CAN_DO" }, 3);
    m.jenkinsRequests.inc({ method: "GET", status: "200" });
    m.jenkinsLatency.observe({ method: "GET" }, 0.042);
    m.pollCycleSeconds.observe(0.2);
    m.eventsPublished.inc({ topic: "onStarted" });
    m.eventsDropped.inc();
    m.reconnects.inc({ server: "127.0.0.1:4730" });
    m.gearmanConnected.set({ server: "127.0.0.1:4730" }, 1);
    m.freeExecutors.set({ group: "g1" }, 4);
    m.inFlightBuilds.set(2);
    m.draining.set(0);
    const text = await m.render();
    for (const name of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE ${name} `, "m"), name);
    assert.match(text, /^jgs_jobs_grabbed_total\{function="build:nova-tox"\} 1$/m);
    assert.match(text, /^jgs_registration_packets_total\{type="CAN_DO"\} 3$/m);
    assert.match(text, /^jgs_jenkins_request_duration_seconds_bucket\{le="0.05",method="GET"\} 1$/m);
    assert.match(text, /^jgs_process_cpu_seconds_total /m, "default metrics carry the prefix");
    assert.match(m.contentType, /^text\/plain/);
  });

  void it("keeps a registry per instance (no clash between two)", async () => {
    const a = new Metrics({ prefix: "x_", defaultMetrics: false });
    const b = new Metrics({ prefix: "x_", defaultMetrics: false });
    a.inFlightBuilds.set(5);
    assert.match(await a.render(), /^x_in_flight_builds 5$/m);
    assert.match(await b.render(), /^x_in_flight_builds 0$/m);
    assert.doesNotMatch(await a.render(), /process_cpu/);
  });

  void it("bounds the function label: no label suffix, then 'other'", () => {
    const m = new Metrics({ defaultMetrics: false, maxFunctionLabels: 2 });
    assert.equal(m.functionLabel("build:a:label-x"), "build:a");
    assert.equal(m.functionLabel("build:a:label-y"), "build:a");
    assert.equal(m.functionLabel("build:b"), "build:b");
    assert.equal(m.functionLabel("build:c"), OTHER_FUNCTION);
    assert.equal(m.functionLabel("build:a"), "build:a", "known values stay");
  });
});
