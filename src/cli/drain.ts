/** `drain`, `resume` and `status`: steer a running sidecar through its admin API. */
import type { DrainStatus } from "../bridge/index.js";
import { parseDuration } from "../config/index.js";
import { delay } from "../util/index.js";
import { adminTarget, getStatus, postDrain, postResume } from "./admin-client.js";
import { EXIT } from "./exit.js";
import { Progress, formatDuration } from "./progress.js";

export interface DrainFlags {
  admin: string;
  adminTokenFile?: string;
  quietDown?: boolean;
  timeout: string;
  interval?: string;
}

function describe(d: DrainStatus): string {
  const oldest = d.oldestRunning
    ? `; oldest ${d.oldestRunning.job}${d.oldestRunning.number !== null ? ` #${d.oldestRunning.number}` : " (queued)"} on ${d.oldestRunning.node || "built-in"} for ${formatDuration(d.oldestRunning.ageMs)}`
    : "";
  const extra = [d.eventsPending > 0 ? `${d.eventsPending} events to publish` : "", d.quietDown && d.otherRunning > 0 ? `${d.otherRunning} other builds running on the master` : ""]
    .filter((s) => s !== "")
    .join(", ");
  return `draining: ${d.inFlight} build${d.inFlight === 1 ? "" : "s"} left${oldest}${extra ? ` (${extra})` : ""}`;
}

export async function drainCommand(f: DrainFlags, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const t = await adminTarget(f);
  const timeoutMs = parseDuration(f.timeout);
  const intervalMs = f.interval ? parseDuration(f.interval) : 1000;
  const deadline = Date.now() + timeoutMs;
  let d = await postDrain(t, f.quietDown === true);
  const progress = new Progress(process.stderr);
  while (!d.safeToRestart) {
    if (Date.now() >= deadline) {
      progress.done(describe(d));
      const s = await getStatus(t);
      const left = s.inFlight.map((r) => `  ${r.job}${r.number !== null ? ` #${r.number}` : ""} on ${r.node || "built-in"} (${r.state})`).join("\n");
      out.write(`not drained after ${formatDuration(timeoutMs)}; still in flight:\n${left || "  (events still being published)"}\n`);
      return EXIT.DRAIN_TIMEOUT;
    }
    progress.update(describe(d));
    await delay(intervalMs);
    d = (await getStatus(t)).drain;
  }
  progress.done("drained: no build in flight and every event published");
  out.write("safe to restart the master\n");
  return EXIT.OK;
}

export async function resumeCommand(f: { admin: string; adminTokenFile?: string }, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const t = await adminTarget(f);
  const d = await postResume(t);
  out.write(`resumed: ${d.phase}\n`);
  return EXIT.OK;
}

export async function statusCommand(f: { admin: string; adminTokenFile?: string; json?: boolean }, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const t = await adminTarget(f);
  const s = await getStatus(t);
  if (f.json) {
    out.write(`${JSON.stringify(s, null, 2)}\n`);
    return EXIT.OK;
  }
  const { drain: d, ready, groups, unpinnable } = s;
  const lines = [
    `master:     ${s.master}`,
    `ready:      ${ready.ready ? "yes" : `no (${ready.reasons.join("; ")})`}`,
    `state:      ${d.phase}, ${d.inFlight} in flight`,
    `groups:     ${groups.length}`,
    ...groups.map((g) => `  ${g.worker}: ${g.nodes.length} nodes, ${g.functions} functions, ${g.freeExecutors} free, ${g.running} running`),
  ];
  if (unpinnable.length > 0) lines.push(`unpinnable: ${unpinnable.length} jobs have no node parameter (they run where Jenkins puts them): ${unpinnable.slice(0, 5).join(", ")}${unpinnable.length > 5 ? ", …" : ""}`);
  out.write(`${lines.join("\n")}\n`);
  return EXIT.OK;
}
