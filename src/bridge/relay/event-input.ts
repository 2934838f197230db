/**
 * A reported build as the ZeroMQ event publisher's input (docs/contract.md "Events"): URLs
 * relative to the root, the job's short name, the build's parameters, and the node the poller
 * resolved for it (ReportedBuild.node: "" is the built-in node; absent when Jenkins never
 * placed the run on an executor).
 */
import type { BuildEventInput } from "../../events/index.js";
import type { JobInfo, NodeInfo, ReportedBuild } from "../ports.js";

/** `http://j/job/a/42/` relative to `http://j/` is `job/a/42/`; URLs elsewhere lose their scheme and host. */
export function relativeUrl(url: string, root: string): string {
  return url.startsWith(root) ? url.slice(root.length) : url.replace(/^https?:\/\/[^/]+\//, "");
}

export function eventInput(
  b: ReportedBuild,
  o: { rootUrl: string; hostName: string; jobs: ReadonlyMap<string, JobInfo>; nodes: ReadonlyMap<string, NodeInfo> },
): BuildEventInput {
  const buildUrl = relativeUrl(b.url, o.rootUrl);
  const params = Object.keys(b.parameters).length > 0 ? b.parameters : null;
  return {
    jobName: o.jobs.get(b.jobFullName)?.name ?? b.jobFullName.split("/").pop() ?? b.jobFullName,
    jobUrl: buildUrl.replace(/[^/]+\/$/, ""),
    number: b.number,
    buildUrl,
    fullUrl: b.url.startsWith("http") ? b.url : null,
    status: b.result,
    parameters: params,
    nodeName: b.node,
    nodeDescription: b.node !== null ? (o.nodes.get(b.node)?.description ?? null) : null,
    hostName: o.hostName,
  };
}
