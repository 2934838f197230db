/**
 * The embedded Gearman server over real sockets: raw packets with the project's codec, the
 * project's GearmanClient/GearmanWorker/GearmanAdmin, and close() hygiene. The scenario list
 * that is also run against a real gearmand lives in gearman-server-conformance.test.ts.
 */
import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  encode,
  GearmanAdmin,
  GearmanClient,
  GearmanWorker,
  PacketParser,
  PacketType,
  packetTypeName,
  type PacketTypeNumber,
  type WorkerJob,
} from "../../src/gearman/index.js";
import { GearmanServer } from "../../src/gearman/server.js";

/** A raw socket speaking the binary protocol; received packets as "NAME arg0 arg1". */
class Raw {
  readonly socket: Socket;
  readonly got: string[] = [];
  text = "";
  /** Set by admin(): replies are then collected as text. */
  #textMode = false;
  closed: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(port: number) {
    this.socket = connect({ host: "127.0.0.1", port });
    this.socket.setNoDelay(true);
    const parser = new PacketParser({
      onPacket: (p) => {
        this.got.push([packetTypeName(p.type), ...p.args.map((a) => a.toString("latin1").replace(/\0/g, "\\0"))].join(" "));
        this.#wake();
      },
    });
    this.socket.on("data", (d: Buffer) => {
      if (this.#textMode) {
        this.text += d.toString("latin1");
        this.#wake();
        return;
      }
      parser.push(d);
    });
    this.socket.on("error", () => undefined);
    this.closed = new Promise((resolve) => this.socket.once("close", () => resolve()));
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  send(type: PacketTypeNumber, ...args: (string | Buffer)[]): void {
    this.socket.write(encode("REQ", type, args));
  }

  /** Waits until `n` packets (in total) arrived; returns and clears them. */
  async take(n: number, timeoutMs = 2000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.got.length < n) {
      if (Date.now() > deadline) assert.fail(`expected ${n} packets, got ${JSON.stringify(this.got)}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 20);
      });
    }
    return this.got.splice(0);
  }

  /** Sends an admin line and waits for a reply ending like `end`. */
  async admin(line: string, end: RegExp = /(^|\n)\.\n$|^(OK|ERR)[^\n]*\n$/): Promise<string> {
    this.text = "";
    this.#textMode = true;
    this.socket.write(`${line}\n`);
    const deadline = Date.now() + 2000;
    while (!end.test(this.text)) {
      if (Date.now() > deadline) assert.fail(`no admin reply to ${line}: ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 20);
      });
    }
    return this.text;
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

