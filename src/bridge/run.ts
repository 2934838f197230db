/** One Gearman build job and the Jenkins build it became. */
import type { BuildInfo, WorkerJobPort, WorkerPort } from "./ports.js";

export type RunState = "triggering" | "queued" | "running" | "finishing" | "done";

export class BuildRun {
  readonly unique: string;
  readonly fn: string;
  /** Full name of the Jenkins job. */
  readonly job: string;
  /** Short name, reported as `name` (the plugin's `project.getName()`). */
  readonly jobName: string;
  readonly workerId: string;
  readonly offlineWhenComplete: boolean;
  readonly grabbedAt: number;
  gearman: WorkerJobPort;
  /** The worker holding `gearman`, whose capacity the run counts against. */
  worker: WorkerPort;
  /** The node reserved for it; replaced by the node it really started on. */
  node: string;
  state: RunState = "triggering";
  queueId: number | null = null;
  build: BuildInfo | null = null;
  startedAt: number | null = null;
  /** Why Jenkins has not started it yet (queue `why`). */
  why: string | null = null;
  following = false;
  /** Poll cycles the run spent queued without being in the poller's queue picture. */
  unseenCycles = 0;

  constructor(o: {
    unique: string;
    fn: string;
    job: string;
    jobName: string;
    workerId: string;
    node: string;
    offlineWhenComplete: boolean;
    gearman: WorkerJobPort;
    worker: WorkerPort;
    grabbedAt: number;
  }) {
    this.unique = o.unique;
    this.fn = o.fn;
    this.job = o.job;
    this.jobName = o.jobName;
    this.workerId = o.workerId;
    this.node = o.node;
    this.offlineWhenComplete = o.offlineWhenComplete;
    this.gearman = o.gearman;
    this.worker = o.worker;
    this.grabbedAt = o.grabbedAt;
  }

  get token(): string {
    return this.unique;
  }
}

/**
 * The JSON the plugin sent in WORK_DATA and WORK_COMPLETE (contract §3): `name`, integer
 * `number`, `manager`, `worker`, `url`, `node_name` ("" for the built-in node), `node_labels`,
 * and `result` at the end.
 */
export function reportJson(
  run: BuildRun,
  build: BuildInfo,
  manager: string,
  nodeName: string,
  nodeLabels: readonly string[],
  result?: string | null,
): string {
  const o: Record<string, unknown> = {
    name: run.jobName,
    number: build.number,
    manager,
    worker: run.workerId,
    url: build.url,
    node_name: nodeName,
    node_labels: nodeLabels,
  };
  if (result !== undefined) o["result"] = result;
  return JSON.stringify(o);
}
