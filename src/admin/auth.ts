/** Who may call the admin API: loopback detection and bearer-token checks. */
import { createHash, timingSafeEqual } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";

/**
 * True for addresses that only this machine can reach: "localhost", 127.0.0.0/8, ::1 and the IPv4-mapped
 * ::ffff:127.x.y.z. Everything else, including 0.0.0.0 and ::, listens beyond loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h.endsWith(".localhost")) return true;
  if (isIPv4(h)) return h.startsWith("127.");
  if (isIPv6(h)) {
    if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
    const mapped = /^(?:0*:)*?:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped?.[1] !== undefined && mapped[1].startsWith("127.");
  }
  return false;
}

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
