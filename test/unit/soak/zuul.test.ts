// The soak's Zuul v2 stand-in (test/soak/zuul.ts) against a scripted fake client: a launch ends with a
// result only when the last data packet carries one (zuul/launcher/gearman.py 2.6.0 getJobData and
// onBuildCompleted); every retry is a new launch with a new ZUUL_UUID; three launches at most, then
// RETRY_LIMIT (zuul/model.py `attempts = 3`, launch() `getTries > attempts`); a refused submit is EXCEPTION.
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ClientJob, PacketType, type Packet, type PacketTypeNumber, type SubmitOptions } from "../../../src/gearman/index.js";
import { ZuulStandIn, lastData, type Submitter } from "../../soak/zuul.js";

type Script = (job: ClientJob) => void;

const pkt = (type: PacketTypeNumber, handle: string, data?: string): Packet => ({
  magic: "RES",
  type,
  args: data === undefined ? [Buffer.from(handle)] : [Buffer.from(handle), Buffer.from(data)],
});

const started = (n: number): string => JSON.stringify({ name: "j", number: n, manager: "m-a" });

/** Answers each submit with the next script (or throws when the script is "refuse"). */
class FakeClient implements Submitter {
  readonly submits: { fn: string; unique: string; params: Record<string, string> }[] = [];
  readonly #scripts: (Script | "refuse")[];

  constructor(scripts: (Script | "refuse")[]) {
    this.#scripts = scripts;
  }

  async submit(fn: string, data: Buffer | string, opts: SubmitOptions = {}): Promise<ClientJob> {
    this.submits.push({ fn, unique: opts.unique ?? "", params: JSON.parse(data.toString()) as Record<string, string> });
    const s = this.#scripts.shift();
    if (s === undefined || s === "refuse") throw new Error("no gearman server connected");
    const job = new ClientJob({ handle: `H:${this.submits.length}`, fn, unique: opts.unique ?? "", background: false, server: "127.0.0.1:1" });
    setImmediate(() => s(job));
    return job;
  }
}

const complete = (result: string): Script => (j) => {
  j.handlePacket(pkt(PacketType.WORK_DATA, j.handle, started(1)));
  j.handlePacket(pkt(PacketType.WORK_COMPLETE, j.handle, JSON.stringify({ name: "j", number: 1, manager: "m-a", result })));
};
const failAfterStart: Script = (j) => {
  j.handlePacket(pkt(PacketType.WORK_DATA, j.handle, started(7)));
  j.handlePacket(pkt(PacketType.WORK_FAIL, j.handle));
};
const disconnect: Script = (j) => j.markDisconnected();
const exception: Script = (j) => j.handlePacket(pkt(PacketType.WORK_EXCEPTION, j.handle, "boom"));
const completeWithoutResult: Script = (j) => j.handlePacket(pkt(PacketType.WORK_COMPLETE, j.handle, ""));

async function run(scripts: (Script | "refuse")[], zuulNode: string | null = null): Promise<{ z: ZuulStandIn; c: FakeClient }> {
  const c = new FakeClient(scripts);
  const z = new ZuulStandIn(c);
  z.launch({ job: "j", zuulNode });
  assert.equal(await z.settle(5000), true);
  return { z, c };
}

describe("soak Zuul stand-in", () => {
  it("lastData is Zuul's getJobData: the last packet, {} when empty or not a JSON object", () => {
    assert.deepEqual(lastData({ dataPackets: [] }), {});
    assert.deepEqual(lastData({ dataPackets: [Buffer.from('{"a":1}'), Buffer.from('{"result":"X"}')] }), { result: "X" });
    assert.deepEqual(lastData({ dataPackets: [Buffer.from('{"result":"X"}'), Buffer.alloc(0)] }), {});
    assert.deepEqual(lastData({ dataPackets: [Buffer.from("not json")] }), {});
  });

  it("WORK_COMPLETE with a result ends the job in one launch, unique = ZUUL_UUID, build:JOB:ZUUL_NODE", async () => {
    const { z, c } = await run([complete("FAILURE")], "trusty");
    assert.deepEqual([z.jobs[0]?.outcome, z.jobs[0]?.result], ["result", "FAILURE"]);
    assert.equal(c.submits.length, 1);
    assert.equal(c.submits[0]?.fn, "build:j:trusty");
    assert.equal(c.submits[0]?.unique, c.submits[0]?.params["ZUUL_UUID"]);
    assert.match(c.submits[0]?.unique ?? "", /^[0-9a-f]{32}$/);
    assert.deepEqual(z.jobs[0]?.attempts[0]?.started, { name: "j", number: 1, manager: "m-a", at: z.jobs[0]?.attempts[0]?.started?.at });
  });

  it("WORK_FAIL, a disconnect and WORK_EXCEPTION are retries, each a new launch with a new ZUUL_UUID and LOG_PATH", async () => {
    const { z, c } = await run([failAfterStart, disconnect, complete("SUCCESS")]);
    assert.deepEqual([z.jobs[0]?.outcome, z.jobs[0]?.result], ["result", "SUCCESS"]);
    assert.deepEqual(z.jobs[0]?.attempts.map((a) => a.ending), ["fail", "disconnected", "complete"]);
    const uuids = c.submits.map((s) => s.unique);
    assert.equal(new Set(uuids).size, 3);
    for (const s of c.submits) assert.ok(s.params["LOG_PATH"]?.endsWith(s.unique.slice(0, 7)));
    // The first launch had started (WORK_DATA with a number) and still retried: its result is that packet's, none.
    assert.equal(z.jobs[0]?.attempts[0]?.started?.number, 7);
    assert.equal(z.jobs[0]?.attempts[0]?.result, null);
  });

  it("three launches without a result give RETRY_LIMIT, and no fourth launch", async () => {
    const { z, c } = await run([exception, completeWithoutResult, failAfterStart, complete("SUCCESS")]);
    assert.deepEqual([z.jobs[0]?.outcome, z.jobs[0]?.result], ["retry-limit", "RETRY_LIMIT"]);
    assert.equal(c.submits.length, 3);
  });

  it("a submit no server takes is Zuul's EXCEPTION result, not a retry", async () => {
    const { z, c } = await run(["refuse", complete("SUCCESS")]);
    assert.deepEqual([z.jobs[0]?.outcome, z.jobs[0]?.result], ["exception", "EXCEPTION"]);
    assert.equal(c.submits.length, 1);
  });

  it("a launch that never ends stays pending (and settle says so within its bound)", async () => {
    const c = new FakeClient([() => undefined]);
    const z = new ZuulStandIn(c);
    z.launch({ job: "j", zuulNode: null });
    assert.equal(await z.settle(300), false);
    assert.equal(z.pending, 1);
  });
});
