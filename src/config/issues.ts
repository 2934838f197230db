/** Turns zod issues into one ConfigError that names the key and where its value came from. */
import type { z } from "zod";

import { ConfigError } from "./errors.js";
import { originOf } from "./merge.js";

function keyOf(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

function dotted(path: readonly PropertyKey[]): string {
  return path.filter((p) => typeof p !== "number").map(String).join(".");
}

function describe(issue: z.core.$ZodIssue, origins: ReadonlyMap<string, string>): { key: string; text: string; source: string | null } {
  if (issue.code === "unrecognized_keys") {
    const first = issue.keys[0] ?? "";
    const key = keyOf([...issue.path, first]);
    const others = issue.keys.slice(1).map((k) => keyOf([...issue.path, k]));
    const source = originOf(origins, dotted([...issue.path, first]));
    const hint = first.endsWith("Ms") ? ` (durations are written without "Ms": ${first.slice(0, -2)}: 2s)` : "";
    const more = others.length > 0 ? `; also unknown: ${others.join(", ")}` : "";
    return { key, text: `${key}: unknown key${hint}${more}`, source };
  }
  if (issue.code === "invalid_union") {
    const inner = unwrapUnion(issue);
    if (inner !== null) return describe({ ...inner, path: [...issue.path, ...inner.path] }, origins);
  }
  const key = keyOf(issue.path) || "config";
  const source = originOf(origins, dotted(issue.path));
  return { key, text: `${key}: ${issue.message}`, source };
}

/**
 * For a union (e.g. "HOST:PORT" string or {host, port} object), the issue of the branch whose type matched,
 * or one saying which types were expected. Its path is relative to the union.
 */
function unwrapUnion(issue: z.core.$ZodIssueInvalidUnion): z.core.$ZodIssue | null {
  const branches = issue.errors;
  const typeOnly = (b: readonly z.core.$ZodIssue[]): boolean => b.every((i) => i.code === "invalid_type" && i.path.length === 0);
  const matched = branches.find((b) => b.length > 0 && !typeOnly(b));
  if (matched?.[0] !== undefined) return matched[0];
  const expected = branches.flat().flatMap((i) => (i.code === "invalid_type" ? [i.expected] : []));
  if (expected.length === 0) return null;
  return { code: "custom", path: [], message: `expected ${[...new Set(expected)].join(" or ")}`, input: undefined };
}

export function issuesToError(issues: readonly z.core.$ZodIssue[], origins: ReadonlyMap<string, string>): ConfigError {
  const described = issues.map((i) => describe(i, origins));
  const first = described[0] ?? { key: "config", text: "config: invalid configuration", source: null };
  const lines = described.map((d) => (d.source !== null ? `${d.text} (from ${d.source})` : d.text));
  return new ConfigError(first.key, lines.join("\n"), { source: first.source });
}
