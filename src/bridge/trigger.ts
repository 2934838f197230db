/**
 * Sending the trigger, and never failing a job whose trigger may have reached Jenkins
 * (docs/architecture.md "A trigger whose outcome is unknown"). A POST that timed
 * out or was cut may still queue a build: the run turns `uncertain` and is looked up by its
 * ZUUL_UUID (the queue, then the job's newest builds) once Jenkins answers; only two look-ups
 * that find nothing, `uncertainSettleMs` apart, let it trigger again (and Jenkins folds an
 * identical trigger into a queued item anyway, Queue.java:612-668). A POST Jenkins never got
 * (connection refused) holds the run until Jenkins answers. A run held or uncertain for longer
 * than `outageHoldMs` is failed back to Zuul, and its ZUUL_UUID tombstoned.
 */
import { describeError } from "../util/index.js";
import type { BridgeContext } from "./context.js";
import { FAILURE } from "./outcome.js";
import type { Reporting } from "./reporting.js";
import type { BuildRun } from "./runs/run.js";
import type { Tombstones } from "./tombstones.js";
import { jobFullNameFromUrl, JenkinsConnectionError, JenkinsHttpError, JenkinsTriggerRefusedError } from "../jenkins/index.js";

/** What a failed trigger tells: refused (nothing queued), unsent (Jenkins never got it), or unknown. */
export function triggerFailure(e: unknown): "refused" | "unsent" | "unknown" {
  if (e instanceof JenkinsTriggerRefusedError) return "refused";
  if (e instanceof JenkinsHttpError) return e.status === 502 || e.status === 503 || e.status === 504 ? "unknown" : "refused";
  if (e instanceof JenkinsConnectionError && isNeverSent(e.code)) return "unsent";
  return "unknown";
}

/** errno codes of a connection that never carried the request. */
function isNeverSent(code: string | null): boolean {
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "UND_ERR_CONNECT_TIMEOUT";
}

export class Triggering {
  readonly #c: BridgeContext;
  readonly #report: Reporting;
  readonly #tombstones: Tombstones;

  constructor(c: BridgeContext, report: Reporting, tombstones: Tombstones) {
    this.#c = c;
    this.#report = report;
    this.#tombstones = tombstones;
  }

  /** Triggers the run's build on `node`; the record is on disk before the POST leaves. */
  async send(run: BuildRun, node: string): Promise<void> {
    await this.#c.runs.move(run, { kind: "triggering", node });
    if (!run.live) return;
    const log = this.#c.log.child({ job: run.job, unique: run.unique });
    try {
      const params = { ...run.params };
      const { queueId, existing } = await this.#c.jenkins.trigger(run.job, params, { delaySec: 0, ...(run.pin !== null ? { pin: { parameter: run.pin, node } } : {}) });
      if (!run.live || run.phase.kind !== "triggering") {
        // Failed or handed back meanwhile: Zuul runs it again, so this build must not run.
        await this.#c.jenkins.cancelQueueItem(queueId).catch(() => false);
        return;
      }
      log.info({ node, queueId, existing }, existing ? "joined an identical queued build" : "triggered");
      await this.queued(run, node, queueId);
    } catch (e) {
      if (!run.live) return;
      const kind = triggerFailure(e);
      const reason = describeError(e);
      if (kind === "refused") this.#report.fail(run, FAILURE.triggerRefused, `Jenkins refused the trigger: ${reason}`);
      else if (kind === "unsent") {
        log.warn({ reason }, "Jenkins did not take the trigger; holding the job until it answers");
        await this.#c.runs.move(run, { kind: "held", node, since: this.#c.now(), reason });
      } else {
        log.warn({ reason }, "the trigger's outcome is unknown (Jenkins may have queued it); looking the build up by ZUUL_UUID before anything else");
        await this.#c.runs.move(run, { kind: "uncertain", node, since: this.#c.now(), reason, lookups: 0 });
      }
    }
  }

  /** The run's queue item is known: follow it. */
  async queued(run: BuildRun, node: string, queueId: number): Promise<void> {
    await this.#c.runs.move(run, { kind: "queued", node, queueId, why: null });
    this.#c.poller.follow(queueId, run.job, node);
  }

  /** Each cycle: runs held or uncertain make progress once Jenkins answers, or give up after the outage bound. */
  async onCycle(run: BuildRun): Promise<void> {
    const p = run.phase;
    if (p.kind !== "held" && p.kind !== "uncertain") return;
    if (this.#c.now() - p.since > this.#c.settings.outageHoldMs) {
      const detail = `Jenkins did not answer for ${Math.round((this.#c.now() - p.since) / 1000)} s (${p.reason})`;
      if (p.kind === "uncertain" && run.uuid !== null) this.#tombstones.add(run.uuid, run.job);
      this.#report.fail(run, FAILURE.jenkinsOutage, detail);
      return;
    }
    if (!this.#c.jenkinsHealthy()) return;
    if (p.kind === "held") return this.send(run, p.node);
    if (p.lookups > 0 && this.#c.now() - p.since < p.lookups * this.#c.settings.uncertainSettleMs) return;
    const found = await this.#lookUp(run);
    if (!run.live || run.phase.kind !== "uncertain") return;
    if (found === "queued" || found === "started") return;
    if (p.lookups + 1 < 2) {
      await this.#c.runs.move(run, { ...p, lookups: p.lookups + 1 });
      return;
    }
    this.#c.log.info({ job: run.job, unique: run.unique }, "no build of the uncertain trigger after two look-ups: triggering again");
    await this.send(run, p.node);
  }

  /** Finds the run's build by its ZUUL_UUID: a queued item, or a build of the job. */
  async #lookUp(run: BuildRun): Promise<"queued" | "started" | "none"> {
    const p = run.phase;
    if (p.kind !== "uncertain" || run.uuid === null) return "none";
    const uuid = run.uuid;
    for (const item of await this.#c.jenkins.listQueue()) {
      if (item.params["ZUUL_UUID"] === uuid && jobFullNameFromUrl(item.jobUrl) === run.job) {
        this.#c.log.info({ job: run.job, queueId: item.id }, "found the uncertain trigger's build queued: following it");
        await this.queued(run, p.node, item.id);
        return "queued";
      }
    }
    const b = await this.#c.jenkins.findBuildByParameter(run.job, "ZUUL_UUID", uuid);
    if (b === null) return "none";
    this.#c.log.info({ job: run.job, number: b.number }, "found the uncertain trigger's build: following it");
    if (b.queueId !== null) await this.queued(run, p.node, b.queueId);
    this.#c.poller.track(b.url, p.node);
    return "started";
  }
}
