/**
 * What Zuul hears (docs/contract.md "Reporting"), as the plugin sent it: WORK_DATA then
 * WORK_STATUS when the build starts; WORK_COMPLETE with the same JSON plus `result` when it
 * ends, for every Jenkins result, after taking the node offline for OFFLINE_NODE_WHEN_COMPLETE;
 * WORK_FAIL without a result (Zuul runs it again) only when the build could not run or was
 * lost. Every end goes through the capacity owner (Capacity.end), which frees the node and
 * closes a retired worker only after the packet is sent.
 */
import { describeError } from "../util/index.js";
import type { BridgeContext } from "./context.js";
import { FAILURE, type FailureCode } from "./outcome.js";
import type { ReportedBuild, WorkerJobPort } from "./ports.js";
import { reportJson, type BuildRun } from "./runs/run.js";

export const OFFLINE_REASON = "Offline due to Gearman request";

export class Reporting {
  readonly #c: BridgeContext;

  constructor(c: BridgeContext) {
    this.#c = c;
  }

  /** The build started (or a re-grabbed job needs to hear it again): WORK_DATA, then WORK_STATUS. */
  started(run: BuildRun, b: ReportedBuild): void {
    const node = b.node ?? run.node ?? "";
    run.gearman.sendData(reportJson(run, b, this.#c.master, node, this.#labels(node)));
    const now = this.#c.now();
    const elapsed = Math.max(0, now - (b.timestamp || now));
    run.gearman.sendStatus(elapsed, b.estimatedDuration > 0 ? b.estimatedDuration : -1);
    this.#c.log.info({ job: run.job, number: b.number, node, url: b.url }, "build started");
  }

  /** The build is done: offline the node if asked, then WORK_COMPLETE with its result. */
  async finished(run: BuildRun, b: ReportedBuild): Promise<void> {
    if (!run.live) return;
    const node = b.node ?? run.node ?? "";
    const queueId = run.queueId;
    run.phase = { kind: "finishing", node, build: b };
    if (queueId !== null) this.#c.poller.unfollow(queueId);
    if (run.offlineWhenComplete) {
      // The plugin takes the node offline before WORK_COMPLETE, whatever the result (docs/contract.md "OFFLINE_NODE_WHEN_COMPLETE").
      try {
        await this.#c.jenkins.setNodeOffline(node, OFFLINE_REASON);
        // Not free from now on: a job grabbed before the next listing is not placed there.
        this.#c.poller.markOffline(node, OFFLINE_REASON);
      } catch (e) {
        this.#c.log.error({ err: e, node }, "could not take the node offline after an OFFLINE_NODE_WHEN_COMPLETE build");
      }
    }
    const json = reportJson(run, b, this.#c.master, node, this.#labels(node), b.result);
    const sent = this.#c.capacity.end(run.gearman, run.token, () => run.gearman.complete(json));
    if (!sent) {
      // Our Gearman connection dropped: gearmand requeued the job. Keep the record so that whoever
      // grabs it again (us, after reconnecting) adopts this finished build instead of running it twice.
      this.#c.log.warn({ job: run.job, number: b.number }, "build finished but its Gearman connection is gone; kept for adoption");
      this.#close(run, false, b.result, null, null);
      this.#c.capacity.expect(run.token, run.fn);
      return;
    }
    this.#c.log.info({ job: run.job, number: b.number, result: b.result, ms: this.#c.now() - run.grabbedAt }, "build reported");
    this.#close(run, true, b.result, null, null);
  }

  /** WORK_FAIL without a result: Zuul runs the build again. */
  fail(run: BuildRun, code: FailureCode, detail: string): void {
    if (!run.live) return;
    this.#c.log.warn({ job: run.job, node: run.node, queueId: run.queueId, code, reason: detail }, "failing the job so that Zuul retries it");
    this.#c.capacity.end(run.gearman, run.token, () => run.gearman.fail());
    this.#close(run, true, null, code, detail);
  }

  /** A job that never became a run (unknown job, bad arguments, no node): WORK_FAIL (after WORK_EXCEPTION for bad arguments). */
  reject(job: WorkerJobPort, name: string, code: FailureCode, detail: string): void {
    this.#c.log.warn({ fn: job.functionName, code, reason: detail }, code === FAILURE.badArguments ? "refusing a job with bad arguments (WORK_EXCEPTION)" : "failing the job so that Zuul retries it");
    if (code === FAILURE.badArguments) job.exception(detail);
    this.#c.capacity.end(job, null, () => job.fail());
    this.#c.outcome({ fn: job.functionName, job: name, result: null, code, detail, ms: 0 });
  }

  /** An unexpected error in the bridge: fail the job rather than leave Zuul waiting. */
  internal(job: WorkerJobPort, run: BuildRun | undefined, e: unknown): void {
    this.#c.log.error({ err: e, fn: job.functionName }, "unexpected error running a job; failing it so Zuul retries");
    if (run !== undefined && run.gearman === job) this.fail(run, FAILURE.internal, describeError(e));
    else if (!job.done && !job.lost) this.reject(job, job.functionName, FAILURE.internal, describeError(e));
  }

  #close(run: BuildRun, forget: boolean, result: string | null, code: FailureCode | null, detail: string | null): void {
    const q = run.queueId;
    if (q !== null) this.#c.poller.unfollow(q);
    this.#c.runs.remove(run, forget);
    run.phase = { kind: "done" };
    this.#c.outcome({ fn: run.fn, job: run.job, result, code, detail, ms: this.#c.now() - run.grabbedAt });
  }

  #labels(node: string): string[] {
    return [...(this.#c.poller.nodes.get(node)?.labels ?? [])];
  }
}
