/**
 * A job gearmand hands back (docs/architecture.md "No build twice"): gearmand requeues a job
 * whose worker connection dropped, so the same unique id comes back, to this process after a
 * reconnect (regrab) or to the next process after a restart (restore, from the state file).
 * Either way the build that was already triggered is followed, never triggered again.
 */
import { describeError } from "../util/index.js";
import { parseArguments, wantsOfflineWhenComplete } from "./arguments.js";
import { tokenOf, type GroupRef } from "./capacity/capacity.js";
import type { BridgeContext } from "./context.js";
import type { WorkerJobPort } from "./ports.js";
import type { Reporting } from "./reporting.js";
import { BuildRun } from "./runs/run.js";
import type { InFlightRecord } from "./runs/state-file.js";
import type { Triggering } from "./trigger.js";

export class Adoption {
  readonly #c: BridgeContext;
  readonly #report: Reporting;
  readonly #trigger: Triggering;
  /** Starts a job from scratch (a run still waiting for a node when its job was lost). */
  readonly #fresh: (job: WorkerJobPort, group: GroupRef) => void;

  constructor(c: BridgeContext, report: Reporting, trigger: Triggering, fresh: (job: WorkerJobPort, group: GroupRef) => void) {
    this.#c = c;
    this.#report = report;
    this.#trigger = trigger;
    this.#fresh = fresh;
  }

  /** gearmand handed us a job we are already running (our connection dropped and it was requeued). */
  regrab(job: WorkerJobPort, group: GroupRef, run: BuildRun): void {
    if (run.phase.kind === "placing") {
      // Nothing was triggered yet: the old attempt ends with its lost job; start over.
      this.#c.runs.remove(run, true);
      this.#fresh(job, group);
      return;
    }
    this.#c.log.info({ job: run.job, unique: run.unique, phase: run.phase.kind }, "re-grabbed a job already in flight: adopting it");
    run.gearman = job;
    run.group = group;
    this.#c.capacity.adopted(job);
    const b = run.build;
    if (b !== null) this.#report.started(run, b);
  }

  /** The sidecar restarted: follow the build it had already triggered (record from the state file). */
  async restore(job: WorkerJobPort, group: GroupRef, rec: InFlightRecord): Promise<void> {
    let params: Record<string, string> = {};
    try {
      params = parseArguments(job.data);
    } catch {
      // The same data was accepted before the restart; without it only the trigger could not be repeated.
    }
    const run = new BuildRun({
      unique: tokenOf(job),
      uuid: rec.uuid ?? params["ZUUL_UUID"] ?? null,
      fn: rec.fn,
      job: rec.job,
      jobName: this.#c.poller.jobs.get(rec.job)?.name ?? rec.job.split("/").pop() ?? rec.job,
      params,
      offlineWhenComplete: wantsOfflineWhenComplete(params),
      grabbedAt: rec.grabbedAt,
      pin: null,
      gearman: job,
      group,
      phase: { kind: "placing", since: this.#c.now() },
    });
    this.#c.runs.add(run);
    this.#c.capacity.reserve(job, run.token, rec.node, { exclusive: run.offlineWhenComplete, ...(rec.buildUrl !== null ? { url: rec.buildUrl } : {}) });
    this.#c.log.info({ job: rec.job, queueId: rec.queueId, build: rec.buildUrl, phase: rec.phase }, "adopting a build started before a restart; not triggering it again");
    if (rec.queueId !== null) {
      await this.#trigger.queued(run, rec.node, rec.queueId);
      if (rec.buildUrl !== null) this.#c.poller.track(rec.buildUrl, rec.node);
      return;
    }
    // The record was written just before the trigger: Jenkins may or may not have the build.
    try {
      run.pin = (await this.#c.poller.jobDetails(rec.job))?.nodeParameter?.name ?? null;
    } catch (e) {
      this.#c.log.warn({ job: rec.job, reason: describeError(e) }, "cannot read the job's parameters; a new trigger would not be pinned");
    }
    await this.#c.runs.move(run, { kind: "uncertain", node: rec.node, since: this.#c.now(), reason: "the sidecar stopped between writing its record and Jenkins' answer", lookups: 0 });
  }
}
