import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ArgCount, decodeBody, encode, GearmanProtocolError, PacketParser, PacketType, type Packet, type PacketTypeNumber } from "../../../src/gearman/index.js";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");

// docs/contract.md "Framing": \0REQ|\0RES, type u32be, size u32be, NUL-separated args, last arg opaque.
const GOLDEN: { name: string; magic: "REQ" | "RES"; type: PacketTypeNumber; args: string[]; hex: string }[] = [
  { name: "CAN_DO f1", magic: "REQ", type: PacketType.CAN_DO, args: ["f1"], hex: "00524551 00000001 00000002 6631" },
  { name: "NOOP", magic: "RES", type: PacketType.NOOP, args: [], hex: "00524553 00000006 00000000" },
  { name: "GRAB_JOB_UNIQ", magic: "REQ", type: PacketType.GRAB_JOB_UNIQ, args: [], hex: "00524551 0000001e 00000000" },
  {
    name: "SUBMIT_JOB reverse, empty unique, test",
    magic: "REQ",
    type: PacketType.SUBMIT_JOB,
    args: ["reverse", "", "test"],
    hex: "00524551 00000007 0000000d 72657665727365 00 00 74657374",
  },
  {
    name: "WORK_STATUS H:vm:1 1/2",
    magic: "REQ",
    type: PacketType.WORK_STATUS,
    args: ["H:vm:1", "1", "2"],
    hex: "00524551 0000000c 0000000a 483a766d3a31 00 31 00 32",
  },
  {
    name: "JOB_ASSIGN_UNIQ with NUL in data",
    magic: "RES",
    type: PacketType.JOB_ASSIGN_UNIQ,
    args: ["H:x:1", "fn", "u", "a\0b"],
    hex: "00524553 0000001f 0000000e 483a783a31 00 666e 00 75 00 610062",
  },
  { name: "JOB_CREATED", magic: "RES", type: PacketType.JOB_CREATED, args: ["H:vm:2"], hex: "00524553 00000008 00000006 483a766d3a32" },
];

void describe("gearman codec", () => {
  for (const g of GOLDEN) {
    void it(`encodes the golden bytes of ${g.name}`, () => {
      assert.equal(encode(g.magic, g.type, g.args).toString("hex"), hex(g.hex).toString("hex"));
    });
    void it(`decodes the golden bytes of ${g.name}`, () => {
      const got: Packet[] = [];
      new PacketParser({ onPacket: (p) => got.push(p) }).push(hex(g.hex));
      assert.equal(got.length, 1);
      assert.equal(got[0]!.magic, g.magic);
      assert.equal(got[0]!.type, g.type);
      assert.deepEqual(got[0]!.args.map((a) => a.toString("latin1")), g.args);
    });
  }

  void it("round-trips every packet type 1-42 with both magics", () => {
    const types = Object.values(PacketType);
    assert.equal(types.length, 41); // 1..42 without the unused 5
    for (const type of types) {
      const n = ArgCount[type];
      const args = Array.from({ length: n }, (_, i) => (i === n - 1 ? Buffer.from(`last\0with\0nul-${type}`) : Buffer.from(`arg${i}`)));
      for (const magic of ["REQ", "RES"] as const) {
        const bytes = encode(magic, type, args);
        assert.equal(bytes.readUInt32BE(4), type);
        assert.equal(bytes.readUInt32BE(8), bytes.length - 12);
        assert.deepEqual(decodeBody(type, bytes.subarray(12)), args);
        const got: Packet[] = [];
        new PacketParser({ onPacket: (p) => got.push(p) }).push(bytes);
        assert.deepEqual(got, [{ magic, type, args }]);
      }
    }
  });

  void it("keeps NULs in the last argument (it is opaque)", () => {
    const data = Buffer.from([0, 0, 1, 0, 2, 0]);
    const b = encode("REQ", PacketType.WORK_COMPLETE, ["H:1", data]);
    assert.deepEqual(decodeBody(PacketType.WORK_COMPLETE, b.subarray(12)), [Buffer.from("H:1"), data]);
  });

  void it("keeps an empty last argument and empty middle arguments", () => {
    const b = encode("REQ", PacketType.SUBMIT_JOB, ["f", "", ""]);
    assert.deepEqual(decodeBody(PacketType.SUBMIT_JOB, b.subarray(12)).map(String), ["f", "", ""]);
  });

  void it("refuses a wrong argument count and a NUL inside a non-last argument", () => {
    assert.throws(() => encode("REQ", PacketType.CAN_DO, []), RangeError);
    assert.throws(() => encode("REQ", PacketType.NOOP, ["x"]), RangeError);
    assert.throws(() => encode("REQ", PacketType.SUBMIT_JOB, ["f\0x", "", "d"]), RangeError);
  });

  void it("rejects a body with too few separators, or a body on a bodiless type", () => {
    assert.throws(() => decodeBody(PacketType.JOB_ASSIGN_UNIQ, Buffer.from("H:1\0fn")), GearmanProtocolError);
    assert.throws(() => decodeBody(PacketType.NOOP, Buffer.from("x")), GearmanProtocolError);
  });

  void it("encodes strings as UTF-8", () => {
    const b = encode("REQ", PacketType.CAN_DO, ["build:été"]);
    assert.equal(decodeBody(PacketType.CAN_DO, b.subarray(12))[0]!.toString("utf8"), "build:été");
  });
});
