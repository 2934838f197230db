/**
 * The sidecar's status, one exported type for the admin API, the status page and the CLI
 * (docs/architecture.md "Status"). The bridge fills BridgeStatus; the daemon adds the rest.
 */
import type { DrainPhase } from "./drain.js";
import type { NameConflict } from "./name-guard.js";
import type { Orphan } from "./runs/orphans.js";
import type { RunPhaseKind } from "./runs/run.js";

export interface ServerConnectionStatus {
  server: string;
  status: "connecting" | "connected" | "disconnected" | "reconnecting" | "closed";
  functions: number;
  running: number;
}

export interface GroupStatus {
  worker: string;
  nodes: readonly string[];
  /** Functions the group's nodes register, and how many are registered now. */
  functions: number;
  registered: number;
  freeExecutors: number;
  running: number;
  outstandingGrabs: number;
  /** Grabs allowed now: free executors minus jobs waiting for a node (0 while paused). */
  budget: number;
  retired: boolean;
  servers: ServerConnectionStatus[];
  packets: { canDoSent: number; cantDoSent: number; resetSent: number; grabsSent: number; jobsAssigned: number; reconnects: number };
}

export interface InFlightStatus {
  job: string;
  fn: string;
  unique: string;
  state: RunPhaseKind;
  node: string | null;
  queueId: number | null;
  number: number | null;
  url: string | null;
  /** Why Jenkins has not started it (the queue item's `why`), or why it waits. */
  why: string | null;
  ageMs: number;
}

/** A job grabbed while the master was paused and held until the pause ends (parking.ts). */
export interface HeldJob {
  function: string;
  unique: string;
  ageMs: number;
}

export interface DrainStatus {
  phase: DrainPhase;
  quietDown: boolean;
  since: number | null;
  inFlight: number;
  notStarted: number;
  oldestRunning: { job: string; number: number | null; node: string | null; ageMs: number } | null;
  /** Drained, every event published, and with quiet-down no build left on the master. */
  safeToRestart: boolean;
  eventsPending: number;
  /** Builds running on the master that are not ours (with quiet-down, a restart waits for them too). */
  otherRunning: number;
}

export interface ReadyStatus {
  ready: boolean;
  reasons: string[];
}

export interface BridgeStatus {
  drain: DrainStatus;
  jenkinsHealthy: boolean;
  /** Why no job is grabbed now: drain, jenkins, starting. */
  paused: string[];
  groups: GroupStatus[];
  management: ServerConnectionStatus[];
  inFlight: InFlightStatus[];
  /** Records kept for adoption that no job in flight owns (see Orphans). */
  orphaned: Orphan[];
  /** New jobs grabbed while paused (on a grab kept for a job coming back): held, not refused, until the pause ends (parking.ts). */
  heldWhilePaused: HeldJob[];
  /** Jobs run (or read) that have no node parameter: Jenkins places their builds itself. */
  unpinnable: string[];
  badLabelExpressions: readonly { job: string; error: string }[];
  nameClashes: { name: string; jobs: string[] }[];
  /** Other workers registering this master's stop:/set_description: functions. */
  masterNameConflicts: readonly NameConflict[];
  /** Events not published again after a restart because the previous process had. */
  eventsNotRepublished: number;
  recentErrors: { at: number; message: string }[];
}

export interface SidecarStatus extends BridgeStatus {
  master: string;
  version: string;
  jenkins: { url: string; healthy: boolean; lastSuccessAt: number | null; jobs: number; nodes: number };
  gearman: string[];
  events: { endpoint: string; runId: string; published: number; sent: number; dropped: number; queued: number } | null;
  ready: ReadyStatus;
}
