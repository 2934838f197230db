/**
 * CURVE helpers: key generation and checks, and a ZAP handler (ZeroMQ RFC 27) that admits only
 * listed client public keys. Without a ZAP handler a CURVE server admits any client that knows
 * its public key.
 */
import type { Logger } from "pino";
import { type Context, Router, capability, curveKeyPair } from "zeromq";

import { coerceError, describeError } from "../util/index.js";
import { CurveKeyError } from "./errors.js";

export interface CurveKeyPair {
  /** Z85, 40 characters. */
  publicKey: string;
  /** Z85, 40 characters. Keep it secret. */
  secretKey: string;
}

/** A new CURVE key pair (zeromq's curveKeyPair). */
export function generateCurveKeyPair(): CurveKeyPair {
  assertCurveAvailable();
  const { publicKey, secretKey } = curveKeyPair();
  return { publicKey, secretKey };
}

export function assertCurveAvailable(): void {
  if (!capability.curve) throw new CurveKeyError("setup", "this libzmq was built without CURVE support");
}

const Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
const Z85_RE = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Throws CurveKeyError unless `key` is a 40-character Z85 string (a 32-byte key). */
export function assertZ85Key(which: string, key: string): void {
  if (!Z85_RE.test(key)) {
    throw new CurveKeyError(which, `expected 40 Z85 characters, got ${key.length} character(s)${key.length === 40 ? " with invalid ones" : ""}`);
  }
}

/** Z85-encodes bytes whose length is a multiple of 4 (ZeroMQ RFC 32). */
export function z85Encode(bytes: Uint8Array): string {
  if (bytes.length % 4 !== 0) throw new RangeError(`z85Encode needs a multiple of 4 bytes, got ${bytes.length}`);
  let out = "";
  for (let i = 0; i < bytes.length; i += 4) {
    let value = ((bytes[i] ?? 0) * 0x1000000 + ((bytes[i + 1] ?? 0) << 16)) + ((bytes[i + 2] ?? 0) << 8) + (bytes[i + 3] ?? 0);
    const chunk: string[] = [];
    for (let j = 0; j < 5; j++) {
      chunk.unshift(Z85.charAt(value % 85));
      value = Math.floor(value / 85);
    }
    out += chunk.join("");
  }
  return out;
}

/** The ZAP endpoint libzmq asks, per context. */
export const ZAP_ENDPOINT = "inproc://zeromq.zap.01";

export interface ZapHandlerOptions {
  context: Context;
  /** Z85 public keys of the clients allowed in. */
  allowedClientKeys: readonly string[];
  logger: Logger;
  /** Called with the refused client's Z85 key and its address. */
  onRefused?: (clientKey: string, address: string) => void;
}

/**
 * Answers ZAP requests on its context: 200 for a listed client key, 400 for anything else.
 * Only one handler can be bound per context, so the publisher gives it a private context.
 */
export class ZapHandler {
  readonly #router: Router;
  readonly #allowed: ReadonlySet<string>;
  readonly #log: Logger;
  readonly #onRefused: ((clientKey: string, address: string) => void) | undefined;
  #loop: Promise<void> | undefined;

  constructor(o: ZapHandlerOptions) {
    o.allowedClientKeys.forEach((k, i) => assertZ85Key(`allowedClientKeys[${i}]`, k));
    this.#allowed = new Set(o.allowedClientKeys);
    this.#log = o.logger;
    this.#onRefused = o.onRefused;
    this.#router = new Router({ context: o.context, linger: 0 });
  }

  async start(): Promise<void> {
    await this.#router.bind(ZAP_ENDPOINT);
    this.#loop = this.#serve().catch((e: unknown) => {
      if (!this.#router.closed) this.#log.error({ err: coerceError(e) }, `ZAP handler stopped: ${describeError(e)}; CURVE clients can no longer be admitted`);
    });
  }

  async #serve(): Promise<void> {
    for await (const frames of this.#router) {
      const [routing, delimiter, version, requestId, , address, , mechanism, credential] = frames;
      if (routing === undefined || delimiter === undefined || requestId === undefined) continue;
      let status = "400";
      let text = "client key not allowed";
      let clientKey = "";
      if (version?.toString() !== "1.0") {
        status = "500";
        text = "unsupported ZAP version";
      } else if (mechanism?.toString() !== "CURVE" || credential?.length !== 32) {
        text = "CURVE required";
      } else {
        clientKey = z85Encode(credential);
        if (this.#allowed.has(clientKey)) {
          status = "200";
          text = "OK";
        }
      }
      if (status !== "200") {
        const addr = address?.toString() ?? "";
        this.#log.warn({ clientKey, address: addr }, `refused an event subscriber: ${text}; add its public key to allowedClientKeys to admit it`);
        this.#onRefused?.(clientKey, addr);
      }
      await this.#router.send([routing, delimiter, "1.0", requestId, status, text, status === "200" ? clientKey : "", ""]);
    }
  }

  async close(): Promise<void> {
    this.#router.close();
    await this.#loop;
  }
}
