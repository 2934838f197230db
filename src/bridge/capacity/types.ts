/** The capacity owner's vocabulary (docs/architecture.md "Capacity"): groups as others see them, its options, pause reasons, a job's token. */
import type { Logger } from "pino";

import type { WorkerJobPort, WorkerPort } from "../ports.js";

/** A group of nodes with one function set, served by one worker (one connection per Gearman server). */
export interface GroupRef {
  readonly id: number;
  readonly clientId: string;
}

export interface GroupView extends GroupRef {
  readonly worker: WorkerPort;
  readonly functions: readonly string[];
  readonly nodes: readonly string[];
  readonly retired: boolean;
  readonly freeExecutors: number;
  readonly holds: number;
  readonly budget: number;
}

export interface CapacityOptions {
  /** Client ids are `${prefix}_sidecar-${id}`. */
  clientIdPrefix: string;
  createWorker: (clientId: string) => WorkerPort;
  /** A job was assigned to a group's worker; it is already held (counted) when this is called. */
  onJob(job: WorkerJobPort, group: GroupRef): void;
  logger: Logger;
  now?: () => number;
  /** How long a job we expect back keeps a grab (EXPECT_BACK_MS). */
  expectBackMs?: number;
}

export type PauseReason = "drain" | "jenkins" | "starting";

/** The token of a job: its Gearman unique id (Zuul's ZUUL_UUID), or its handle when it has none. */
export function tokenOf(job: Pick<WorkerJobPort, "unique" | "handle">): string {
  return job.unique !== "" ? job.unique : job.handle;
}
