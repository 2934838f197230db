/**
 * Queue item `why` and `stuck`, with the texts of `hudson/model/Messages.properties` and
 * `jenkins/model/Messages.properties` (note the ‘ ’ quotes), after `Queue.java:2677-2870`.
 */
import { formatLabelExpression } from "../util/label-expr.js";
import type { Model, QueueItem, SimNode } from "./model.js";

/** `hudson.Util.getTimeSpanString`: "4.9 sec", "10 sec", "1 min 5 sec", "2 hr 3 min", "12 ms". */
export function timeSpan(ms: number): string {
  const d = Math.max(0, Math.floor(ms));
  const units: [number, string, string][] = [
    [365 * 86_400_000, "yr", "yr"],
    [30 * 86_400_000, "mo", "mo"],
    [86_400_000, "day", "days"],
    [3_600_000, "hr", "hr"],
    [60_000, "min", "min"],
    [1000, "sec", "sec"],
  ];
  for (let i = 0; i < units.length - 1; i++) {
    const [size, one, many] = units[i] as [number, string, string];
    const big = Math.floor(d / size);
    if (big > 0) {
      const [smallSize, sOne, sMany] = units[i + 1] as [number, string, string];
      const small = Math.floor((d % size) / smallSize);
      const text = `${big} ${big === 1 ? one : many}`;
      return big < 10 ? `${text} ${small} ${small === 1 ? sOne : sMany}` : text;
    }
  }
  const seconds = Math.floor(d / 1000);
  const millis = d % 1000;
  if (seconds >= 10) return `${seconds} sec`;
  if (seconds >= 1) return `${seconds + Math.floor(millis / 100) / 10} sec`;
  if (millis >= 100) return `${Math.floor(millis / 10) / 100} sec`;
  return `${millis} ms`;
}

export function nodeDisplayName(n: SimNode): string {
  return n.builtIn ? "Built-In Node" : n.name;
}

/** Nodes of the item's label, and whether all of them are offline (`Label.isOffline`). Null: no label applies. */
function labelState(m: Model, item: QueueItem): { nodes: SimNode[]; offline: boolean; name: string } | null {
  // With no agents at all Jenkins stops talking about nodes (`Queue.BuildableItem.getCauseOfBlockage`).
  if (item.label === null || item.labelKey === null || m.nodes.size <= 1) return null;
  const nodes = m.nodesFor(item.labelKey, item.label);
  let offline = true;
  for (const n of nodes) {
    if (m.isOnline(n)) {
      offline = false;
      break;
    }
  }
  return { nodes, offline, name: formatLabelExpression(item.label) };
}

export function whyOf(m: Model, item: QueueItem): string | null {
  const now = m.now();
  switch (item.state) {
    case "left":
      return null;
    case "waiting": {
      const left = item.due - now;
      return left > 0 ? `In the quiet period. Expires in ${timeSpan(left)}` : "Finished waiting";
    }
    case "blocked": {
      const job = item.job;
      let running = null;
      for (let i = job.builds.length - 1; i >= 0; i--) {
        const b = job.builds[i];
        if (b?.building === true) {
          running = b;
          break;
        }
      }
      if (running === null) return "Waiting for next available executor";
      const d = m.estimatedDuration(job);
      const eta = d < 0 || d - (now - running.startedAt) <= 0 ? "N/A" : timeSpan(d - (now - running.startedAt));
      return `Build #${running.number} is already in progress (ETA: ${eta})`;
    }
    case "buildable": {
      if (m.quietingDown) return "Jenkins is about to shut down";
      const ls = labelState(m, item);
      if (ls === null) return "Waiting for next available executor";
      const single = ls.nodes.length === 1 ? (ls.nodes[0] as SimNode) : null;
      if (ls.offline) {
        if (single !== null) return `‘${nodeDisplayName(single)}’ is offline`;
        return ls.nodes.length === 0 ? `There are no nodes with the label ‘${ls.name}’` : `All nodes of label ‘${ls.name}’ are offline`;
      }
      return `Waiting for next available executor on ‘${single !== null ? nodeDisplayName(single) : ls.name}’`;
    }
  }
}

/** `BuildableItem.isStuck`: the label is offline, or it waited more than 10× the estimate (min 1 min). */
export function isStuck(m: Model, item: QueueItem): boolean {
  if (item.state !== "buildable") return false;
  const ls = labelState(m, item);
  if (ls?.offline === true) return true;
  const elapsed = m.now() - item.buildableSince;
  const d = m.estimatedDuration(item.job);
  return d >= 0 ? elapsed > Math.max(d, 60_000) * 10 : elapsed > 86_400_000;
}
