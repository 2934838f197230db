import type { ReceivedEvent } from "./subscriber.js";

/**
 * One human-readable line per event, e.g.
 * "onFinalized seq=12 gate-nova-pep8 #1234 SUCCESS node=devstack-1 https://jenkins/job/gate-nova-pep8/1234/".
 * The built-in node shows as node=(built-in); a frame without a sequence (the Java plugin's) as seq=-.
 */
export function formatEventLine(e: ReceivedEvent): string {
  const b = e.event.build;
  const parts = [e.topic, `seq=${e.event.sequence ?? "-"}`, e.event.name, `#${b.number}`];
  if (b.status !== undefined) parts.push(b.status);
  if (b.node_name !== undefined) parts.push(`node=${b.node_name === "" ? "(built-in)" : b.node_name}`);
  parts.push(b.full_url ?? b.url);
  return parts.join(" ");
}
