/**
 * Incremental stream parsers. `PacketParser` frames binary packets (and, for the embedded
 * server, admin text lines) from chunks split anywhere; `AdminReplyParser` frames the
 * replies of the admin text protocol on the client side (docs/contract.md "Framing", "Admin status and workers").
 */
import { decodeBody, type Packet } from "./codec.js";
import { DEFAULT_MAX_BODY_BYTES, HEADER_BYTES, isPacketType, Magic } from "./constants.js";
import { GearmanProtocolError, GearmanServerError, PROTOCOL_ERROR } from "./errors.js";

/** Queue of received chunks; copies only when a frame spans chunks (no O(n²) on big bodies). */
class ChunkQueue {
  readonly #chunks: Buffer[] = [];
  #head = 0; // offset into #chunks[0]
  length = 0;

  push(b: Buffer): void {
    if (b.length === 0) return;
    this.#chunks.push(b);
    this.length += b.length;
  }

  byteAt(i: number): number {
    let idx = i + this.#head;
    for (const c of this.#chunks) {
      if (idx < c.length) return c.readUInt8(idx);
      idx -= c.length;
    }
    throw new RangeError("ChunkQueue.byteAt past end");
  }

  /** Index of the first `byte` at or after `from`, or -1; searches at most `limit` bytes. */
  indexOf(byte: number, limit: number): number {
    let base = 0;
    let first = true;
    for (const c of this.#chunks) {
      const start = first ? this.#head : 0;
      const found = c.indexOf(byte, start);
      const span = c.length - start;
      if (found >= 0 && base + (found - start) < limit) return base + (found - start);
      base += span;
      first = false;
      if (base >= limit) return -1;
    }
    return -1;
  }

  /** Removes and returns the next n bytes. */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError("ChunkQueue.take past end");
    this.length -= n;
    const first = this.#chunks[0];
    if (first !== undefined && first.length - this.#head >= n) {
      const out = first.subarray(this.#head, this.#head + n);
      this.#head += n;
      if (this.#head === first.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
      return out;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.#chunks[0];
      if (c === undefined) throw new RangeError("ChunkQueue.take past end");
      const avail = c.length - this.#head;
      const k = Math.min(avail, n - off);
      c.copy(out, off, this.#head, this.#head + k);
      off += k;
      this.#head += k;
      if (this.#head === c.length) {
        this.#chunks.shift();
        this.#head = 0;
      }
    }
    return out;
  }
}

export interface PacketParserOptions {
  /** Called once per complete binary packet, in stream order. */
  onPacket(p: Packet): void;
  /**
   * Called per admin text line (without CR/LF). When absent, a non-NUL first byte of a
   * frame is a protocol error (bad magic): only the embedded server accepts text.
   */
  onAdminLine?(line: string): void;
  /** Largest accepted packet body, and admin line. @default 67108864 (64 MiB) */
  maxBodyBytes?: number;
}

/**
 * Binary-versus-text is decided per frame from its first byte: NUL starts a binary packet,
 * anything else an admin line (this is what gearmand does). After a throw the parser is
 * poisoned: the caller must drop the connection.
 */
export class PacketParser {
  readonly #opts: PacketParserOptions;
  readonly #max: number;
  readonly #q = new ChunkQueue();
  #header: { magic: "REQ" | "RES"; type: Packet["type"]; size: number } | undefined;
  #failed: GearmanProtocolError | undefined;

  constructor(opts: PacketParserOptions) {
    this.#opts = opts;
    this.#max = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  /** Feeds bytes; calls back for every complete frame. @throws GearmanProtocolError */
  push(chunk: Buffer): void {
    if (this.#failed) throw this.#failed;
    this.#q.push(chunk);
    try {
      while (this.#step()) {
        /* keep framing */
      }
    } catch (e) {
      if (e instanceof GearmanProtocolError) this.#failed = e;
      throw e;
    }
  }

  /** Frames one packet or line; false when more bytes are needed. */
  #step(): boolean {
    const q = this.#q;
    if (this.#header === undefined) {
      if (q.length === 0) return false;
      if (q.byteAt(0) !== 0) return this.#textLine();
      if (q.length < HEADER_BYTES) {
        // Reject a bad magic as soon as its bytes are here, not only at 12 bytes.
        this.#checkMagicPrefix(Math.min(q.length, 4));
        return false;
      }
      const head = q.take(HEADER_BYTES);
      const magic = head.subarray(0, 4);
      const m = magic.equals(Magic.REQ) ? "REQ" : magic.equals(Magic.RES) ? "RES" : undefined;
      if (m === undefined) throw new GearmanProtocolError(`bad gearman magic 0x${magic.toString("hex")}`, { kind: PROTOCOL_ERROR.badMagic });
      const type = head.readUInt32BE(4);
      if (!isPacketType(type)) throw new GearmanProtocolError(`unknown gearman packet type ${type}`, { kind: PROTOCOL_ERROR.unknownType });
      const size = head.readUInt32BE(8);
      if (size > this.#max) {
        throw new GearmanProtocolError(`gearman packet body of ${size} bytes exceeds the limit of ${this.#max} bytes`, { kind: PROTOCOL_ERROR.tooLarge });
      }
      this.#header = { magic: m, type, size };
    }
    const h = this.#header;
    if (q.length < h.size) return false;
    const body = h.size === 0 ? Buffer.alloc(0) : q.take(h.size);
    this.#header = undefined;
    this.#opts.onPacket({ magic: h.magic, type: h.type, args: decodeBody(h.type, body) });
    return true;
  }

  #checkMagicPrefix(n: number): void {
    for (let i = 1; i < n; i++) {
      const b = this.#q.byteAt(i);
      if (b !== Magic.REQ[i] && b !== Magic.RES[i]) {
        throw new GearmanProtocolError(`bad gearman magic: byte ${i} is 0x${b.toString(16)}`, { kind: PROTOCOL_ERROR.badMagic });
      }
    }
  }

  #textLine(): boolean {
    if (!this.#opts.onAdminLine) {
      throw new GearmanProtocolError(`bad gearman magic: expected a NUL byte, got 0x${this.#q.byteAt(0).toString(16)}`, { kind: PROTOCOL_ERROR.badMagic });
    }
    const nl = this.#q.indexOf(0x0a, this.#max + 2);
    if (nl < 0) {
      if (this.#q.length > this.#max + 1) {
        throw new GearmanProtocolError(`gearman admin line exceeds the limit of ${this.#max} bytes`, { kind: PROTOCOL_ERROR.tooLarge });
      }
      return false;
    }
    const raw = this.#q.take(nl + 1);
    let end = raw.length - 1;
    if (end > 0 && raw[end - 1] === 0x0d) end--;
    this.#opts.onAdminLine(raw.subarray(0, end).toString("utf8"));
    return true;
  }
}

/** How an admin command's reply ends: "multi" on a "." line, "single" on its first line. */
export type AdminReplyKind = "multi" | "single";

export interface AdminReply {
  kind: AdminReplyKind;
  /** Lines without CR/LF and without the final "." */
  lines: string[];
  /** Set when the reply was an `ERR <code> <text>` line (text URL-decoded). */
  error?: GearmanServerError;
}

export interface AdminReplyParserOptions {
  onReply(r: AdminReply): void;
  /** Largest accepted reply. @default 67108864 (64 MiB) */
  maxBytes?: number;
}

/**
 * Client side of the admin text protocol. Call `expect(kind)` per command sent, in order;
 * replies are delivered FIFO. A reply that starts with `ERR ` completes at once whatever
 * the kind (gearmand answers an unknown command with one ERR line).
 */
export class AdminReplyParser {
  readonly #opts: AdminReplyParserOptions;
  readonly #max: number;
  readonly #expect: AdminReplyKind[] = [];
  #partial = "";
  #lines: string[] = [];
  #bytes = 0;

