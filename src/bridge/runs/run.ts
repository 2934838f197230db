/**
 * One Gearman build job and the Jenkins build it becomes (docs/architecture.md "The life of a
 * Gearman job"). The phase is a union: what a phase knows (its node, its queue item, its build)
 * exists only in that phase, so nothing reads a queue id before there is one.
 */
import type { GroupRef } from "../capacity/capacity.js";
import type { ReportedBuild, WorkerJobPort } from "../ports.js";

export type RunPhase =
  /** Grabbed; waiting for a node of its group to be free (the poll picture may be a moment behind). */
  | { readonly kind: "placing"; readonly since: number }
  /** The trigger POST is in flight. */
  | { readonly kind: "triggering"; readonly node: string }
  /** Jenkins did not answer the trigger (a timeout, a reset): it may have queued the build. Look it up before anything else. */
  | { readonly kind: "uncertain"; readonly node: string; readonly since: number; readonly reason: string; readonly lookups: number }
  /** Jenkins is unreachable and the trigger was never sent: send it when Jenkins answers again. */
  | { readonly kind: "held"; readonly node: string; readonly since: number; readonly reason: string }
  | { readonly kind: "queued"; readonly node: string; readonly queueId: number; readonly why: string | null }
  | { readonly kind: "running"; readonly node: string; readonly queueId: number | null; readonly build: ReportedBuild; readonly startedAt: number }
  /** The build is done; the result is being reported (after OFFLINE_NODE_WHEN_COMPLETE's offline call). */
  | { readonly kind: "finishing"; readonly node: string | null; readonly build: ReportedBuild | null }
  | { readonly kind: "done" };

export type RunPhaseKind = RunPhase["kind"];

export class BuildRun {
  /** Gearman unique id: Zuul's ZUUL_UUID, or the handle when the job has none. */
  readonly unique: string;
  /** The ZUUL_UUID parameter, which finds the build in Jenkins when a trigger's outcome is unknown. */
  readonly uuid: string | null;
  readonly fn: string;
  /** Full name of the Jenkins job. */
  readonly job: string;
  /** Short name, reported as `name` (the plugin's `project.getName()`). */
  readonly jobName: string;
  readonly params: Readonly<Record<string, string>>;
  readonly offlineWhenComplete: boolean;
  readonly grabbedAt: number;
  /** The job's NodeLabel parameter, when it has one: the build is pinned through it. */
  pin: string | null;
  gearman: WorkerJobPort;
  /** The group whose worker holds `gearman`. */
  group: GroupRef;
  phase: RunPhase;
  /** Times the build was moved to another node because a foreign build took the executor. */
  moves = 0;

  constructor(o: {
    unique: string;
    uuid: string | null;
    fn: string;
    job: string;
    jobName: string;
    params: Record<string, string>;
    offlineWhenComplete: boolean;
    grabbedAt: number;
    pin: string | null;
    gearman: WorkerJobPort;
    group: GroupRef;
    phase: RunPhase;
  }) {
    this.unique = o.unique;
    this.uuid = o.uuid;
    this.fn = o.fn;
    this.job = o.job;
    this.jobName = o.jobName;
    this.params = o.params;
    this.offlineWhenComplete = o.offlineWhenComplete;
    this.grabbedAt = o.grabbedAt;
    this.pin = o.pin;
    this.gearman = o.gearman;
    this.group = o.group;
    this.phase = o.phase;
  }

  /** The token of its capacity reservation. */
  get token(): string {
    return this.unique;
  }

  /** The node it is placed on, once it has one. */
  get node(): string | null {
    const p = this.phase;
    return p.kind === "placing" || p.kind === "done" ? null : p.node;
  }

  get queueId(): number | null {
    const p = this.phase;
    return p.kind === "queued" || p.kind === "running" ? p.queueId : null;
  }

  get build(): ReportedBuild | null {
    const p = this.phase;
    return p.kind === "running" || p.kind === "finishing" ? p.build : null;
  }

  /** Still to be reported to Zuul. */
  get live(): boolean {
    return this.phase.kind !== "finishing" && this.phase.kind !== "done";
  }
}

/**
 * The JSON the plugin sent in WORK_DATA and WORK_COMPLETE (docs/contract.md "Reporting"):
 * `name`, integer `number`, `manager`, `worker`, `url`, `node_name` ("" for the built-in node),
 * `node_labels`, and `result` at the end.
 */
export function reportJson(
  run: BuildRun,
  build: ReportedBuild,
  manager: string,
  nodeName: string,
  nodeLabels: readonly string[],
  result?: string | null,
): string {
  const o: Record<string, unknown> = {
    name: run.jobName,
    number: build.number,
    manager,
    worker: run.group.clientId,
    url: build.url,
    node_name: nodeName,
    node_labels: nodeLabels,
  };
  if (result !== undefined) o["result"] = result;
  return JSON.stringify(o);
}
