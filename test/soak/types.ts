/** The records a soak collects; the checkers (checks.ts) read only these, so they can be tested on synthetic data. */

/** How one Gearman job (one Zuul launch, one ZUUL_UUID) ended, as the client saw it. */
export type AttemptEnding = "complete" | "fail" | "exception" | "disconnected" | "submit-error";

export interface AttemptRecord {
  /** The Zuul job (one build of one change) this launch belongs to. */
  zuulJob: number;
  /** 1 for the first launch; Zuul v2 launches a job at most 3 times. */
  attempt: number;
  /** ZUUL_UUID, also the Gearman unique. */
  uuid: string;
  fn: string;
  /** The gearmand ("host:port") that created the job, or null when no server took it. */
  server: string | null;
  submittedAt: number;
  /** First WORK_DATA that carried a build number: Zuul's "build started". */
  started: { name: string; number: number; manager: string; at: number } | null;
  endedAt: number | null;
  ending: AttemptEnding | null;
  /** Zuul's result: `result` of the last data packet (zuul/launcher/gearman.py getJobData), or null (retry). */
  result: string | null;
  /** The WORK_COMPLETE JSON, when there was one. */
  complete: Record<string, unknown> | null;
}

export type ZuulOutcome = "result" | "retry-limit" | "exception" | "pending";

export interface ZuulJobRecord {
  id: number;
  /** Jenkins job name. */
  job: string;
  submittedAt: number;
  attempts: AttemptRecord[];
  /** result: a launch ended with a result; retry-limit: every launch ended without one; exception: no server took the submit; pending: still waiting. */
  outcome: ZuulOutcome;
  result: string | null;
}

/** One build as the simulator holds it (GET /__sim/builds). */
export interface BuildRecord {
  master: string;
  job: string;
  number: number;
  /** parameters.ZUUL_UUID, or null for a build nobody launched through Gearman (a foreign build). */
  uuid: string | null;
  node: string;
  /** The queue item the build came from (the sidecar logs it when it fails a job). */
  queueId: number;
  building: boolean;
  result: string | null;
  startedAt: number;
  /** startedAt + duration, or null while building. */
  endedAt: number | null;
}

/** A sidecar log line saying it failed a job (sent WORK_FAIL so that Zuul retries it). */
export interface FailLogRecord {
  master: string;
  pid: number | null;
  time: number;
  job: string;
  /** The Jenkins queue item of the job's build, or null when no trigger succeeded. */
  queueId: number | null;
  reason: string;
}

export type EventTopic = "onStarted" | "onCompleted" | "onFinalized";

/** One publication of one event (a run id and a sequence number), however often it was received. */
export interface EventRecord {
  master: string;
  runId: string;
  seq: number;
  topic: string;
  job: string;
  number: number;
  /** When the soak first had it. */
  seenAt: number;
  via: "live" | "replay";
}

/** How a sidecar process ended. */
export type RunEnding = "sigkill" | "sigterm" | "final" | "crash";

export interface SidecarRunRecord {
  master: string;
  pid: number;
  /** The publisher's run id (from /status), once known. */
  runId: string | null;
  startedAt: number;
  exitedAt: number | null;
  exit: { code: number | null; signal: string | null } | null;
  ending: RunEnding | null;
}

export const FAULT_KINDS = ["sidecar-kill", "sidecar-term", "gearmand-kill", "jenkins-stop", "drain", "node-offline", "agent-drop"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRecord {
  id: number;
  kind: FaultKind;
  /** "master-a", "gearmand-1", "master-a/trusty-1", ... */
  target: string;
  /** The master it hit, or null for a gearmand. */
  master: string | null;
  at: number;
  healedAt: number | null;
  detail: string;
  /** Why it was not injected (its target was busy or unreachable), when it was not. */
  skipped: string | null;
  /** What the fault measured, e.g. a Jenkins stop: the sidecar's in-flight jobs before and at most during it. */
  measured?: Record<string, number>;
}
