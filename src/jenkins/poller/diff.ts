/** Pure snapshot comparisons used by the poller. */
import { isDeepStrictEqual } from "node:util";
import { parseJobPath } from "../parse.js";
import type { JobInfo, NodeInfo } from "../types.js";

/** A build reference as seen on an executor. */
export interface BuildRef {
  key: string;
  url: string;
  jobFullName: string;
  number: number;
}

/** "folder/job#12": the identity of a build whatever host or root URL its URL carries. */
export function buildKey(jobFullName: string, number: number): string {
  return `${jobFullName}#${number}`;
}

/** "folder/job" from ".../job/folder/job/job/12/", or null if the URL is not a job's. */
export function jobFullNameFromUrl(url: string): string | null {
  return parseJobPath(url)?.fullName ?? null;
}

/** A build URL as a BuildRef; null if it is not .../job/<name>/<number>/. */
export function buildRefFromUrl(url: string, number?: number): BuildRef | null {
  const p = parseJobPath(url);
  if (p === null) return null;
  const n = p.number ?? number;
  if (n === undefined || n === null) return null;
  return { key: buildKey(p.fullName, n), url, jobFullName: p.fullName, number: n };
}

/** Every build on an executor (one-off executors included), by key; a Pipeline run on several executors counts once. */
export function runningBuilds(nodes: readonly NodeInfo[]): Map<string, BuildRef> {
  const out = new Map<string, BuildRef>();
  for (const n of nodes) {
    for (const e of [...n.executors, ...n.oneOffExecutors]) {
      if (e.build === null) continue;
      const ref = buildRefFromUrl(e.build.url, e.build.number);
      if (ref !== null && !out.has(ref.key)) out.set(ref.key, ref);
    }
  }
  return out;
}

export interface JobsDiff {
  added: JobInfo[];
  changed: JobInfo[];
  removed: string[];
}

/** Every field registration reads; `nextBuildNumber` moves with every build and is not a change. */
export function sameJob(a: JobInfo, b: JobInfo): boolean {
  return (
    a.fullName === b.fullName &&
    a.name === b.name &&
    a.url === b.url &&
    a.className === b.className &&
    a.buildable === b.buildable &&
    a.disabled === b.disabled &&
    a.labelExpression === b.labelExpression &&
    a.isPipeline === b.isPipeline
  );
}

/** Added, changed and removed jobs. A new nextBuildNumber alone is not a change. */
export function diffJobs(prev: ReadonlyMap<string, JobInfo>, next: readonly JobInfo[]): JobsDiff {
  const d: JobsDiff = { added: [], changed: [], removed: [] };
  const seen = new Set<string>();
  for (const j of next) {
    seen.add(j.fullName);
    const old = prev.get(j.fullName);
    if (old === undefined) d.added.push(j);
    else if (!sameJob(old, j)) d.changed.push(j);
  }
  for (const name of prev.keys()) if (!seen.has(name)) d.removed.push(name);
  return d;
}

export interface NodesDiff {
  /** New nodes and nodes whose state changed. */
  changed: NodeInfo[];
  removed: string[];
}

export function diffNodes(prev: ReadonlyMap<string, NodeInfo>, next: readonly NodeInfo[]): NodesDiff {
  const d: NodesDiff = { changed: [], removed: [] };
  const seen = new Set<string>();
  for (const n of next) {
    seen.add(n.name);
    const old = prev.get(n.name);
    if (old === undefined || !isDeepStrictEqual(old, n)) d.changed.push(n);
  }
  for (const name of prev.keys()) if (!seen.has(name)) d.removed.push(name);
  return d;
}
