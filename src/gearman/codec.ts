/** Pure packet encoding/decoding (docs/contract.md "Framing"). No sockets here. */
import { ArgCount, HEADER_BYTES, Magic, packetTypeName, type MagicName, type PacketTypeNumber } from "./constants.js";
import { GearmanProtocolError } from "./errors.js";

export interface Packet {
  magic: MagicName;
  type: PacketTypeNumber;
  args: Buffer[];
}

/**
 * Argument `i` of a decoded packet. decodeBody gives every packet exactly its type's argument
 * count, so a missing one means a caller asked for an index its type does not have.
 * @throws GearmanProtocolError
 */
export function argAt(p: Packet, i: number): Buffer {
  const a = p.args[i];
  if (a === undefined) throw new GearmanProtocolError(`gearman ${packetTypeName(p.type)} has no argument ${i}`);
  return a;
}

function toBuffer(a: Buffer | string): Buffer {
  return typeof a === "string" ? Buffer.from(a, "utf8") : a;
}

/**
 * Encodes one binary packet. `args` must have exactly the argument count of `type`; every
 * argument but the last must be free of NUL bytes (they are the separators).
 * @throws RangeError on a wrong argument count or a NUL inside a non-last argument
 */
export function encode(magic: MagicName, type: PacketTypeNumber, args: ReadonlyArray<Buffer | string> = []): Buffer {
  const want = ArgCount[type];
  if (args.length !== want) {
    throw new RangeError(`gearman ${packetTypeName(type)} takes ${want} argument(s), got ${args.length}`);
  }
  const bufs = args.map(toBuffer);
  let size = bufs.length > 0 ? bufs.length - 1 : 0;
  for (const [i, b] of bufs.entries()) {
    if (i < bufs.length - 1 && b.includes(0)) {
      throw new RangeError(`gearman ${packetTypeName(type)} argument ${i} contains a NUL byte`);
    }
    size += b.length;
  }
  if (size > 0xffffffff) throw new RangeError(`gearman packet body too large (${size} bytes)`);
  const out = Buffer.allocUnsafe(HEADER_BYTES + size);
  Magic[magic].copy(out, 0);
  out.writeUInt32BE(type, 4);
  out.writeUInt32BE(size, 8);
  let off = HEADER_BYTES;
  for (const [i, b] of bufs.entries()) {
    b.copy(out, off);
    off += b.length;
    if (i < bufs.length - 1) out[off++] = 0;
  }
  return out;
}

/**
 * Splits a body into the argument count of `type`: the first N-1 arguments on NUL, the
 * last is the rest (it may contain NULs). The returned buffers are views into `body`.
 * @throws GearmanProtocolError when the body has too few separators, or a body arrives for
 *   a type that takes none
 */
export function decodeBody(type: PacketTypeNumber, body: Buffer): Buffer[] {
  const want = ArgCount[type];
  if (want === 0) {
    if (body.length > 0) {
      throw new GearmanProtocolError(`gearman ${packetTypeName(type)} must have an empty body, got ${body.length} bytes`);
    }
    return [];
  }
  const args: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < want - 1; i++) {
    const nul = body.indexOf(0, start);
    if (nul < 0) {
      throw new GearmanProtocolError(
        `gearman ${packetTypeName(type)} needs ${want} arguments, body has only ${i + 1}`,
      );
    }
    args.push(body.subarray(start, nul));
    start = nul + 1;
  }
  args.push(body.subarray(start));
  return args;
}
