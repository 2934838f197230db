import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  AdminReplyParser,
  encode,
  GearmanProtocolError,
  GearmanServerError,
  PacketParser,
  PacketType,
  PROTOCOL_ERROR,
  parseStatus,
  parseWorkers,
  type AdminReply,
  type Packet,
} from "../../../src/gearman/index.js";

/** mulberry32: a small seeded PRNG so the fuzz test is reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sampleStream(): Buffer {
  return Buffer.concat([
    encode("RES", PacketType.NOOP),
    encode("RES", PacketType.JOB_ASSIGN_UNIQ, ["H:vm:1", "build:foo", "uuid-1", Buffer.from('{"a":1}\0tail')]),
    encode("RES", PacketType.NO_JOB),
    encode("RES", PacketType.WORK_DATA, ["H:vm:1", Buffer.alloc(3000, 7)]),
    encode("RES", PacketType.STATUS_RES, ["H:vm:1", "1", "0", "3", "10"]),
    encode("RES", PacketType.ERROR, ["JOB_NOT_FOUND", "Job given in work result not found"]),
    encode("REQ", PacketType.WORK_FAIL, ["H:vm:2\0"]),
  ]);
}

function parseAll(chunks: Buffer[], opts: { admin?: string[]; max?: number } = {}): Packet[] {
  const out: Packet[] = [];
  const p = new PacketParser({
    onPacket: (x) => out.push(x),
    ...(opts.admin ? { onAdminLine: (l: string) => opts.admin!.push(l) } : {}),
    ...(opts.max !== undefined ? { maxBodyBytes: opts.max } : {}),
  });
  for (const c of chunks) p.push(c);
  return out;
}

void describe("PacketParser", () => {
  void it("gives identical packets fed one byte at a time and as one merged chunk", () => {
    const s = sampleStream();
    const whole = parseAll([s]);
    const bytewise = parseAll([...s].map((b) => Buffer.from([b])));
    assert.equal(whole.length, 7);
    assert.deepEqual(bytewise, whole);
  });

  void it("gives identical packets for every two-way split point", () => {
    const s = sampleStream().subarray(0, 200);
    const whole = parseAll([s]);
    for (let i = 0; i <= s.length; i++) assert.deepEqual(parseAll([s.subarray(0, i), s.subarray(i)]), whole);
  });

  void it("keeps NULs inside the last argument", () => {
    const [, assign] = parseAll([sampleStream()]);
    assert.deepEqual(assign!.args.map((a) => a.toString("latin1")), ["H:vm:1", "build:foo", "uuid-1", '{"a":1}\0tail']);
  });

  void it("reassembles a large body split in many chunks", () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
    const b = encode("RES", PacketType.WORK_COMPLETE, ["H:1", big]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < b.length; i += 65536) chunks.push(b.subarray(i, i + 65536));
    const [p] = parseAll(chunks);
    assert.ok(p!.args[1]!.equals(big));
  });

  void it("throws GearmanProtocolError on a body over maxBodyBytes, from the header alone", () => {
    const b = encode("RES", PacketType.WORK_DATA, ["H:1", Buffer.alloc(2000)]);
    assert.throws(() => parseAll([b.subarray(0, 12)], { max: 1024 }), GearmanProtocolError);
    assert.throws(() => parseAll([b.subarray(0, 12)], { max: 1024 }), { kind: PROTOCOL_ERROR.tooLarge });
    assert.equal(parseAll([b], { max: 2048 }).length, 1);
  });

  void it("throws GearmanProtocolError on bad magic, even before 12 bytes arrive", () => {
    assert.throws(() => parseAll([Buffer.from("\0REX\0\0\0\x06\0\0\0\0", "latin1")]), GearmanProtocolError);
    assert.throws(() => parseAll([Buffer.from("\0X", "latin1")]), GearmanProtocolError);
    // docs/contract.md "Framing": a non-NUL first byte is text; without a text handler it is a bad magic
    assert.throws(() => parseAll([Buffer.from("status\n")]), GearmanProtocolError);
    // The kind, not the message, tells the embedded server to answer ERROR INVALID_MAGIC.
    for (const bytes of ["\0REX\0\0\0\x06\0\0\0\0", "\0X", "status\n"]) {
      assert.throws(() => parseAll([Buffer.from(bytes, "latin1")]), { kind: PROTOCOL_ERROR.badMagic });
    }
  });

  void it("throws GearmanProtocolError on an unknown type (5, 43)", () => {
    for (const t of [0, 5, 43, 1000]) {
      const h = Buffer.alloc(12);
      Buffer.from("\0RES", "latin1").copy(h);
      h.writeUInt32BE(t, 4);
      assert.throws(() => parseAll([h]), GearmanProtocolError);
      assert.throws(() => parseAll([h]), { kind: PROTOCOL_ERROR.unknownType });
    }
  });

  void it("stays failed after an error (the caller must drop the connection)", () => {
    const p = new PacketParser({ onPacket: () => undefined });
    assert.throws(() => p.push(Buffer.from("\0BAD")), GearmanProtocolError);
    assert.throws(() => p.push(encode("RES", PacketType.NOOP)), GearmanProtocolError);
  });

  void it("frames admin text lines mixed with binary packets (server side), CRLF stripped", () => {
    const admin: string[] = [];
    const s = Buffer.concat([
      Buffer.from("status\r\n"),
      encode("REQ", PacketType.ECHO_REQ, ["x"]),
      Buffer.from("workers\n"),
    ]);
    const pk = parseAll([...s].map((b) => Buffer.from([b])), { admin });
    assert.deepEqual(admin, ["status", "workers"]);
    assert.equal(pk.length, 1);
    assert.throws(() => parseAll([Buffer.alloc(100, 0x61)], { admin: [], max: 50 }), GearmanProtocolError);
  });

  void it("fuzz: random and mutated streams either parse or throw GearmanProtocolError (seeded, bounded)", () => {
    const rnd = prng(0xc0ffee);
    const base = sampleStream();
    let parsed = 0;
    let rejected = 0;
    for (let iter = 0; iter < 1500; iter++) {
      let s: Buffer;
      if (iter % 3 === 0) {
        s = Buffer.alloc(Math.floor(rnd() * 300));
        for (let i = 0; i < s.length; i++) s[i] = rnd() < 0.3 ? 0 : Math.floor(rnd() * 256);
      } else {
        s = Buffer.from(base);
        const edits = 1 + Math.floor(rnd() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(rnd() * s.length);
          const op = rnd();
          if (op < 0.5) s[at] = Math.floor(rnd() * 256);
          else if (op < 0.75) s = Buffer.concat([s.subarray(0, at), s.subarray(at + 1 + Math.floor(rnd() * 20))]);
          else s = Buffer.concat([s.subarray(0, at), Buffer.from([Math.floor(rnd() * 256)]), s.subarray(at)]);
        }
      }
      const chunks: Buffer[] = [];
      for (let i = 0; i < s.length; ) {
        const n = 1 + Math.floor(rnd() * 64);
        chunks.push(s.subarray(i, i + n));
        i += n;
      }
      const withText = iter % 2 === 0;
      try {
        parseAll(chunks, { max: 4096, ...(withText ? { admin: [] } : {}) });
        parsed++;
      } catch (e) {
        assert.ok(e instanceof GearmanProtocolError, `iteration ${iter}: unexpected ${String(e)}`);
        rejected++;
      }
    }
    assert.ok(parsed > 0 && rejected > 0, `parsed ${parsed}, rejected ${rejected}`);
  });
});

void describe("AdminReplyParser", () => {
  function collect(kinds: ("multi" | "single")[], chunks: string[]): AdminReply[] {
    const out: AdminReply[] = [];
    const p = new AdminReplyParser({ onReply: (r) => out.push(r) });
    for (const k of kinds) p.expect(k);
    for (const c of chunks) p.push(Buffer.from(c));
    return out;
  }

  void it("completes a multi-line reply on a '.' line, across chunk splits, in FIFO order", () => {
    // docs/contract.md "Admin status and workers": multi-line replies end with a line holding only "."; one-line replies are OK/ERR
    const text = "build:a\t1\t0\t2\nbuild:b\t0\t0\t1\n.\nOK 1.1.20+ds\n";
    const whole = collect(["multi", "single"], [text]);
    const split = collect(["multi", "single"], [...text]);
    assert.deepEqual(split, whole);
    assert.deepEqual(whole[0]!.lines, ["build:a\t1\t0\t2", "build:b\t0\t0\t1"]);
    assert.deepEqual(whole[1]!.lines, ["OK 1.1.20+ds"]);
  });

  void it("completes on a single ERR line even for a multi command, URL-decoding the text", () => {
    const [r] = collect(["multi"], ["ERR UNKNOWN_COMMAND Unknown+server+command\r\n"]);
    assert.ok(r!.error instanceof GearmanServerError);
    assert.equal(r!.error.code, "UNKNOWN_COMMAND");
    assert.match(r!.error.message, /Unknown server command/);
  });

  void it("completes an empty multi reply", () => {
    assert.deepEqual(collect(["multi"], [".\n"])[0]!.lines, []);
  });

  void it("rejects output nobody asked for", () => {
    assert.throws(() => collect([], ["OK\n"]), GearmanProtocolError);
  });
});

void describe("admin reply parsing", () => {
  void it("parseStatus splits on TAB from the right, so names with spaces (and tabs) survive", () => {
    assert.deepEqual(parseStatus("build:my job\t3\t1\t2\nweird\tname\t0\t0\t0\n.\n"), [
      { name: "build:my job", total: 3, running: 1, workers: 2 },
      { name: "weird\tname", total: 0, running: 0, workers: 0 },
    ]);
    assert.throws(() => parseStatus("garbage\n"), GearmanProtocolError);
  });

  void it("parseWorkers reads fd, ip, client id and functions; admin connections have none", () => {
    assert.deepEqual(parseWorkers("33 127.0.0.1 sidecar-1 : build:a build:b\n34 ::1 - :\n.\n"), [
      { fd: 33, ip: "127.0.0.1", clientId: "sidecar-1", functions: ["build:a", "build:b"] },
      { fd: 34, ip: "::1", clientId: "-", functions: [] },
    ]);
  });
});