void describe("embedded gearman server over sockets", () => {
  const server = new GearmanServer();
  let port = 0;
  const raws: Raw[] = [];
  const raw = (): Raw => {
    const r = new Raw(port);
    raws.push(r);
    return r;
  };

  before(async () => {
    port = (await server.start()).port;
  });
  after(async () => {
    await Promise.all(raws.map((r) => r.close()));
    await server.close();
  });

  void it("listens on loopback and reports its address and stats", () => {
    assert.deepEqual(server.address, { host: "127.0.0.1", port });
    assert.equal(server.stats().queued, 0);
  });

  void it("relays submit → grab → WORK_DATA/STATUS/COMPLETE with raw packets", async () => {
    const c = raw();
    const w = raw();
    w.send(PacketType.CAN_DO, "raw_f");
    w.send(PacketType.PRE_SLEEP);
    c.send(PacketType.SUBMIT_JOB, "raw_f", "u", "payload");
    const [created] = await c.take(1);
    const handle = created!.split(" ")[1]!;
    assert.match(handle, /^H:[^:]+:\d+$/);
    assert.deepEqual(await w.take(1), ["NOOP"]); // docs/contract.md "NOOP wakes every sleeping worker"
    w.send(PacketType.GRAB_JOB_UNIQ);
    assert.deepEqual(await w.take(1), [`JOB_ASSIGN_UNIQ ${handle} raw_f u payload`]);
    assert.deepEqual(server.stats(), { connections: 2, queued: 0, running: 1, functions: 1 });
    w.send(PacketType.WORK_DATA, handle, '{"url":"x"}');
    w.send(PacketType.WORK_STATUS, handle, "1", "2");
    w.send(PacketType.WORK_COMPLETE, handle, "ok");
    assert.deepEqual(await c.take(3), [`WORK_DATA ${handle} {"url":"x"}`, `WORK_STATUS ${handle} 1 2`, `WORK_COMPLETE ${handle} ok`]);
  });

  void it("speaks the admin text protocol on the same port (docs/contract.md \"Admin status and workers\")", async () => {
    const a = raw();
    assert.equal(await a.admin("version"), "OK 1.1.20-embedded\n");
    assert.match(await a.admin("status"), /^raw_f\t0\t0\t1\n\.\n$/m);
    assert.match(await a.admin("workers"), / 127\.0\.0\.1 - : raw_f\n/);
    assert.equal(await a.admin("shutdown"), "ERR UNKNOWN_COMMAND Unknown+server+commandshutdown\r\n");
  });

  void it("closes the connection on an unknown packet type or an oversized body (docs/contract.md \"Framing\")", async () => {
    const r = raw();
    const bad = Buffer.alloc(12);
    bad.write("\0REQ", 0, "latin1");
    bad.writeUInt32BE(99, 4);
    r.socket.write(bad);
    await r.closed;
    const small = new GearmanServer({ maxBodyBytes: 16 });
    const p = (await small.start()).port;
    const big = new Raw(p);
    big.send(PacketType.ECHO_REQ, "x".repeat(17));
    await big.closed;
    await small.close();
  });

  void it("works with the project's GearmanClient, GearmanWorker and GearmanAdmin", async () => {
    const addr = { host: "127.0.0.1", port };
    const admin = new GearmanAdmin(addr);
    const client = new GearmanClient({ servers: [addr], connection: { echoIntervalMs: 0 } });
    const worker = new GearmanWorker({ clientId: "sidecar-test", servers: [addr], connection: { echoIntervalMs: 0 } });
    const worker2 = new GearmanWorker({ clientId: "sidecar-two", servers: [addr], connection: { echoIntervalMs: 0 } });
    try {
      worker.setFunctions(["build:lib"]);
      const firstJob = new Promise<WorkerJob>((resolve) => worker.once("job", resolve));
      worker.start();
      client.start();
      await client.waitConnected();
      const job = await client.submit("build:lib", JSON.stringify({ ZUUL_UUID: "abc" }), { unique: "abc" });
      const wj = await firstJob;
      assert.equal(wj.handle, job.handle);
      assert.equal(wj.unique, "abc");
      wj.sendData('{"number":1}');
      wj.sendStatus(1, 10);
      const workers = await admin.workers();
      assert.ok(workers.some((w) => JSON.stringify(w).includes("sidecar-test")));
      // The worker goes away mid-job: requeued, the client is not told (docs/contract.md "gearmand requeues a job whose connection drops").
      await worker.close();
      worker2.setFunctions(["build:lib"]);
      const again = new Promise<WorkerJob>((resolve) => worker2.once("job", resolve));
      worker2.start();
      const wj2 = await again;
      assert.equal(wj2.handle, job.handle);
      wj2.complete('{"result":"SUCCESS"}');
      const res = await job.result;
      assert.equal(res.kind, "complete");
      assert.deepEqual(job.dataPackets.map(String), ['{"number":1}', '{"result":"SUCCESS"}']);
      // A queued job cancelled through the admin port fails for its client (docs/contract.md "Admin status and workers").
      const queued = await client.submit("build:nobody", "{}");
      assert.equal(await admin.cancelJob(queued.handle), true);
      assert.equal((await queued.result).kind, "fail");
      assert.equal(await admin.cancelJob("H:nope:1"), false);
      assert.equal(await admin.version(), "1.1.20-embedded");
      const st = await admin.status();
      assert.ok(st.some((s) => JSON.stringify(s).includes("build:nobody")));
      const exc = await client.submit("build:lib", "{}");
      const wj3 = await new Promise<WorkerJob>((resolve) => worker2.once("job", resolve));
      wj3.exception("boom");
      assert.equal((await exc.result).kind, "fail"); // docs/contract.md "WORK_EXCEPTION reaches Zuul as WORK_FAIL"
    } finally {
      await Promise.all([client.close(), worker.close(), worker2.close(), admin.close()]);
    }
  });

  void it("close() closes every connection and the listener, and is idempotent", async () => {
    const s = new GearmanServer();
    const p = (await s.start()).port;
    const r1 = new Raw(p);
    const r2 = new Raw(p);
    r1.send(PacketType.CAN_DO, "x");
    r2.send(PacketType.SUBMIT_JOB, "x", "", "d");
    await r2.take(1);
    await Promise.all([s.close(), s.close()]);
    await Promise.all([r1.closed, r2.closed]);
    assert.equal(s.address, null);
    assert.equal(s.stats().connections, 0);
    await assert.rejects(s.start());
    const again = new Raw(p);
    await again.closed; // nothing listens any more
  });
});
