/**
 * A grabbed `build:` job, from JOB_ASSIGN_UNIQ to its trigger (docs/architecture.md "The life
 * of a Gearman job"): a job already in flight or in the state file goes to adoption; otherwise
 * resolve the function to a Jenkins job, parse Zuul's arguments, read the job's parameter
 * definitions (to pin the build through its node parameter), place it on a free node of its
 * group, and trigger. Every wait re-checks what it depends on: a job deleted meanwhile is
 * failed with its reason, not an "unexpected error".
 */
import { delay, describeError } from "../util/index.js";
import type { Adoption } from "./adoption.js";
import { parseArguments, wantsOfflineWhenComplete } from "./arguments.js";
import { tokenOf, type GroupRef } from "./capacity/capacity.js";
import type { BridgeContext } from "./context.js";
import { BadArgumentsError, NoFreeNodeError } from "./errors.js";
import { FAILURE } from "./outcome.js";
import type { JobDetails, WorkerJobPort } from "./ports.js";
import { Parking } from "./parking.js";
import type { Reporting } from "./reporting.js";
import { BuildRun } from "./runs/run.js";
import type { HeldJob } from "./status.js";
import type { Triggering } from "./trigger.js";

export class Intake {
  readonly #c: BridgeContext;
  readonly #report: Reporting;
  readonly #trigger: Triggering;
  readonly #adoption: Adoption;
  readonly #unpinned: (job: string) => void;
  readonly #parking: Parking;

  /** @param unpinned called with a job that has no node parameter (Jenkins will place its builds). */
  constructor(c: BridgeContext, report: Reporting, trigger: Triggering, adoption: Adoption, unpinned: (job: string) => void) {
    this.#c = c;
    this.#report = report;
    this.#trigger = trigger;
    this.#adoption = adoption;
    this.#unpinned = unpinned;
    this.#parking = new Parking(c, report, (job, group) => this.onJob(job, group));
  }

  /** Jobs grabbed while paused and held until the pause ends. */
  held(now: number): HeldJob[] {
    return this.#parking.list(now);
  }

  /** Each poll cycle: jobs parked too long go back to Zuul. */
  onCycle(): void {
    this.#parking.onCycle();
  }

  /** A `build:` job was assigned on a group's worker (already held by the capacity owner). */
  onJob(job: WorkerJobPort, group: GroupRef): void {
    this.#start(job, group).catch((e: unknown) => this.#report.internal(job, this.#c.runs.get(tokenOf(job)), e));
  }

  async #start(job: WorkerJobPort, group: GroupRef): Promise<void> {
    const unique = tokenOf(job);
    const existing = this.#c.runs.get(unique);
    if (existing !== undefined) return this.#adoption.regrab(job, group, existing);
    const record = this.#c.runs.record(unique);
    if (record !== undefined) return this.#adoption.restore(job, group, record);

    // A new job on a grab kept for one of ours coming back: a paused master runs nothing new.
    if (this.#c.capacity.paused) return this.#parking.park(job, group);
    const fullName = this.#resolve(job);
    if (fullName === null) return this.#report.reject(job, job.functionName, FAILURE.jobMissing, "the job no longer exists in Jenkins");
    let params: Record<string, string>;
    try {
      params = parseArguments(job.data);
    } catch (e) {
      return this.#report.reject(job, fullName, FAILURE.badArguments, e instanceof BadArgumentsError ? e.message : describeError(e));
    }
    let details: JobDetails | null;
    try {
      details = await this.#details(fullName, job);
    } catch (e) {
      if (!job.lost) this.#report.reject(job, fullName, FAILURE.jenkinsOutage, `cannot read the job from Jenkins: ${describeError(e)}`);
      return;
    }
    if (details === null || job.lost) {
      if (!job.lost) this.#report.reject(job, fullName, FAILURE.jobMissing, "the job no longer exists in Jenkins");
      return;
    }
    if (details.nodeParameter === null) this.#unpinned(fullName);
    const run = new BuildRun({
      unique,
      uuid: params["ZUUL_UUID"] ?? null,
      fn: job.functionName,
      job: fullName,
      jobName: details.name,
      params,
      offlineWhenComplete: wantsOfflineWhenComplete(params),
      grabbedAt: this.#c.now(),
      pin: details.nodeParameter?.name ?? null,
      gearman: job,
      group,
      phase: { kind: "placing", since: this.#c.now() },
    });
    this.#c.runs.add(run);
    const node = await this.place(run, job);
    if (!run.live) return;
    if (job.lost) {
      // Its connection dropped while it waited: gearmand hands it back (regrab starts it over).
      if (node !== null) this.#c.capacity.release(run.token);
      if (this.#c.runs.get(run.unique) === run) this.#c.runs.remove(run, true);
      return;
    }
    if (node === null) return this.#report.fail(run, FAILURE.noFreeNode, new NoFreeNodeError(job.functionName).message);
    if (!this.#c.poller.jobs.has(fullName)) {
      this.#c.capacity.release(run.token);
      return this.#report.fail(run, FAILURE.jobMissing, "the job was deleted from Jenkins while the build waited for a node");
    }
    await this.#trigger.send(run, node);
  }

  /** The full name of the job a `build:` function names; several jobs may share a short name (the first is run). */
  #resolve(job: WorkerJobPort): string | null {
    const jobs = this.#c.capacity.jobsFor(job.functionName);
    const fullName = jobs.find((j) => this.#c.poller.jobs.has(j)) ?? null;
    if (jobs.length > 1) this.#c.log.warn({ fn: job.functionName, jobs }, "several jobs share this short name; running the first");
    return fullName;
  }

  /**
   * A free node of the run's group. The poll picture can be a moment behind (a short build
   * ended after the snapshot that still shows it): wait, holding the group's capacity, until the
   * capacity owner reports a change that frees one, up to `placementWaitMs`. Returns null then.
   */
  place(run: BuildRun, job: WorkerJobPort, avoid: readonly string[] = []): Promise<string | null> {
    const o = { exclusive: run.offlineWhenComplete, avoid };
    const now = this.#c.capacity.place(job, run.token, o);
    if (now !== null) return Promise.resolve(now);
    const cap = this.#c.capacity;
    return new Promise<string | null>((resolve) => {
      const done = (node: string | null): void => {
        clearTimeout(timer);
        cap.off("changed", onChange);
        this.#c.signal.removeEventListener("abort", onAbort);
        resolve(node);
      };
      const onAbort = (): void => done(null);
      const onChange = (): void => {
        if (!run.live || job.lost) return done(null);
        const node = cap.place(job, run.token, o);
        if (node !== null) done(node);
      };
      const timer = setTimeout(() => done(null), this.#c.settings.placementWaitMs);
      cap.on("changed", onChange);
      this.#c.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * The job's parameter definitions (without them the node parameter is unknown). When Jenkins
   * does not answer, the Gearman job is held, not failed, and read again until the outage bound.
   */
  async #details(fullName: string, job: WorkerJobPort): Promise<JobDetails | null> {
    const deadline = this.#c.now() + this.#c.settings.outageHoldMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#c.poller.jobDetails(fullName);
      } catch (e) {
        if (job.lost || this.#c.now() >= deadline) throw e;
        if (attempt === 0) this.#c.log.warn({ job: fullName, reason: describeError(e) }, "cannot read the job from Jenkins; holding the Gearman job until Jenkins answers");
        await delay(1000, this.#c.signal);
      }
    }
  }
}
