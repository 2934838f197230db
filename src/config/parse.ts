/** Parse helpers for values that come as text from flags, the environment or YAML. */
import { isIPv6 } from "node:net";

import { ConfigValueError } from "./errors.js";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type DurationUnit = keyof typeof UNIT_MS;

function isUnit(u: string): u is DurationUnit {
  return Object.hasOwn(UNIT_MS, u);
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;

/**
 * Reads a duration: "2h", "10m", "30s", "500ms", "1m30s", or a number (or a string of digits) of
 * milliseconds. Returns whole milliseconds.
 * @throws ConfigValueError naming the value
 */
export function parseDuration(s: string | number): number {
  if (typeof s === "number") {
    if (!Number.isFinite(s) || s < 0) {
      throw new ConfigValueError(String(s), `invalid duration ${String(s)}: expected a non-negative number of milliseconds`);
    }
    return Math.round(s);
  }
  const text = s.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  let end = 0;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(text); m !== null; m = DURATION_PART.exec(text)) {
    const unit = m[2] ?? "";
    if (!isUnit(unit)) break;
    total += Number(m[1]) * UNIT_MS[unit];
    end = DURATION_PART.lastIndex;
  }
  if (text === "" || end !== text.length) {
    throw new ConfigValueError(s, `invalid duration "${s}": use a number with a unit, e.g. 500ms, 30s, 10m, 2h`);
  }
  return Math.round(total);
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/**
 * Reads "host:port", "host" (then `defaultPort`), "[::1]:4730" or "[::1]". A bare IPv6 address without a
 * port ("::1") is accepted too. Port 0 is allowed (it means "any free port" for a listener).
 * @throws ConfigValueError naming the value
 */
export function parseHostPort(s: string, defaultPort: number): { host: string; port: number } {
  const text = s.trim();
  const bad = (why: string): never => {
    throw new ConfigValueError(s, `invalid address "${s}": ${why} (expected HOST:PORT, e.g. 127.0.0.1:4730 or [::1]:4730)`);
  };
  let host: string;
  let portText: string | null;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return bad("missing ']'");
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest === "") portText = null;
    else if (rest.startsWith(":")) portText = rest.slice(1);
    else return bad("unexpected text after ']'");
    if (!isIPv6(host)) return bad(`"${host}" is not an IPv6 address`);
  } else if (text.indexOf(":") !== text.lastIndexOf(":")) {
    if (!isIPv6(text)) return bad("an IPv6 address with a port needs brackets, e.g. [::1]:4730");
    host = text;
    portText = null;
  } else {
    const colon = text.indexOf(":");
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? null : text.slice(colon + 1);
    if (host === "") return bad("the host is empty");
    if (!HOSTNAME.test(host)) return bad(`"${host}" is not a valid host name or address`);
  }
  let port = defaultPort;
  if (portText !== null) {
    if (!/^\d{1,5}$/.test(portText)) return bad(`port "${portText}" is not a number`);
    port = Number(portText);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) return bad(`port ${port} is out of range 0-65535`);
  return { host, port };
}

/** "host:port" for display, with brackets around IPv6 hosts. */
export function formatHostPort(a: { host: string; port: number }): string {
  return a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}
