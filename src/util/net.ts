/** Address helpers. */
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
