/** Turns the poller's view of a build into the ZeroMQ event publisher's input (contract §7). */
import type { BuildEventInput } from "./events/index.js";
import { nodeOfBuild, type BuildInfo, type JobInfo, type NodeInfo } from "./jenkins/index.js";

/** `http://j/job/a/42/` relative to `http://j/` is `job/a/42/`; URLs elsewhere stay whole. */
export function relativeUrl(url: string, root: string): string {
  return url.startsWith(root) ? url.slice(root.length) : url.replace(/^https?:\/\/[^/]+\//, "");
}

export function eventInput(
  b: BuildInfo,
  o: { rootUrl: string; hostName: string; jobs: ReadonlyMap<string, JobInfo>; nodes: ReadonlyMap<string, NodeInfo>; lastNode?: string | null },
): BuildEventInput {
  const buildUrl = relativeUrl(b.url, o.rootUrl);
  const jobUrl = buildUrl.replace(/[^/]+\/$/, "");
  const job = o.jobs.get(b.jobFullName);
  const found = nodeOfBuild(b, o.nodes);
  // A Pipeline run holds a one-off (flyweight) executor on the built-in node, whose name is "";
  // a short run may never be seen on it, and Pipeline builds have no builtOn.
  const nodeName = b.builtOn ?? found?.name ?? o.lastNode ?? (job?.isPipeline ? "" : null);
  const node = found ?? (nodeName !== null ? (o.nodes.get(nodeName) ?? null) : null);
  const params = Object.keys(b.parameters).length > 0 ? b.parameters : null;
  return {
    jobName: job?.name ?? b.jobFullName.split("/").pop() ?? b.jobFullName,
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
