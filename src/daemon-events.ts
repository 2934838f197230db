/** Turns the poller's view of a build into the ZeroMQ event publisher's input (contract §7). */
import type { BuildEventInput } from "./events/index.js";
import type { BuildInfo, JobInfo, NodeInfo } from "./jenkins/index.js";

/** `http://j/job/a/42/` relative to `http://j/` is `job/a/42/`; URLs elsewhere stay whole. */
export function relativeUrl(url: string, root: string): string {
  return url.startsWith(root) ? url.slice(root.length) : url.replace(/^https?:\/\/[^/]+\//, "");
}

export function nodeOfBuild(b: BuildInfo, nodes: ReadonlyMap<string, NodeInfo>): NodeInfo | null {
  if (b.builtOn !== null) return nodes.get(b.builtOn) ?? null;
  for (const n of nodes.values()) {
    if (n.executors.some((e) => e.build?.url === b.url) || n.oneOffExecutors.some((e) => e.build?.url === b.url)) return n;
  }
  return null;
}

export function eventInput(
  b: BuildInfo,
  o: { rootUrl: string; hostName: string; jobs: ReadonlyMap<string, JobInfo>; nodes: ReadonlyMap<string, NodeInfo>; lastNode?: string | null },
): BuildEventInput {
  const buildUrl = relativeUrl(b.url, o.rootUrl);
  const jobUrl = buildUrl.replace(/[^/]+\/$/, "");
  const node = nodeOfBuild(b, o.nodes);
  const nodeName = b.builtOn ?? node?.name ?? o.lastNode ?? null;
  const params = Object.keys(b.parameters).length > 0 ? b.parameters : null;
  return {
    jobName: o.jobs.get(b.jobFullName)?.name ?? b.jobFullName.split("/").pop() ?? b.jobFullName,
    jobUrl,
    number: b.number,
    buildUrl,
    fullUrl: b.url.startsWith("http") ? b.url : null,
    status: b.result,
    parameters: params,
    nodeName,
    nodeDescription: node?.description ?? null,
    hostName: o.hostName,
  };
}
