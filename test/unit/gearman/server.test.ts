/**
 * Job logic of the embedded Gearman server without sockets: fake connections record what
 * the server sends them. Behaviour that mirrors gearmand cites docs/contract.md "gearmand semantics the sidecar relies on".
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { decodeBody, encode, PacketType, packetTypeName, type Packet, type PacketTypeNumber } from "../../../src/gearman/index.js";
import { adminCommand } from "../../../src/gearman/server-admin.js";
import { ServerCore } from "../../../src/gearman/server-core.js";
import { dispatch } from "../../../src/gearman/server-dispatch.js";
import type { FunctionState, Job, ServerConn } from "../../../src/gearman/server-model.js";

let nextId = 1;

class FakeConn implements ServerConn {
  readonly id = nextId++;
  readonly ip = "127.0.0.1";
  clientId = "-";
  exceptions = false;
  sleeping = false;
  noopSent = false;
  readonly registrations = new Map<FunctionState, number>();
  readonly grabOrder: FunctionState[] = [];
  readonly workerJobs = new Set<Job>();
  readonly clientJobs = new Set<Job>();
  /** Received packets as "NAME arg0 arg1 ..." (NULs shown as \0). */
  out: string[] = [];

  send(packet: Buffer): void {
    const type = packet.readUInt32BE(4) as PacketTypeNumber;
    const args = decodeBody(type, packet.subarray(12));
    this.out.push([packetTypeName(type), ...args.map((a) => a.toString("latin1").replace(/\0/g, "\\0"))].join(" "));
  }

  take(): string[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

function req(core: ServerCore, c: FakeConn, type: PacketTypeNumber, ...args: string[]): void {
  const buf = encode("REQ", type, args);
  const p: Packet = { magic: "REQ", type, args: decodeBody(type, buf.subarray(12)) };
  dispatch(core, c, p);
}

function setup(): { core: ServerCore; admin: (line: string) => string; conns: FakeConn[]; conn: () => FakeConn } {
  const core = new ServerCore("t");
  const conns: FakeConn[] = [];
  return {
    core,
    conns,
    admin: (line) => adminCommand(core, conns, line),
    conn: () => {
      const c = new FakeConn();
      conns.push(c);
      return c;
    },
  };
}

void describe("embedded gearman server: job logic", () => {
  void it("submit → grab → WORK_* reach the client; handles are H:<host>:<n>", () => {
    const { core, conn } = setup();
    const c = conn();
    const w = conn();
    req(core, c, PacketType.SUBMIT_JOB, "f", "u1", "payload");
    assert.deepEqual(c.take(), ["JOB_CREATED H:t:1"]);
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.GRAB_JOB_UNIQ);
    assert.deepEqual(w.take(), ["JOB_ASSIGN_UNIQ H:t:1 f u1 payload"]);
    req(core, w, PacketType.WORK_DATA, "H:t:1", "d1");
    req(core, w, PacketType.WORK_WARNING, "H:t:1", "w1");
    req(core, w, PacketType.WORK_STATUS, "H:t:1", "1", "4");
    req(core, c, PacketType.GET_STATUS, "H:t:1");
    req(core, w, PacketType.WORK_COMPLETE, "H:t:1", "done");
    assert.deepEqual(c.take(), [
      "WORK_DATA H:t:1 d1",
      "WORK_WARNING H:t:1 w1",
      "WORK_STATUS H:t:1 1 4",
      "STATUS_RES H:t:1 1 1 1 4",
      "WORK_COMPLETE H:t:1 done",
    ]);
    assert.equal(core.jobs.size, 0);
    req(core, c, PacketType.GET_STATUS, "H:t:1");
    assert.deepEqual(c.take(), ["STATUS_RES H:t:1 0 0 0 0"]); // docs/contract.md "Packet types": unknown handle
  });

  void it("GRAB_JOB answers JOB_ASSIGN, GRAB_JOB_ALL answers JOB_ASSIGN_UNIQ without a reducer; NO_JOB when empty", () => {
    const { core, conn } = setup();
    const c = conn();
    const w = conn();
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.GRAB_JOB);
    assert.deepEqual(w.take(), ["NO_JOB"]);
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "a");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "b");
    req(core, c, PacketType.SUBMIT_REDUCE_JOB, "f", "", "red", "c");
    req(core, w, PacketType.GRAB_JOB);
    req(core, w, PacketType.GRAB_JOB_ALL);
    req(core, w, PacketType.GRAB_JOB_ALL);
    assert.deepEqual(w.take(), ["JOB_ASSIGN H:t:1 f a", "JOB_ASSIGN_UNIQ H:t:2 f  b", "JOB_ASSIGN_ALL H:t:3 f  red c"]);
  });

  void it("NOOP goes to every sleeping worker of the function, once until it grabs again (docs/contract.md \"NOOP wakes every sleeping worker\")", () => {
    const { core, conn } = setup();
    const c = conn();
    const [w1, w2, w3] = [conn(), conn(), conn()];
    for (const w of [w1, w2]) req(core, w, PacketType.CAN_DO, "f");
    req(core, w3, PacketType.CAN_DO, "other");
    for (const w of [w1, w2, w3]) req(core, w, PacketType.PRE_SLEEP);
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "1");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "2");
    assert.deepEqual(w1.take(), ["NOOP"]);
    assert.deepEqual(w2.take(), ["NOOP"]);
    assert.deepEqual(w3.take(), []);
    // w1 grabs and sleeps again while a job is still queued: immediate NOOP (docs/contract.md "NOOP wakes every sleeping worker").
    req(core, w1, PacketType.GRAB_JOB_UNIQ);
    req(core, w1, PacketType.PRE_SLEEP);
    assert.deepEqual(w1.take(), ["JOB_ASSIGN_UNIQ H:t:1 f  1", "NOOP"]);
    req(core, w2, PacketType.GRAB_JOB_UNIQ);
    req(core, w2, PacketType.GRAB_JOB_UNIQ);
    req(core, w2, PacketType.PRE_SLEEP);
    assert.deepEqual(w2.take(), ["JOB_ASSIGN_UNIQ H:t:2 f  2", "NO_JOB"]);
    req(core, c, PacketType.SUBMIT_JOB_BG, "f", "", "3");
    assert.deepEqual(w2.take(), ["NOOP"]);
  });

  void it("coalesces by (function, unique) while queued or running; empty unique never coalesces (docs/contract.md \"Coalescing by unique id\")", () => {
    const { core, conn } = setup();
    const [c1, c2, c3, w] = [conn(), conn(), conn(), conn()];
    req(core, c1, PacketType.SUBMIT_JOB, "f", "u", "first");
    req(core, c2, PacketType.SUBMIT_JOB, "f", "u", "second");
    req(core, c3, PacketType.SUBMIT_JOB, "g", "u", "other function");
    req(core, c3, PacketType.SUBMIT_JOB, "f", "", "x");
    req(core, c3, PacketType.SUBMIT_JOB, "f", "", "x");
    assert.deepEqual([c1.take(), c2.take(), c3.take()], [
      ["JOB_CREATED H:t:1"],
      ["JOB_CREATED H:t:1"],
      ["JOB_CREATED H:t:2", "JOB_CREATED H:t:3", "JOB_CREATED H:t:4"],
    ]);
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.GRAB_JOB_UNIQ);
    assert.deepEqual(w.take(), ["JOB_ASSIGN_UNIQ H:t:1 f u first"]);
    req(core, c3, PacketType.SUBMIT_JOB, "f", "u", "while running");
    assert.deepEqual(c3.take(), ["JOB_CREATED H:t:1"]);
    req(core, w, PacketType.WORK_COMPLETE, "H:t:1", "r");
    for (const c of [c1, c2, c3]) assert.deepEqual(c.take(), ["WORK_COMPLETE H:t:1 r"]);
    req(core, c1, PacketType.SUBMIT_JOB, "f", "u", "after");
    assert.deepEqual(c1.take(), ["JOB_CREATED H:t:5"]);
    req(core, c1, PacketType.SUBMIT_JOB, "f", "-", "same");
    req(core, c1, PacketType.SUBMIT_JOB, "f", "-", "same");
    req(core, c1, PacketType.SUBMIT_JOB, "f", "-", "different");
    assert.deepEqual(c1.take(), ["JOB_CREATED H:t:6", "JOB_CREATED H:t:6", "JOB_CREATED H:t:7"]);
  });

  void it("HIGH > NORMAL > LOW within a function, FIFO inside; newest registered function first", () => {
    const { core, conn } = setup();
    const [c, w] = [conn(), conn()];
    req(core, c, PacketType.SUBMIT_JOB_LOW, "f", "", "low1");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "n1");
    req(core, c, PacketType.SUBMIT_JOB_HIGH_BG, "f", "", "h1");
    req(core, c, PacketType.SUBMIT_JOB_LOW_BG, "f", "", "low2");
    req(core, c, PacketType.SUBMIT_JOB_HIGH, "f", "", "h2");
    req(core, c, PacketType.SUBMIT_JOB_BG, "f", "", "n2");
    req(core, c, PacketType.SUBMIT_JOB, "g", "", "g1");
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.CAN_DO, "g");
    for (let i = 0; i < 8; i++) req(core, w, PacketType.GRAB_JOB);
    const order = w.take().map((l) => l.split(" ").at(-1));
    // docs/contract.md "Grab order": g was registered last, so it is tried first.
    assert.deepEqual(order, ["g1", "h1", "h2", "n1", "n2", "low1", "low2", "NO_JOB"]);
  });

  void it("worker loss, CANT_DO and RESET_ABILITIES requeue at the tail without telling clients (docs/contract.md \"gearmand requeues a job whose connection drops\")", () => {
    const { core, conn, admin } = setup();
    const [c, w1, w2] = [conn(), conn(), conn()];
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "a");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "b");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "c");
    req(core, w1, PacketType.CAN_DO, "f");
    req(core, w1, PacketType.GRAB_JOB);
    req(core, w1, PacketType.GRAB_JOB);
    req(core, w1, PacketType.WORK_STATUS, "H:t:1", "1", "2");
    c.take();
    core.disconnected(w1);
    assert.deepEqual(c.take(), []);
    assert.equal(admin("status"), "f\t3\t0\t0\n.\n");
    req(core, w2, PacketType.CAN_DO, "f");
    for (let i = 0; i < 3; i++) req(core, w2, PacketType.GRAB_JOB);
    // Requeued newest first, so the order of the two reverses (docs/contract.md "Several jobs on one connection").
    assert.deepEqual(w2.take().map((l) => l.split(" ").at(-1)), ["c", "b", "a"]);
    assert.match(admin("show jobs"), /^H:t:1\t1\t0\t0$/m);
    req(core, c, PacketType.GET_STATUS, "H:t:1");
    assert.deepEqual(c.take(), ["STATUS_RES H:t:1 1 1 0 0"]);
    req(core, w2, PacketType.CANT_DO, "f");
    assert.equal(admin("status"), "f\t3\t0\t0\n.\n");
    req(core, w2, PacketType.WORK_COMPLETE, "H:t:1", "late");
    assert.deepEqual(w2.take(), ["ERROR JOB_NOT_FOUND Job given in work result not found"]);
    req(core, w2, PacketType.CAN_DO, "f");
    req(core, w2, PacketType.GRAB_JOB);
    req(core, w2, PacketType.RESET_ABILITIES);
    assert.equal(admin("status"), "f\t3\t0\t0\n.\n");
    assert.deepEqual(c.take(), []);
  });

  void it("WORK_* from a connection that does not own the job → ERROR JOB_NOT_FOUND (docs/contract.md \"Only the owning connection may report\")", () => {
    const { core, conn } = setup();
    const [c, w, other] = [conn(), conn(), conn()];
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "a");
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.GRAB_JOB);
    req(core, other, PacketType.WORK_DATA, "H:t:1", "x");
    req(core, other, PacketType.WORK_COMPLETE, "H:t:1", "x");
    req(core, other, PacketType.WORK_FAIL, "H:nope:9");
    req(core, other, PacketType.WORK_EXCEPTION, "H:t:1", "x");
    // gearmand 1.1.20's texts differ per packet type (libgearman-server/server.cc).
    assert.deepEqual(other.take(), [
      "ERROR JOB_NOT_FOUND Job does not exist on server",
      "ERROR JOB_NOT_FOUND Job given in work result not found",
      "ERROR JOB_NOT_FOUND Job given in work result not found",
      "ERROR JOB_NOT_FOUND An exception was received for a job that does not exist",
    ]);
    assert.deepEqual(c.take(), ["JOB_CREATED H:t:1"]);
  });

  void it("WORK_EXCEPTION reaches OPTION_REQ exceptions clients; others get WORK_FAIL with a trailing NUL (docs/contract.md \"WORK_EXCEPTION reaches Zuul as WORK_FAIL\")", () => {
    const { core, conn } = setup();
    const [plain, opted, w] = [conn(), conn(), conn()];
    req(core, opted, PacketType.OPTION_REQ, "exceptions");
    req(core, opted, PacketType.OPTION_REQ, "bogus");
    req(core, plain, PacketType.SUBMIT_JOB, "f", "u", "a");
    req(core, opted, PacketType.SUBMIT_JOB, "f", "u", "a");
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.GRAB_JOB);
    req(core, w, PacketType.WORK_EXCEPTION, "H:t:1", "boom");
    assert.deepEqual(plain.take(), ["JOB_CREATED H:t:1", "WORK_FAIL H:t:1\\0"]);
    assert.deepEqual(opted.take(), [
      "OPTION_RES exceptions",
      "ERROR UNKNOWN_OPTION Server does not recognize given option",
      "JOB_CREATED H:t:1",
      "WORK_EXCEPTION H:t:1 boom",
    ]);
    assert.equal(core.jobs.size, 0);
  });

  void it("background jobs forward nothing; an abandoned queued foreground job is dropped by the next grab (docs/contract.md \"Admin status and workers\")", () => {
    const { core, conn, admin } = setup();
    const [c, w] = [conn(), conn()];
    req(core, c, PacketType.SUBMIT_JOB_BG, "f", "", "bg");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "fg");
    core.disconnected(c);
    assert.equal(admin("status"), "f\t2\t0\t0\n.\n");
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.GRAB_JOB);
    req(core, w, PacketType.WORK_DATA, "H:t:1", "ignored");
    req(core, w, PacketType.WORK_COMPLETE, "H:t:1", "");
    req(core, w, PacketType.GRAB_JOB);
    assert.deepEqual(w.take(), ["JOB_ASSIGN H:t:1 f bg", "NO_JOB"]);
    assert.equal(admin("status"), "f\t0\t0\t1\n.\n");
    assert.equal(core.jobs.size, 0);
  });

  void it("admin: status keeps a function with 0 workers, workers, cancel job, version, maxqueue, unknown (docs/contract.md \"Admin status and workers\")", () => {
    const { core, conn, admin } = setup();
    const [c, w] = [conn(), conn()];
    req(core, w, PacketType.SET_CLIENT_ID, "sidecar-1");
    req(core, w, PacketType.CAN_DO, "f");
    req(core, w, PacketType.CAN_DO_TIMEOUT, "g", "1000");
    assert.equal(admin("workers"), `${w.id} 127.0.0.1 sidecar-1 : f g\n${c.id} 127.0.0.1 - :\n.\n`);
    core.disconnected(w);
    assert.equal(admin("status"), "f\t0\t0\t0\ng\t0\t0\t0\n.\n");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "a");
    c.take();
    assert.equal(admin("cancel job H:t:1"), "OK\r\n");
    assert.deepEqual(c.take(), ["WORK_FAIL H:t:1"]);
    assert.equal(admin("cancel job H:t:99"), "ERR UNKNOWN_JOB\r\n");
    assert.equal(admin("status"), "f\t1\t0\t0\ng\t0\t0\t0\n.\n"); // dropped lazily
    assert.equal(admin("version"), "OK 1.1.20-embedded\n");
    assert.equal(admin("getpid"), `OK ${process.pid}\n`);
    assert.equal(admin("maxqueue f 1"), "OK\r\n");
    assert.equal(admin("maxqueue nosuch 1"), "OK\r\n");
    req(core, c, PacketType.SUBMIT_JOB, "f", "", "b");
    assert.deepEqual(c.take(), ["ERROR QUEUE_ERROR Job queue is full"]);
    assert.equal(admin("bogus"), "ERR UNKNOWN_COMMAND Unknown+server+commandbogus\r\n");
    assert.equal(admin("show jobs"), "H:t:1\t0\t1\t0\n.\n");
  });

  void it("answers ECHO, GET_STATUS_UNIQUE, a too long unique and unexpected packet types like gearmand", () => {
    const { core, conn } = setup();
    const c = conn();
    req(core, c, PacketType.ECHO_REQ, "hi\0there");
    req(core, c, PacketType.SUBMIT_JOB, "f", "x".repeat(65), "a");
    req(core, c, PacketType.SUBMIT_JOB, "f", "u1", "a");
    req(core, c, PacketType.GET_STATUS_UNIQUE, "u1");
    req(core, c, PacketType.GET_STATUS_UNIQUE, "zzz");
    req(core, c, PacketType.NOOP);
    req(core, c, PacketType.SUBMIT_JOB_SCHED, "f", "u", "1", "1", "1", "1", "1", "d");
    assert.deepEqual(c.take(), [
      "ECHO_RES hi\\0there",
      "ERROR ARGUMENT_TOO_LARGE Unique value too large",
      "JOB_CREATED H:t:1",
      "STATUS_RES_UNIQUE u1 1 0 0 0 1",
      "STATUS_RES_UNIQUE zzz 0 0 0 0 0",
      "ERROR INVALID_COMMAND Command not expected",
      "ERROR INVALID_COMMAND Command not expected",
    ]);
  });

  void it("handles thousands of functions and jobs quickly", () => {
    const { core, conn } = setup();
    const [c, w] = [conn(), conn()];
    for (let i = 0; i < 2000; i++) req(core, w, PacketType.CAN_DO, `fn${i}`);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) req(core, c, PacketType.SUBMIT_JOB_BG, `fn${i % 2000}`, "", "x");
    let assigned = 0;
    for (let i = 0; i < 20_000; i++) {
      req(core, w, PacketType.GRAB_JOB_UNIQ);
      const handle = w.out.pop()?.split(" ")[1] ?? "";
      if (handle.startsWith("H:t:")) assigned++;
      req(core, w, PacketType.WORK_COMPLETE, handle, "");
    }
    const ms = performance.now() - t0;
    assert.equal(core.jobs.size, 0);
    assert.equal(assigned, 20_000);
    assert.deepEqual(w.out, []);
    assert.ok(ms < 5000, `20k jobs over 2000 functions took ${ms.toFixed(0)} ms`);
  });
});
