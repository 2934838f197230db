/** What the bridge's parts share: the ports, the capacity owner, the run table, and settings. */
import type { Logger } from "pino";

import type { Capacity } from "./capacity/capacity.js";
import type { Outcome } from "./outcome.js";
import type { JenkinsPort, PollerPort } from "./ports.js";
import type { RunTable } from "./runs/run-table.js";

export interface BridgeSettings {
  /** A triggered build that has not started after this long is cancelled and its job failed. */
  buildStartTimeoutMs: number;
  /** How long a grabbed job waits for the node picture to show a free node of its group. */
  placementWaitMs: number;
  /** How long a grabbed job is held while Jenkins does not answer before it is failed (so Zuul runs it elsewhere). */
  outageHoldMs: number;
  /** After a trigger whose outcome is unknown, how long to wait between the two look-ups that must both find nothing before triggering again. */
  uncertainSettleMs: number;
}

export interface BridgeContext {
  readonly master: string;
  readonly jenkins: JenkinsPort;
  readonly poller: PollerPort;
  readonly capacity: Capacity;
  readonly runs: RunTable;
  readonly log: Logger;
  readonly settings: BridgeSettings;
  /** Aborted when the bridge closes: every wait ends with it. */
  readonly signal: AbortSignal;
  now(): number;
  outcome(o: Outcome): void;
  /** Jenkins answers (no overdue request, last poll succeeded). */
  jenkinsHealthy(): boolean;
}
