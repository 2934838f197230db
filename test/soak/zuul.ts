/**
 * A Zuul v2 stand-in on the project's GearmanClient, as test/helpers/stack.ts submitLikeZuul submits:
 * `build:JOB` (or `build:JOB:ZUUL_NODE`), unique = ZUUL_UUID, round robin over the gearmands (gear's
 * Client.getConnection, gear 0.7.0 gear/__init__.py:1233-1257).
 *
 * Retries follow Zuul 2.6.0 (openstack-infra/zuul at tag 2.6.0):
 * - A launch ends at WORK_COMPLETE, WORK_FAIL, WORK_EXCEPTION or a disconnect (ZuulGearmanClient's
 *   handlers and handleDisconnect, zuul/launcher/gearman.py:70-97). Its result is `result` of the last data
 *   packet (getJobData, :56-62); none means `build.retry = True` (onBuildCompleted, :435-452).
 * - A retried build is removed from the build set (BuildSet.removeBuild increments `tries`, zuul/model.py:681-683)
 *   and launched again by the next launchJobs: a NEW launch, so a NEW `uuid4().hex` as ZUUL_UUID and Gearman
 *   unique (launch(), zuul/launcher/gearman.py:276-285) and a new LOG_PATH ending in uuid[:7] (:316-319).
 * - launch() gives up with RETRY_LIMIT once `tries > job.attempts` (:370-374), attempts defaulting to 3
 *   (zuul/model.py:469-470, zuul/scheduler.py:533): at most 3 launches.
 * - A submit that no server accepts is the result EXCEPTION (:383-390), not a retry.
 * Not modelled: isJobRegistered (NOT_REGISTERED right after a gearmand restart, before the sidecars
 * re-register, is Zuul's own race, contract §8.16) and cancellation.
 */
import { randomUUID } from "node:crypto";

import type { ClientJob, GearmanClient } from "../../src/gearman/index.js";
import { zuulParams } from "../helpers/stack.js";
import type { PlannedLaunch } from "./schedule.js";
import type { AttemptRecord, ZuulJobRecord } from "./types.js";

/** zuul/model.py:470 `self.attempts = 3`. */
export const ZUUL_ATTEMPTS = 3;

/** Zuul's getJobData(job): the last data packet, JSON-decoded; {} when there is none or it is empty. */
export function lastData(job: Pick<ClientJob, "dataPackets">): Record<string, unknown> {
  const d = job.dataPackets[job.dataPackets.length - 1];
  if (d === undefined || d.length === 0) return {};
  try {
    const v: unknown = JSON.parse(d.toString("utf8"));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** What the stand-in needs of a Gearman client (GearmanClient, or a fake in the unit tests). */
export type Submitter = Pick<GearmanClient, "submit">;

export class ZuulStandIn {
  readonly #client: Submitter;
  readonly jobs: ZuulJobRecord[] = [];
  readonly #inflight = new Set<Promise<void>>();
  /** Protocol oddities seen (e.g. a data packet that is not JSON), for the report. */
  readonly anomalies: string[] = [];

  constructor(client: Submitter) {
    this.#client = client;
  }

  get attempts(): AttemptRecord[] {
    return this.jobs.flatMap((j) => j.attempts);
  }

  get pending(): number {
    return this.jobs.filter((j) => j.outcome === "pending").length;
  }

  /** Starts a Zuul job: its first launch now, the retries as Zuul would. */
  launch(plan: PlannedLaunch): ZuulJobRecord {
    const rec: ZuulJobRecord = { id: this.jobs.length + 1, job: plan.job, submittedAt: Date.now(), attempts: [], outcome: "pending", result: null };
    this.jobs.push(rec);
    const p = this.#run(rec, plan).catch((e: unknown) => {
      this.anomalies.push(`job ${rec.id}: ${e instanceof Error ? e.message : String(e)}`);
    });
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
    return rec;
  }

  async #run(rec: ZuulJobRecord, plan: PlannedLaunch): Promise<void> {
    for (let n = 1; n <= ZUUL_ATTEMPTS; n++) {
      const a = await this.#attempt(rec, plan, n);
      if (a.ending === "submit-error") {
        rec.outcome = "exception";
        rec.result = "EXCEPTION";
        return;
      }
      if (a.result !== null) {
        rec.outcome = "result";
        rec.result = a.result;
        return;
      }
    }
    rec.outcome = "retry-limit";
    rec.result = "RETRY_LIMIT";
  }

  async #attempt(rec: ZuulJobRecord, plan: PlannedLaunch, n: number): Promise<AttemptRecord> {
    const uuid = randomUUID().replace(/-/g, "");
    const params = zuulParams({ ZUUL_UUID: uuid, LOG_PATH: `05/60105/3/gate/${plan.job}/${uuid.slice(0, 7)}`, ...(plan.zuulNode !== null ? { ZUUL_NODE: plan.zuulNode } : {}) });
    const fn = plan.zuulNode !== null ? `build:${plan.job}:${plan.zuulNode}` : `build:${plan.job}`;
    const a: AttemptRecord = { zuulJob: rec.id, attempt: n, uuid, fn, server: null, submittedAt: Date.now(), started: null, endedAt: null, ending: null, result: null, complete: null };
    rec.attempts.push(a);
    let job: ClientJob;
    try {
      // Zuul's submit timeout is 300 s (launch(), :384-385); 30 s per server is enough on loopback.
      job = await this.#client.submit(fn, JSON.stringify(params), { unique: uuid, priority: "normal", timeoutMs: 30_000 });
    } catch {
      a.ending = "submit-error";
      a.endedAt = Date.now();
      return a;
    }
    a.server = job.server;
    job.on("data", () => {
      const d = lastData(job);
      if (a.started === null && typeof d["number"] === "number") {
        a.started = { name: String(d["name"]), number: d["number"], manager: String(d["manager"]), at: Date.now() };
      }
    });
    const r = await job.result;
    a.endedAt = Date.now();
    a.ending = r.kind;
    // WORK_COMPLETE's payload is the last data packet; after WORK_FAIL/EXCEPTION or a disconnect it is the start WORK_DATA.
    const d = lastData(job);
    a.result = typeof d["result"] === "string" ? d["result"] : null;
    if (r.kind === "complete") {
      a.complete = d;
      if (r.data.length > 0 && Object.keys(d).length === 0) this.anomalies.push(`${uuid}: WORK_COMPLETE data is not a JSON object`);
    }
    return a;
  }

  /** Resolves when every launched job has an outcome, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inflight.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.#inflight]), new Promise((r) => setTimeout(r, Math.min(1000, Math.max(0, deadline - Date.now()))))]);
    }
    return this.#inflight.size === 0;
  }
}
