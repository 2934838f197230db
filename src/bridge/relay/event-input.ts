/**
 * A reported build as the ZeroMQ event publisher's input (docs/contract.md "Events"): URLs
 * relative to the root, the job's short name, the build's parameters, and the node the poller
 * resolved for it (ReportedBuild.node: "" is the built-in node; absent when Jenkins never
 * placed the run on an executor).
 */
import type { BuildEventInput } from "../../events/index.js";
import type { JobInfo, NodeInfo, ReportedBuild } from "../ports.js";

/**
 * A build URL relative to the Jenkins root, as `Run.getUrl()` gives it to the publisher:
 * `http://j/job/a/42/` relative to `http://j/` is `job/a/42/`. Jenkins writes absolute URLs with
 * its own root URL, which may differ from the one the sidecar uses (another host, a proxy); then
 * the path from its first `job/` segment on, so that a context path (`/jenkins/`) goes too.
 */
export function relativeUrl(url: string, root: string): string {
  if (url.startsWith(root)) return url.slice(root.length);
  const path = url.replace(/^https?:\/\/[^/]+\//, "");
  if (path.startsWith("job/")) return path;
  const i = path.indexOf("/job/");
  return i >= 0 ? path.slice(i + 1) : path;
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
