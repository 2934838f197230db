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
  const key = keyOf(issue.path) || "config";
  const source = originOf(origins, dotted(issue.path));
  let message = issue.message;
  if (issue.code === "invalid_union") message = "invalid value (see deploy/config.example.yaml for the accepted forms)";
  return { key, text: `${key}: ${message}`, source };
}

export function issuesToError(issues: readonly z.core.$ZodIssue[], origins: ReadonlyMap<string, string>): ConfigError {
  const described = issues.map((i) => describe(i, origins));
  const first = described[0] ?? { key: "config", text: "config: invalid configuration", source: null };
  const lines = described.map((d) => (d.source !== null ? `${d.text} (from ${d.source})` : d.text));
  return new ConfigError(first.key, lines.join("\n"), { source: first.source });
}
