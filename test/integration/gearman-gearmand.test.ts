/**
 * Pins the gearmand 1.1.20 behaviours of docs/contract.md "gearmand semantics the sidecar relies on" against the real server, with raw
 * protocol connections (and our client/worker where the fact is about them).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import {
  encode,
  GearmanAdmin,
  GearmanClient,
  GearmanWorker,
  PacketParser,
  PacketType,
  packetTypeName,
  type Packet,
  type PacketTypeNumber,
  type WorkerJob,
} from "../../src/gearman/index.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";

const FAST = { backoff: { initialMs: 10, maxMs: 100 }, echoIntervalMs: 0 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A raw protocol connection: send REQ packets, await RES packets. */
class Raw {
  readonly packets: Packet[] = [];
  readonly #socket: Socket;
  #waiters: (() => void)[] = [];
  #read = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
    const parser = new PacketParser({
      onPacket: (p) => {
        this.packets.push(p);
        for (const w of this.#waiters.splice(0)) w();
      },
    });
    socket.on("data", (d: Buffer) => parser.push(d));
    socket.on("error", () => undefined);
  }

  static open(g: Gearmand): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: g.host, port: g.port });
      s.once("connect", () => resolve(new Raw(s)));
      s.once("error", reject);
    });
  }

  send(type: PacketTypeNumber, args: (Buffer | string)[] = []): void {
    this.#socket.write(encode("REQ", type, args));
  }

  /** The next unread packet (optionally of one type, skipping others), within `ms`. */
  async next(type?: PacketTypeNumber, ms = 3000): Promise<Packet> {
    const deadline = Date.now() + ms;
    for (;;) {
      while (this.#read < this.packets.length) {
        const p = this.packets[this.#read++]!;
        if (type === undefined || p.type === type) return p;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${type === undefined ? "packet" : packetTypeName(type)} within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  has(type: PacketTypeNumber): boolean {
    return this.packets.some((p) => p.type === type);
  }

  close(): void {
    this.#socket.destroy();
  }
}

const str = (p: Packet, i: number): string => p.args[i]!.toString("latin1");

void describe("gearmand 1.1.20 facts (docs/contract.md \"gearmand semantics the sidecar relies on\")", { timeout: 60_000 }, () => {
  let g: Gearmand;
  let admin: GearmanAdmin;
  const raws: Raw[] = [];
  const open = async (): Promise<Raw> => {
    const r = await Raw.open(g);
    raws.push(r);
    return r;
  };
  const rawWorker = async (fn: string): Promise<Raw> => {
    const w = await open();
    w.send(PacketType.CAN_DO, [fn]);
    return w;
  };
  const grab = async (w: Raw): Promise<Packet> => {
    w.send(PacketType.GRAB_JOB_UNIQ);
    const p = await w.next();
    assert.equal(packetTypeName(p.type), "JOB_ASSIGN_UNIQ");
    return p;
  };
  const submit = async (c: Raw, fn: string, data: string, unique = ""): Promise<string> => {
    c.send(PacketType.SUBMIT_JOB, [fn, unique, data]);
    return str(await c.next(PacketType.JOB_CREATED), 0);
  };

  before(async () => {
    g = await startGearmand();
    admin = new GearmanAdmin({ host: g.host, port: g.port });
  });
  after(async () => {
    for (const r of raws) r.close();
    await admin.close();
    await g.stop();
  });

  void it("requeues a job when its worker disconnects mid-job; the client sees no WORK_FAIL, another worker gets the same handle", async () => {
    const client = await open();
    const w1 = await rawWorker("requeue");
    const handle = await submit(client, "requeue", "payload");
    assert.equal(str(await grab(w1), 0), handle);
    w1.close();
    const w2 = await rawWorker("requeue");
    const again = await grab(w2);
    assert.equal(str(again, 0), handle);
    assert.equal(str(again, 3), "payload");
    await sleep(50);
    assert.equal(client.has(PacketType.WORK_FAIL), false);
    w2.send(PacketType.WORK_COMPLETE, [handle, "done"]);
    assert.equal(str(await client.next(PacketType.WORK_COMPLETE), 1), "done");
  });

  void it("rejects WORK_* from a connection that does not own the job (ERROR JOB_NOT_FOUND)", async () => {
    const client = await open();
    const owner = await rawWorker("owned");
    const other = await open();
    const handle = await submit(client, "owned", "x");
    await grab(owner);
    other.send(PacketType.WORK_COMPLETE, [handle, "hijack"]);
    const err = await other.next(PacketType.ERROR);
    assert.equal(str(err, 0), "JOB_NOT_FOUND");
    owner.send(PacketType.WORK_COMPLETE, [handle, "mine"]);
    assert.equal(str(await client.next(PacketType.WORK_COMPLETE), 1), "mine");
  });

  void it("delivers WORK_EXCEPTION as WORK_FAIL with a trailing NUL; our client strips it", async () => {
    const raw = await open();
    const w = await rawWorker("exc");
    const handle = await submit(raw, "exc", "x");
    await grab(w);
    w.send(PacketType.WORK_EXCEPTION, [handle, "boom"]);
    const fail = await raw.next(PacketType.WORK_FAIL);
    assert.equal(str(fail, 0), `${handle}\0`);
    assert.equal(raw.has(PacketType.WORK_EXCEPTION), false);

    const client = new GearmanClient({ servers: [{ host: g.host, port: g.port }], connection: FAST });
    client.start();
    try {
      await client.waitConnected();
      const job = await client.submit("exc", "y");
      const j = await grab(w);
      assert.equal(str(j, 0), job.handle);
      w.send(PacketType.WORK_EXCEPTION, [job.handle, "boom"]);
      assert.deepEqual(await job.result, { kind: "fail" });
    } finally {
      await client.close();
    }
  });

  void it("sends NOOP to every sleeping worker registered for the function", async () => {
    const ws = await Promise.all([rawWorker("herd"), rawWorker("herd"), rawWorker("herd")]);
    for (const w of ws) {
      w.send(PacketType.GRAB_JOB_UNIQ);
      assert.equal((await w.next()).type, PacketType.NO_JOB);
      w.send(PacketType.PRE_SLEEP);
    }
    await sleep(20);
    const client = await open();
    await submit(client, "herd", "x");
    for (const w of ws) assert.equal((await w.next()).type, PacketType.NOOP);
    // One grabber wins, the rest get NO_JOB.
    const answers = await Promise.all(
      ws.map(async (w) => {
        w.send(PacketType.GRAB_JOB_UNIQ);
        return (await w.next()).type;
      }),
    );
    assert.deepEqual(answers.filter((t) => t === PacketType.JOB_ASSIGN_UNIQ).length, 1);
    assert.deepEqual(answers.filter((t) => t === PacketType.NO_JOB).length, 2);
  });

  void it("coalesces submits with the same function and unique id: same handle, new payload discarded", async () => {
    const c1 = await open();
    const c2 = await open();
    const h1 = await submit(c1, "coalesce", "first", "same-uuid");
    const h2 = await submit(c2, "coalesce", "second", "same-uuid");
    assert.equal(h2, h1);
    const h3 = await submit(c2, "coalesce", "third", "");
    assert.notEqual(h3, h1, "an empty unique never coalesces");
    const w = await rawWorker("coalesce");
    const j = await grab(w);
    assert.equal(str(j, 3), "first");
    w.send(PacketType.WORK_COMPLETE, [h1, "r"]);
    assert.equal(str(await c1.next(PacketType.WORK_COMPLETE), 0), h1);
    assert.equal(str(await c2.next(PacketType.WORK_COMPLETE), 0), h1);
  });

  void it("allows several jobs on one worker connection; status RUNNING counts them", async () => {
    const client = await open();
    const w = await rawWorker("several");
    const h1 = await submit(client, "several", "1");
    const h2 = await submit(client, "several", "2");
    const got = [str(await grab(w), 0), str(await grab(w), 0)];
    assert.deepEqual(got.sort(), [h1, h2].sort());
    const st = (await admin.status()).find((f) => f.name === "several");
    assert.deepEqual(st, { name: "several", total: 2, running: 2, workers: 1 });
    w.send(PacketType.WORK_COMPLETE, [h1, ""]);
    w.send(PacketType.WORK_COMPLETE, [h2, ""]);
    await client.next(PacketType.WORK_COMPLETE);
    await client.next(PacketType.WORK_COMPLETE);
  });

  void it("requeues a running job on CANT_DO (why our worker defers it); the old owner's result is rejected", async () => {
    const client = await open();
    const a = await rawWorker("cantdo");
    const handle = await submit(client, "cantdo", "x");
    await grab(a);
    a.send(PacketType.CANT_DO, ["cantdo"]);
    const b = await rawWorker("cantdo");
    assert.equal(str(await grab(b), 0), handle);
    a.send(PacketType.WORK_COMPLETE, [handle, "late"]);
    assert.equal(str(await a.next(PacketType.ERROR), 0), "JOB_NOT_FOUND");
    b.send(PacketType.WORK_COMPLETE, [handle, "b"]);
    assert.equal(str(await client.next(PacketType.WORK_COMPLETE), 1), "b");
  });

  void it("keeps a function in `status` with 0 workers after its last worker leaves", async () => {
    const w = new GearmanWorker({ clientId: "leaver", servers: [{ host: g.host, port: g.port }], connection: FAST });
    w.setFunctions(["leaving-fn"]);
    w.start();
    const find = async (): Promise<number | undefined> => (await admin.status()).find((f) => f.name === "leaving-fn")?.workers;
    for (let i = 0; i < 100 && (await find()) !== 1; i++) await sleep(10);
    assert.equal(await find(), 1);
    await w.close();
    for (let i = 0; i < 100 && (await find()) !== 0; i++) await sleep(10);
    assert.equal(await find(), 0);
  });

  void it("round-trips a 10 MiB payload through our client and worker", async () => {
    const addr = { host: g.host, port: g.port };
    const w = new GearmanWorker({ clientId: "big", servers: [addr], connection: FAST });
    w.on("job", (j: WorkerJob) => {
      j.complete(Buffer.concat([j.data, Buffer.from("!")]));
    });
    w.setFunctions(["big"]);
    w.start();
    const c = new GearmanClient({ servers: [addr], connection: FAST });
    c.start();
    try {
      await c.waitConnected();
      const payload = Buffer.alloc(10 * 1024 * 1024);
      for (let i = 0; i < payload.length; i += 4096) payload[i] = i & 0xff;
      const job = await c.submit("big", payload);
      const r = await job.result;
      assert.equal(r.kind, "complete");
      if (r.kind === "complete") {
        assert.equal(r.data.length, payload.length + 1);
        assert.ok(r.data.subarray(0, payload.length).equals(payload));
      }
    } finally {
      await Promise.all([w.close(), c.close()]);
    }
  });
});
