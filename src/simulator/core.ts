/**
 * The simulator's operations, shared by the HTTP routes, the /__sim/ hooks and the JenkinsSimulator API.
 * It owns the model and drives the scheduler: a tick right after every change (setImmediate) and, with the
 * real clock, a timer for the next timed event.
 */
import { UnknownBuildError } from "./errors.js";
import { defaultValue } from "./beans.js";
import { type Build, type Cause, type Job, ManualClock, Model, type ParamValue, type SimNode, realClock } from "./model.js";
import { type ScheduleResult, cancel, failBuildsOn, finishBuild, maintain, schedule, worse } from "./scheduler.js";
import { TriggerError } from "./errors.js";
import type { SimParamSpec, SimResult, SimulatorOptions } from "./types.js";

export const CAUSES = {
  user: "hudson.model.Cause$UserIdCause",
  timer: "hudson.triggers.TimerTrigger$TimerTriggerCause",
  userCause: "hudson.slaves.OfflineCause$UserCause",
  channel: "hudson.slaves.OfflineCause$ChannelTermination",
} as const;

export function userCause(user: string | null): Cause {
  const name = user ?? "anonymous";
  return { cls: CAUSES.user, shortDescription: `Started by user ${name}`, userId: user, userName: name };
}

export const timerCause: Cause = { cls: CAUSES.timer, shortDescription: "Started by timer", userId: null, userName: null };

export class SimCore {
  readonly m: Model;
  readonly manual: ManualClock | null;
  readonly quietPeriodMs: number;
  readonly sched: { leftItemTtlMs: number; executableNullWindowMs: number };
  /** Duration and result of builds of jobs created from XML. */
  readonly created: { durationMs: number; result: SimResult };
  #immediate: NodeJS.Immediate | null = null;
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;
  #closed = false;

  constructor(o: SimulatorOptions) {
    this.manual = o.clock === "manual" ? new ManualClock() : null;
    this.m = new Model(this.manual ?? realClock, o.builtInExecutors ?? 0, o.builtInLabels ?? []);
    this.quietPeriodMs = (o.quietPeriodSec ?? 5) * 1000;
    this.sched = { leftItemTtlMs: o.leftItemTtlMs ?? 300_000, executableNullWindowMs: o.executableNullWindowMs ?? 0 };
    this.created = { durationMs: o.createdJobs?.durationMs ?? 0, result: o.createdJobs?.result ?? "SUCCESS" };
    for (const n of o.nodes ?? []) this.m.addNode(n);
    for (const j of o.jobs ?? []) this.m.addJob(j);
  }

