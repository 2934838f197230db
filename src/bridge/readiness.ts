/**
 * Ready means Zuul can use this master (docs/architecture.md "Readiness"): Jenkins answered
 * and answers, every Gearman server is connected and holds our registrations, and the master
 * name is ours alone. Each reason names what is wrong and where.
 */
import type { NameConflict } from "./name-guard.js";
import type { GroupStatus, ReadyStatus, ServerConnectionStatus } from "./status.js";

export function readiness(o: {
  jenkinsAnsweredAt: number | null;
  jenkinsHealthy: boolean;
  management: readonly ServerConnectionStatus[];
  conflicts: readonly NameConflict[];
  groups: readonly GroupStatus[];
}): ReadyStatus {
  const reasons: string[] = [];
  if (o.jenkinsAnsweredAt === null) reasons.push("Jenkins has not answered yet");
  else if (!o.jenkinsHealthy) reasons.push("Jenkins is not answering");
  for (const s of o.management) if (s.status !== "connected") reasons.push(`Gearman server ${s.server} is ${s.status}`);
  for (const c of o.conflicts) reasons.push(`another worker (${c.clientId} at ${c.ip}) on ${c.server} registers this master's name; give each master its own --master-name`);
  for (const g of o.groups) {
    if (g.retired) continue;
    if (g.registered < g.functions) reasons.push(`worker ${g.worker} is still registering`);
    for (const s of g.servers) if (s.status !== "connected") reasons.push(`worker ${g.worker} is ${s.status === "disconnected" ? "disconnected from" : `${s.status} to`} ${s.server}`);
  }
  return { ready: reasons.length === 0, reasons: [...new Set(reasons)] };
}
