/**
 * New jobs grabbed while the master is paused (docs/architecture.md "No build twice"). A paused
 * group grabs only for jobs of ours that gearmand will hand back; a new job can come on such a
 * grab (gearmand hands out whatever is queued first). Refusing it with WORK_FAIL would spend one
 * of Zuul's three launches, and the retry can land on the next paused group as fast: the soak
 * lost jobs that way (RELIABILITY.md "Seeded fault soak"). So the job is parked, still held, and
 * started as usual once the pause ends. A process that exits with it parked closes its
 * connection, and gearmand requeues it for another worker: nothing is spent. A job parked for
 * longer than `outageHoldMs` (a drain nobody resumes, a Jenkins that stays down) is handed back
 * then, once.
 */
import type { GroupRef } from "./capacity/capacity.js";
import type { BridgeContext } from "./context.js";
import { FAILURE } from "./outcome.js";
import type { WorkerJobPort } from "./ports.js";
import type { Reporting } from "./reporting.js";
import type { HeldJob } from "./status.js";

interface Parked {
  readonly group: GroupRef;
  readonly since: number;
}

export class Parking {
  readonly #c: BridgeContext;
  readonly #report: Reporting;
  readonly #start: (job: WorkerJobPort, group: GroupRef) => void;
  readonly #parked = new Map<WorkerJobPort, Parked>();

  /** @param start starts a job as if just grabbed (called once the pause is over). */
  constructor(c: BridgeContext, report: Reporting, start: (job: WorkerJobPort, group: GroupRef) => void) {
    this.#c = c;
    this.#report = report;
    this.#start = start;
    c.capacity.on("changed", () => this.#release());
  }

  /** The jobs held now, oldest first (for /status). */
  list(now: number): HeldJob[] {
    return [...this.#parked].map(([job, p]) => ({ function: job.functionName, unique: job.unique, ageMs: now - p.since }));
  }

  park(job: WorkerJobPort, group: GroupRef): void {
    // The group's other kept grabs are spent: one parked job per group and pause.
    this.#c.capacity.spendExpected(group);
    this.#parked.set(job, { group, since: this.#c.now() });
    job.on("lost", () => this.#parked.delete(job));
    this.#c.log.info({ fn: job.functionName, unique: job.unique, paused: this.#c.capacity.pauses }, "a new job came on a grab kept for a job of ours while paused: holding it until the pause ends");
  }

  /** Each cycle: a job parked for longer than the outage bound goes back to Zuul. */
  onCycle(): void {
    const now = this.#c.now();
    for (const [job, p] of [...this.#parked]) {
      if (now - p.since < this.#c.settings.outageHoldMs) continue;
      this.#parked.delete(job);
      const draining = this.#c.capacity.pauses.includes("drain");
      const why = draining ? "the master is draining" : "Jenkins is not answering";
      this.#report.reject(job, job.functionName, draining ? FAILURE.handedBack : FAILURE.jenkinsOutage, `${why} for ${Math.round((now - p.since) / 1000)} s; Zuul runs the build elsewhere`);
    }
  }

  #release(): void {
    if (this.#parked.size === 0 || this.#c.capacity.paused) return;
    const jobs = [...this.#parked];
    this.#parked.clear();
    for (const [job, p] of jobs) {
      if (job.lost) continue;
      this.#c.log.info({ fn: job.functionName, unique: job.unique }, "the pause is over: starting the job held meanwhile");
      this.#start(job, p.group);
    }
  }
}
