/**
 * How a Gearman build job ended, for metrics and status. Failure reasons are a small fixed set
 * of codes (a metrics label must have bounded values); the detail, with queue ids and node
 * names, goes to logs and `/status` only.
 */
export const FAILURE = {
  /** The function's job is gone from Jenkins (deleted since the last listing). */
  jobMissing: "job_missing",
  /** Zuul's arguments are not a flat JSON object of parameters (WORK_EXCEPTION too). */
  badArguments: "bad_arguments",
  /** No node of the group freed up within the placement wait. */
  noFreeNode: "no_free_node",
  /** Jenkins refused to queue the build (disabled job, 4xx, a QueueDecisionHandler). */
  triggerRefused: "trigger_refused",
  /** The queue item was cancelled in Jenkins. */
  queueCancelled: "queue_cancelled",
  /** The queue item vanished and no build has its queue id. */
  queueLost: "queue_lost",
  /** The build did not start within the build-start timeout. */
  startTimeout: "start_timeout",
  /** The build's node was deleted or lost its agent. */
  nodeLost: "node_lost",
  /** The build was deleted from Jenkins while running. */
  buildDeleted: "build_deleted",
  /** Handed back to Zuul by a drain with quiet-down before it started. */
  handedBack: "handed_back",
  /** Jenkins stayed unreachable longer than a grabbed job may wait. */
  jenkinsOutage: "jenkins_outage",
  /** A bug: an unexpected error while running the job. */
  internal: "internal",
} as const;

export type FailureCode = (typeof FAILURE)[keyof typeof FAILURE];
export const FAILURE_CODES: readonly FailureCode[] = Object.values(FAILURE);

export interface Outcome {
  fn: string;
  job: string;
  /** Jenkins result for WORK_COMPLETE; null for WORK_FAIL. */
  result: string | null;
  /** Why it failed (WORK_FAIL), else null. */
  code: FailureCode | null;
  /** The readable reason, for logs and status. */
  detail: string | null;
  ms: number;
}
