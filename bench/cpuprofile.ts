/** The top frames by self time of a V8 `.cpuprofile` (what `node --cpu-prof` writes). */
import { readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface Frame {
  /** "functionName (file:line)", the file relative to the checkout or node_modules. */
  frame: string;
  /** Share of all samples spent in this function itself. */
  selfPct: number;
}

const ROOT = resolve(import.meta.dirname, "..");

function where(url: string, line: number): string {
  if (url === "") return "native";
  const path = url.startsWith("file://") ? new URL(url).pathname : url;
  const nm = path.lastIndexOf("node_modules/");
  const short = nm >= 0 ? path.slice(nm) : path.startsWith(ROOT) ? relative(ROOT, path) : path;
  return `${short}:${line + 1}`;
}

/** Self time per function (frames merged by name and location), highest first; idle and GC kept as V8 names them. */
export function topFrames(file: string, n = 12): Frame[] {
  const p = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const self = new Map<number, number>();
  if (p.samples !== undefined && p.samples.length > 0) {
    for (const id of p.samples) self.set(id, (self.get(id) ?? 0) + 1);
  } else for (const node of p.nodes) self.set(node.id, node.hitCount ?? 0);
  const byFrame = new Map<string, number>();
  let total = 0;
  for (const node of p.nodes) {
    const hits = self.get(node.id) ?? 0;
    if (hits === 0) continue;
    total += hits;
    const key = `${node.callFrame.functionName || "(anonymous)"} (${where(node.callFrame.url, node.callFrame.lineNumber)})`;
    byFrame.set(key, (byFrame.get(key) ?? 0) + hits);
  }
  return [...byFrame.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([frame, hits]) => ({ frame, selfPct: total === 0 ? 0 : (hits / total) * 100 }));
}

/** The newest .cpuprofile in a directory, or null. */
export function newestProfile(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort();
  const last = files[files.length - 1];
  return last === undefined ? null : join(dir, last);
}
