/**
 * A connection of ours never drops a packet it accepted (docs/architecture.md "Capacity"): a result written in the
 * same tick as the close of its connection must reach the client through the real gearmand.
 * Before the fix, close() destroyed the corked socket and gearmand requeued the job instead
 * (docs/contract.md "gearmand requeues a job whose connection drops").
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import { GearmanAdmin, GearmanClient, GearmanWorker, type WorkerJob } from "../../src/gearman/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";

const FAST = { backoff: { initialMs: 10, maxMs: 100 }, echoIntervalMs: 0 };

void describe("closing a worker flushes what it accepted (real gearmand)", { timeout: 30_000 }, () => {
  let gd: Gearmand;
  let client: GearmanClient;
  before(async () => {
    gd = await startGearmand();
    client = new GearmanClient({ servers: [{ host: gd.host, port: gd.port }], connection: FAST });
    client.start();
    await client.waitConnected(5000);
  });
  after(async () => {
    await client.close();
    await gd.stop();
  });

  async function grabOne(fn: string): Promise<{ worker: GearmanWorker; job: WorkerJob; result: ReturnType<GearmanClient["submit"]> }> {
    const worker = new GearmanWorker({ clientId: `flush-${fn}`, servers: [{ host: gd.host, port: gd.port }], capacity: 1, connection: FAST });
    const got = new Promise<WorkerJob>((resolve) => worker.once("job", resolve));
    worker.setFunctions([fn]);
    worker.start();
    const result = client.submit(fn, "payload", { unique: `${fn}-1` });
    return { worker, job: await got, result };
  }

  for (const [what, end] of [
    ["WORK_FAIL", (j: WorkerJob) => j.fail()],
    ["WORK_COMPLETE", (j: WorkerJob) => j.complete("done")],
  ] as const) {
    void it(`${what} written in the same tick as close() reaches the client; gearmand does not requeue the job`, async () => {
      const fn = `flush-${what.toLowerCase()}`;
      const { worker, job, result } = await grabOne(fn);
      job.sendData("started");
      assert.equal(end(job), true);
      await worker.close(); // same tick as the result: the packets are still corked
      const r = await (await result).result;
      assert.equal(r.kind, what === "WORK_FAIL" ? "fail" : "complete");
      const admin = new GearmanAdmin({ host: gd.host, port: gd.port });
      try {
        const st = (await admin.status()).find((f) => f.name === fn);
        assert.equal(st?.total ?? 0, 0, "the job must not be requeued");
      } finally {
        await admin.close();
      }
    });
  }

  void it("setFunctions([]) in the same tick as a result keeps the result and unregisters afterwards", async () => {
    const fn = "flush-cantdo";
    const { worker, job, result } = await grabOne(fn);
    job.complete("ok");
    worker.setFunctions([]);
    const r = await (await result).result;
    assert.equal(r.kind === "complete" ? r.data.toString() : r.kind, "ok");
    await worker.close();
  });

  void it("close() with a job still running: gearmand requeues it (the adoption path), and close() returns within its bound", async () => {
    const fn = "flush-running";
    const { worker, result } = await grabOne(fn);
    const t0 = Date.now();
    await worker.close();
    assert.ok(Date.now() - t0 < 2500, "close is bounded");
    const other = new GearmanWorker({ clientId: "flush-other", servers: [{ host: gd.host, port: gd.port }], capacity: 1, connection: FAST });
    const again = new Promise<WorkerJob>((resolve) => other.once("job", resolve));
    other.setFunctions([fn]);
    other.start();
    const j2 = await again;
    assert.equal(j2.unique, `${fn}-1`);
    j2.complete("second owner");
    const r = await (await result).result;
    assert.equal(r.kind === "complete" ? r.data.toString() : r.kind, "second owner");
    await other.close();
  });
});