  /** Runs the scheduler soon (after the current request has been answered). */
  kick(): void {
    if (this.#immediate !== null || this.#closed) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = null;
      this.tick();
    });
  }

  tick(): void {
    if (this.#closed) return;
    maintain(this.m, this.sched);
    this.#arm();
  }

  #arm(): void {
    if (this.manual !== null || this.#closed) return;
    const next = this.m.events.peekTime();
    if (next === Infinity || next >= this.#timerAt) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timerAt = next;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Infinity;
      this.tick();
    }, Math.max(0, next - this.m.now()));
    this.#timer.unref();
  }

  advance(ms: number): void {
    if (this.manual !== null) this.manual.advance(ms);
    this.tick();
  }

  close(): void {
    this.#closed = true;
    if (this.#immediate !== null) clearImmediate(this.#immediate);
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#immediate = null;
    this.#timer = null;
  }

  // ---- triggers ----

  /**
   * Values for the defined parameters only; missing ones take their defaults (`SimpleParameterDefinition`).
   * Two values for one parameter, or an invalid choice, is an IllegalArgumentException → 500.
   */
  resolveParams(job: Job, lookup: (name: string) => readonly string[]): ParamValue[] {
    return job.params.map((p: SimParamSpec): ParamValue => {
      const given = lookup(p.name);
      if (given.length > 1) throw new TriggerError(500, `java.lang.IllegalArgumentException: multiple values for parameter ${p.name}`);
      const raw = given[0];
      if (raw === undefined) return { name: p.name, type: p.type, value: defaultValue(p) };
      if (p.type === "choice" && !(p.choices ?? []).includes(raw)) {
        throw new TriggerError(500, `java.lang.IllegalArgumentException: Illegal choice for parameter ${p.name}: ${raw}`);
      }
      if (p.type === "boolean") return { name: p.name, type: p.type, value: String(raw.toLowerCase() === "true") };
      return { name: p.name, type: p.type, value: raw };
    });
  }

  /** Schedules a build; 409 if the job is disabled (`ParameterizedJobMixIn`). */
  trigger(job: Job, params: readonly ParamValue[], delayMs: number | null, cause: Cause): ScheduleResult {
    if (job.disabled) throw new TriggerError(409, `${job.fullName} is not buildable`);
    const r = schedule(this.m, job, params, cause, delayMs ?? this.quietPeriodMs);
    this.kick();
    return r;
  }

  cancelItem(id: number): boolean {
    const ok = cancel(this.m, id);
    if (ok) this.kick();
    return ok;
  }

  // ---- builds ----

  build(job: Job, number: number): Build {
    const b = this.m.getBuild(job, number);
    if (b === undefined) throw new UnknownBuildError(`build #${number} of ${job.fullName}`);
    return b;
  }

  finish(b: Build, result: SimResult): void {
    finishBuild(this.m, b, result);
    this.kick();
  }

  /**
   * `Run.delete()` (Run.java:1563-1600, reached from `doDoDelete`, Run.java:2327-2348): a
   * finished build leaves its job's builds and its URL answers 404. A running one is refused
   * ("Unable to delete … because it is still running"): false.
   */
  deleteBuild(b: Build): boolean {
    if (b.building) return false;
    const job = b.job;
    job.byNumber.delete(b.number);
    const i = job.builds.indexOf(b);
    if (i >= 0) job.builds.splice(i, 1);
    this.m.dirty = true;
    return true;
  }

  /** Sets the result of a running build (it can only get worse); the build keeps running. */
  setResult(b: Build, result: SimResult): void {
    b.result = worse(b.result, result);
  }

  // ---- nodes ----

  #offlineCause(user: string | null, message: string | null): SimNode["offlineCause"] {
    const who = user ?? "anonymous";
    const msg = message === null || message.trim() === "" ? null : message.trim();
    return { cls: CAUSES.userCause, description: `Disconnected by ${who}${msg === null ? "" : ` : ${msg}`}`, reason: msg ?? "", timestamp: this.m.now() };
  }

  #changed(n: SimNode): void {
    this.m.refreshIdle(n);
    this.m.dirty = true;
    this.kick();
  }

  /** `Computer.doToggleOffline`: online → temporarily offline with a UserCause; temporarily offline → online. */
  toggleOffline(n: SimNode, user: string | null, message: string | null): void {
    if (n.temporarilyOffline) {
      n.temporarilyOffline = false;
      if (n.connected) n.offlineCause = null;
    } else {
      n.temporarilyOffline = true;
      n.offlineCause = this.#offlineCause(user, message);
    }
    this.#changed(n);
  }

  /** `Computer.doChangeOfflineCause`: always ends temporarily offline with this cause. Idempotent. */
  changeOfflineCause(n: SimNode, user: string | null, message: string | null): void {
    n.temporarilyOffline = true;
    n.offlineCause = this.#offlineCause(user, message);
    this.#changed(n);
  }

  /** The agent's channel closes: offline (not temporarilyOffline); its running builds end FAILURE. */
  dropAgent(n: SimNode, user: string | null = null, message: string | null = null): void {
    failBuildsOn(this.m, n);
    n.connected = false;
    n.offlineCause =
      user === null
        ? { cls: CAUSES.channel, description: "Connection was broken", reason: "Connection was broken", timestamp: this.m.now() }
        : this.#offlineCause(user, message);
    this.#changed(n);
  }

  reconnectAgent(n: SimNode): void {
    n.connected = true;
    if (!n.temporarilyOffline) n.offlineCause = null;
    this.#changed(n);
  }

  deleteNode(n: SimNode): void {
    failBuildsOn(this.m, n);
    this.m.removeNode(n);
    this.kick();
  }

  setLabels(n: SimNode, labels: readonly string[]): void {
    this.m.setLabels(n, labels);
    this.kick();
  }

  // ---- jobs and Jenkins ----

  removeJob(fullName: string): void {
    for (const job of this.m.removeItem(fullName)) {
      for (const it of [...job.queued.values()]) cancel(this.m, it.id);
      for (const b of job.builds) if (b.building) finishBuild(this.m, b, "ABORTED");
    }
    this.kick();
  }

  setDisabled(job: Job, disabled: boolean): void {
    job.disabled = disabled;
    this.m.dirty = true;
    this.kick();
  }

  quietDown(reason: string | null): void {
    this.m.quietingDown = true;
    this.m.quietDownReason = reason;
  }

  cancelQuietDown(): void {
    this.m.quietingDown = false;
    this.m.quietDownReason = null;
    this.m.dirty = true;
    this.kick();
  }
}