  constructor(opts: AdminReplyParserOptions) {
    this.#opts = opts;
    this.#max = opts.maxBytes ?? DEFAULT_MAX_BODY_BYTES;
  }

  expect(kind: AdminReplyKind): void {
    this.#expect.push(kind);
  }

  /** @throws GearmanProtocolError on data nobody asked for, or a reply over the limit */
  push(chunk: Buffer): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#max) throw new GearmanProtocolError(`gearman admin reply exceeds ${this.#max} bytes`, { kind: PROTOCOL_ERROR.tooLarge });
    const text = this.#partial + chunk.toString("latin1");
    const parts = text.split("\n");
    this.#partial = parts.pop() ?? "";
    for (const raw of parts) this.#line(Buffer.from(raw.endsWith("\r") ? raw.slice(0, -1) : raw, "latin1").toString("utf8"));
  }

  #line(line: string): void {
    const kind = this.#expect[0];
    if (kind === undefined) throw new GearmanProtocolError(`unexpected gearman admin output: ${JSON.stringify(line)}`);
    if (this.#lines.length === 0 && line.startsWith("ERR ")) {
      this.#finish(kind, [line], parseErrLine(line));
      return;
    }
    if (kind === "single") {
      this.#finish(kind, [line]);
      return;
    }
    if (line === ".") {
      this.#finish(kind, this.#lines);
      return;
    }
    this.#lines.push(line);
  }

  #finish(kind: AdminReplyKind, lines: string[], error?: GearmanServerError): void {
    this.#expect.shift();
    this.#lines = [];
    this.#bytes = this.#partial.length;
    this.#opts.onReply(error ? { kind, lines, error } : { kind, lines });
  }
}

/** `ERR UNKNOWN_COMMAND Unknown+server+command` → GearmanServerError("UNKNOWN_COMMAND", "Unknown server command"). */
export function parseErrLine(line: string): GearmanServerError {
  const rest = line.slice(4);
  const sp = rest.indexOf(" ");
  const code = sp < 0 ? rest : rest.slice(0, sp);
  const raw = sp < 0 ? "" : rest.slice(sp + 1);
  let text: string;
  try {
    text = decodeURIComponent(raw.replace(/\+/g, " "));
  } catch {
    text = raw;
  }
  return new GearmanServerError(code, text);
}
