/** Who may call the admin API: loopback detection and bearer-token checks. */
import { createHash, timingSafeEqual } from "node:crypto";

export { isLoopbackHost } from "../util/index.js";

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/**
 * Compares two secrets in constant time. Both sides are hashed first, so the comparison takes the same time
 * whatever their lengths.
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Checks an `Authorization: Bearer <token>` header against the expected token.
 * Returns false for a missing header, another scheme, or a wrong token.
 */
export function checkBearer(header: string | undefined, expected: string): boolean {
  if (header === undefined) return false;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  // Compare something even when the header is malformed, so a bad scheme costs the same time as a bad token.
  return safeEqual(m?.[1] ?? "", expected) && m !== null;
}
