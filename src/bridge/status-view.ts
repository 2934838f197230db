/** BridgeStatus from the bridge's parts: plain data for the admin API (docs/architecture.md "Status"). */
import type { Capacity } from "./capacity/capacity.js";
import type { DrainState } from "./drain.js";
import type { NameConflict } from "./name-guard.js";
import type { PollerPort } from "./ports.js";
import type { Orphan } from "./runs/orphans.js";
import type { BuildRun } from "./runs/run.js";
import type { BridgeStatus, DrainStatus, HeldJob, InFlightStatus, ServerConnectionStatus } from "./status.js";

export interface StatusInput {
  now: number;
  runs: readonly BuildRun[];
  drain: DrainState;
  eventsPending: number;
  poller: PollerPort;
  capacity: Capacity;
  management: ServerConnectionStatus[];
  orphans: Orphan[];
  held: HeldJob[];
  /** Records restored after a restart whose jobs gearmand has not handed back yet. */
  awaitingAdoption: number;
  unpinnable: string[];
  conflicts: readonly NameConflict[];
  eventsNotRepublished: number;
  jenkinsHealthy: boolean;
  errors: { at: number; message: string }[];
}

function startedAt(r: BuildRun): number | null {
  return r.phase.kind === "running" ? r.phase.startedAt : null;
}

export function drainStatus(i: StatusInput): DrainStatus {
  const runs = i.runs;
  const running = runs.filter((r) => startedAt(r) !== null).sort((a, b) => (startedAt(a) ?? 0) - (startedAt(b) ?? 0));
  const oldest = running[0] ?? runs[0];
  let otherRunning = 0;
  const ours = new Set(runs.flatMap((r) => (r.build !== null ? [r.build.url] : [])));
  for (const n of i.poller.nodes.values()) {
    for (const e of [...n.executors, ...n.oneOffExecutors]) if (!e.idle && (e.build === null || !ours.has(e.build.url))) otherRunning++;
  }
  const d = i.drain;
  return {
    phase: d.phase,
    quietDown: d.quietDown,
    since: d.since,
    inFlight: runs.length + i.awaitingAdoption,
    notStarted: runs.filter((r) => startedAt(r) === null).length,
    oldestRunning: oldest ? { job: oldest.job, number: oldest.build?.number ?? null, node: oldest.node, ageMs: i.now - (startedAt(oldest) ?? oldest.grabbedAt) } : null,
    safeToRestart: d.phase === "drained" && i.eventsPending === 0 && (!d.quietDown || otherRunning === 0),
    eventsPending: i.eventsPending,
    otherRunning,
  };
}

function inFlight(r: BuildRun, now: number): InFlightStatus {
  const p = r.phase;
  const why = p.kind === "queued" ? p.why : p.kind === "held" || p.kind === "uncertain" ? p.reason : null;
  return { job: r.job, fn: r.fn, unique: r.unique, state: p.kind, node: r.node, queueId: r.queueId, number: r.build?.number ?? null, url: r.build?.url ?? null, why, ageMs: now - r.grabbedAt };
}

export function bridgeStatus(i: StatusInput): BridgeStatus {
  return {
    drain: drainStatus(i),
    jenkinsHealthy: i.jenkinsHealthy,
    paused: [...i.capacity.pauses],
    groups: i.capacity.groups().map((g) => ({
      worker: g.clientId,
      nodes: g.nodes,
      functions: g.functions.length,
      registered: g.worker.functions.size,
      freeExecutors: g.freeExecutors,
      running: g.worker.running,
      outstandingGrabs: g.worker.outstandingGrabs,
      budget: g.budget,
      retired: g.retired,
      servers: g.worker.serverStatus(),
      packets: g.worker.stats(),
    })),
    management: i.management,
    inFlight: i.runs.map((r) => inFlight(r, i.now)),
    orphaned: i.orphans,
    heldWhilePaused: i.held,
    unpinnable: i.unpinnable,
    badLabelExpressions: i.capacity.badLabels,
    nameClashes: i.capacity.clashes(),
    masterNameConflicts: i.conflicts,
    eventsNotRepublished: i.eventsNotRepublished,
    recentErrors: i.errors,
  };
}
