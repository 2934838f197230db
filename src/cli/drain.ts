/** `drain`, `resume` and `status`: steer a running sidecar through its admin API. */
import { parseDuration } from "../config/index.js";
import { delay } from "../util/index.js";
import { adminRequest, adminTarget } from "./admin-client.js";
import { CliError, EXIT } from "./exit.js";
import { Progress, formatDuration } from "./progress.js";

interface DrainJson {
  phase: string;
  inFlight: number;
  notStarted: number;
  safeToRestart: boolean;
  eventsPending: number;
  otherRunning: number;
  quietDown: boolean;
  oldestRunning: { job: string; number: number | null; node: string; ageMs: number } | null;
}

export interface DrainFlags {
  admin: string;
  adminTokenFile?: string;
  quietDown?: boolean;
  timeout: string;
  interval?: string;
}

function describe(d: DrainJson): string {
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
  let d = (await adminRequest(t, "POST", "drain", { quietDown: f.quietDown === true })) as DrainJson;
  const progress = new Progress(process.stderr);
  while (!d.safeToRestart) {
    if (Date.now() >= deadline) {
      progress.done(describe(d));
      const s = (await adminRequest(t, "GET", "status")) as { inFlight?: { job: string; number: number | null; node: string; state: string }[] };
      const left = (s.inFlight ?? []).map((r) => `  ${r.job}${r.number !== null ? ` #${r.number}` : ""} on ${r.node || "built-in"} (${r.state})`).join("\n");
      out.write(`not drained after ${formatDuration(timeoutMs)}; still in flight:\n${left || "  (events still being published)"}\n`);
      return EXIT.DRAIN_TIMEOUT;
    }
    progress.update(describe(d));
    await delay(intervalMs);
    d = ((await adminRequest(t, "GET", "status")) as { drain: DrainJson }).drain;
  }
  progress.done("drained: no build in flight and every event published");
  out.write("safe to restart the master\n");
  return EXIT.OK;
}

export async function resumeCommand(f: { admin: string; adminTokenFile?: string }, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const t = await adminTarget(f);
  const d = (await adminRequest(t, "POST", "resume", {})) as DrainJson;
  out.write(`resumed: ${d.phase}\n`);
  return EXIT.OK;
}

export async function statusCommand(f: { admin: string; adminTokenFile?: string; json?: boolean }, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const t = await adminTarget(f);
  const s = (await adminRequest(t, "GET", "status")) as Record<string, unknown>;
  if (f.json) {
    out.write(`${JSON.stringify(s, null, 2)}\n`);
    return EXIT.OK;
  }
  const d = s["drain"] as DrainJson | undefined;
  const ready = s["ready"] as { ready: boolean; reasons: string[] } | undefined;
  const groups = (s["groups"] as { worker: string; nodes: string[]; functions: number; freeExecutors: number; running: number }[] | undefined) ?? [];
  const lines = [
    `master:     ${String(s["master"])}`,
    `ready:      ${ready?.ready ? "yes" : `no (${ready?.reasons.join("; ") ?? "unknown"})`}`,
    `state:      ${d?.phase ?? "unknown"}${d ? `, ${d.inFlight} in flight` : ""}`,
    `groups:     ${groups.length}`,
    ...groups.map((g) => `  ${g.worker}: ${g.nodes.length} nodes, ${g.functions} functions, ${g.freeExecutors} free, ${g.running} running`),
  ];
  const unpinnable = (s["unpinnable"] as string[] | undefined) ?? [];
  if (unpinnable.length > 0) lines.push(`unpinnable: ${unpinnable.length} jobs have no node parameter (they run where Jenkins puts them): ${unpinnable.slice(0, 5).join(", ")}${unpinnable.length > 5 ? ", …" : ""}`);
  out.write(`${lines.join("\n")}\n`);
  if (!ready) throw new CliError("unexpected status answer", EXIT.FAILURE);
  return EXIT.OK;
}
