/**
 * Files the configuration names (TLS material for Gearman, CURVE keys for events): checked at
 * load (a missing or unreadable one is a ConfigError naming its key, exit 2) and read where the
 * daemon needs their contents.
 */
import { constants, readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import type { ConnectionOptions } from "node:tls";

import { ConfigError } from "./errors.js";
import { originOf } from "./merge.js";
import type { Config, TlsOptions } from "./types.js";

async function readable(key: string, path: string, origins: ReadonlyMap<string, string>): Promise<void> {
  try {
    await access(path, constants.R_OK);
  } catch (e) {
    const source = originOf(origins, key);
    throw new ConfigError(key, `${key}: cannot read "${path}"${source !== null ? ` (from ${source})` : ""}`, { cause: e, source });
  }
}

export async function checkReadableFiles(
  gearman: Config["gearman"],
  curve: { secretKeyFile: string; allowedClientKeysFile?: string | null | undefined } | null,
  origins: ReadonlyMap<string, string>,
): Promise<void> {
  for (const [i, s] of gearman.servers.entries()) {
    for (const f of ["ca", "cert", "key"] as const) {
      const path = s.tls?.[f];
      if (path !== undefined) await readable(`gearman.servers[${i}].tls.${f}`, path, origins);
    }
  }
  if (curve !== null) {
    await readable("zmq.curve.secretKeyFile", curve.secretKeyFile, origins);
    if (curve.allowedClientKeysFile) await readable("zmq.curve.allowedClientKeysFile", curve.allowedClientKeysFile, origins);
  }
}

/** node:tls options for a Gearman server, or undefined for plain TCP. */
export function tlsConnectionOptions(t: TlsOptions | null): ConnectionOptions | undefined {
  if (t === null) return undefined;
  const o: ConnectionOptions = { rejectUnauthorized: t.rejectUnauthorized };
  if (t.ca) o.ca = readFileSync(t.ca);
  if (t.cert) o.cert = readFileSync(t.cert);
  if (t.key) o.key = readFileSync(t.key);
  return o;
}

/** A ZeroMQ CURVE key as text: 40 characters of the Z85 alphabet (ZeroMQ RFC 32). */
const Z85_KEY = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

function checkKey(key: string, where: string, value: string): void {
  // The value is a secret for a secret key: name where it is, never what it holds.
  if (!Z85_KEY.test(value)) throw new ConfigError(key, `${key}: ${where} is not a CURVE key (40 Z85 characters, ${value.length} given); a key pair comes from libzmq's curve_keygen or zmq_curve_keypair()`);
}

/** The CURVE server keys of the event publisher, read from their files; a malformed one is a ConfigError naming its key. */
export function curveKeys(c: NonNullable<Config["zmq"]["curve"]>): { secretKey: string; publicKey: string; allowedClientKeys?: string[] } {
  const secretKey = readFileSync(c.secretKeyFile, "utf8").trim();
  checkKey("zmq.curve.secretKeyFile", `the file ${c.secretKeyFile}`, secretKey);
  checkKey("zmq.curve.publicKey", "the value", c.publicKey);
  const allowed = c.allowedClientKeysFile
    ? readFileSync(c.allowedClientKeysFile, "utf8").split(/\s+/).filter((k) => k.length > 0)
    : undefined;
  for (const [i, k] of (allowed ?? []).entries()) checkKey("zmq.curve.allowedClientKeysFile", `key ${i + 1} of ${c.allowedClientKeysFile ?? ""}`, k);
  return allowed ? { secretKey, publicKey: c.publicKey, allowedClientKeys: allowed } : { secretKey, publicKey: c.publicKey };
}
