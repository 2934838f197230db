/**
 * The soak's verdicts, as pure functions over the collected records (types.ts), so each one can be
 * shown to catch what it claims on synthetic records (test/unit/soak/checks.test.ts).
 * A failing check makes the soak exit non-zero; the figures at the end are reported, not judged.
 */
import type { AttemptRecord, BuildRecord, EventRecord, FaultRecord, SidecarRunRecord, ZuulJobRecord } from "./types.js";

export interface Check<T> {
  name: string;
  /** True when the soak fails on it. */
  failing: boolean;
  count: number;
  items: T[];
}

export function check<T>(name: string, items: T[], failing = items.length > 0): Check<T> {
  return { name, failing, count: items.length, items };
}

const key = (master: string, job: string, number: number): string => `${master}\u0000${job}\u0000${number}`;

// ---- 1. lost results ----

export interface LostItem {
  zuulJob: number;
  job: string;
  /** retry-limit: Zuul launched it 3 times and none ended with a result; pending: a launch never ended at all. */
  reason: "retry-limit" | "pending";
  attempts: { uuid: string; fn: string; server: string | null; ending: string | null; started: string | null; submittedAt: number; endedAt: number | null }[];
  /** When the last launch was submitted. */
  at: number;
}

/** A submitted job that never got a result after its retries and the settle time. */
export function checkLost(jobs: readonly ZuulJobRecord[]): Check<LostItem> {
  const items: LostItem[] = [];
  for (const j of jobs) {
    if (j.outcome !== "retry-limit" && j.outcome !== "pending") continue;
    const last = j.attempts[j.attempts.length - 1];
    items.push({
      zuulJob: j.id,
      job: j.job,
      reason: j.outcome,
      attempts: j.attempts.map((a) => ({
        uuid: a.uuid,
        fn: a.fn,
        server: a.server,
        ending: a.ending,
        started: a.started ? `${a.started.manager} ${a.started.name} #${a.started.number}` : null,
        submittedAt: a.submittedAt,
        endedAt: a.endedAt,
      })),
      at: last?.submittedAt ?? j.submittedAt,
    });
  }
  return check("lost results", items);
}

// ---- 2. one ZUUL_UUID built twice on one master ----

export interface DoubleItem {
  master: string;
  uuid: string;
  builds: { job: string; number: number; node: string; startedAt: number; result: string | null }[];
  /** When the second build started. */
  at: number;
}

export function checkDoubleBuilds(builds: readonly BuildRecord[]): Check<DoubleItem> {
  const groups = new Map<string, BuildRecord[]>();
  for (const b of builds) {
    if (b.uuid === null) continue;
    const k = `${b.master}\u0000${b.uuid}`;
    const g = groups.get(k);
    if (g) g.push(b);
    else groups.set(k, [b]);
  }
  const items: DoubleItem[] = [];
  for (const g of groups.values()) {
    if (g.length < 2) continue;
    const sorted = [...g].sort((a, b) => a.startedAt - b.startedAt);
    const first = sorted[0] as BuildRecord;
    items.push({
      master: first.master,
      uuid: first.uuid ?? "",
      builds: sorted.map((b) => ({ job: b.job, number: b.number, node: b.node, startedAt: b.startedAt, result: b.result })),
      at: (sorted[1] as BuildRecord).startedAt,
    });
  }
  return check("ZUUL_UUID built twice on one master", items);
}

// ---- 3. builds whose onStarted / onFinalized was never published ----

export interface MissingItem {
  master: string;
  job: string;
  number: number;
  uuid: string | null;
  node: string;
  topic: "onStarted" | "onFinalized";
  /** When the build started (onStarted) or ended (onFinalized). */
  at: number;
}

/**
 * Every build on a master needs its onStarted, and once it has ended its onFinalized, received live by a
 * subscriber or fetched by replay, from any sidecar process of that master.
 */
export function checkMissingEvents(builds: readonly BuildRecord[], events: readonly EventRecord[]): Check<MissingItem> {
  const seen = new Set<string>();
  for (const e of events) seen.add(`${key(e.master, e.job, e.number)}\u0000${e.topic}`);
  const items: MissingItem[] = [];
  for (const b of builds) {
    const k = key(b.master, b.job, b.number);
    const base = { master: b.master, job: b.job, number: b.number, uuid: b.uuid, node: b.node };
    if (!seen.has(`${k}\u0000onStarted`)) items.push({ ...base, topic: "onStarted", at: b.startedAt });
    if (!b.building && !seen.has(`${k}\u0000onFinalized`)) items.push({ ...base, topic: "onFinalized", at: b.endedAt ?? b.startedAt });
  }
  return check("build events never published", items);
}

// ---- 4. sidecar crashes ----

export function checkCrashes(runs: readonly SidecarRunRecord[]): Check<SidecarRunRecord> {
  return check("sidecar crashes", runs.filter((r) => r.ending === "crash"));
}

// ---- 5. results that differ from the Jenkins build ----

export interface MismatchItem {
  zuulJob: number;
  uuid: string;
  reported: { manager: unknown; name: unknown; number: unknown; result: string | null };
  jenkins: { result: string | null; uuid: string | null; building: boolean } | null;
  why: string;
  at: number;
}

/** A WORK_COMPLETE whose result is not the result of the Jenkins build it names (on the master it names, for this ZUUL_UUID). */
export function checkMismatches(attempts: readonly AttemptRecord[], builds: readonly BuildRecord[]): Check<MismatchItem> {
  const byKey = new Map<string, BuildRecord>();
  for (const b of builds) byKey.set(key(b.master, b.job, b.number), b);
  const items: MismatchItem[] = [];
  for (const a of attempts) {
    if (a.ending !== "complete" || a.result === null) continue;
    const c = a.complete ?? {};
    const reported = { manager: c["manager"], name: c["name"], number: c["number"], result: a.result };
    const base = { zuulJob: a.zuulJob, uuid: a.uuid, reported, at: a.endedAt ?? a.submittedAt };
    if (typeof c["manager"] !== "string" || typeof c["name"] !== "string" || typeof c["number"] !== "number") {
      items.push({ ...base, jenkins: null, why: "WORK_COMPLETE has a result but does not name a build (manager, name, number)" });
      continue;
    }
    const b = byKey.get(key(c["manager"], c["name"], c["number"]));
    if (!b) {
      items.push({ ...base, jenkins: null, why: "no such build on that master" });
      continue;
    }
    const jenkins = { result: b.result, uuid: b.uuid, building: b.building };
    if (b.uuid !== a.uuid) items.push({ ...base, jenkins, why: "the build belongs to another ZUUL_UUID" });
    else if (b.building) items.push({ ...base, jenkins, why: "reported complete while Jenkins still builds it" });
    else if (b.result !== a.result) items.push({ ...base, jenkins, why: "results differ" });
  }
  return check("result mismatches", items);
}

// ---- 6. events published more than once ----

export interface RepeatItem {
  master: string;
  job: string;
  number: number;
  topic: string;
  publications: { runId: string; seq: number; seenAt: number }[];
  justified: boolean;
  why: string;
}

export interface RepeatCheck extends Check<RepeatItem> {
  justified: number;
  unjustified: number;
}

/**
 * Repeats of onStarted and onFinalized (what Nodepool acts on; onCompleted goes out with onFinalized).
 * Issue 15 §2: an event may be published again "only if the crash fell between publishing it and recording
 * that it was published". So a repeat is justified when the publication before it came from a process that
 * was SIGKILLed (or crashed) within `windowMs` after that publication; any other repeat (after a graceful
 * exit, within one process, or long before the kill) fails the soak.
 */
export function checkRepeats(events: readonly EventRecord[], runs: readonly SidecarRunRecord[], windowMs: number): RepeatCheck {
  const runOf = new Map<string, SidecarRunRecord>();
  for (const r of runs) if (r.runId !== null) runOf.set(r.runId, r);
  const groups = new Map<string, EventRecord[]>();
  for (const e of events) {
    if (e.topic !== "onStarted" && e.topic !== "onFinalized") continue;
    const k = `${key(e.master, e.job, e.number)}\u0000${e.topic}`;
    const g = groups.get(k);
    if (g) g.push(e);
    else groups.set(k, [e]);
  }
  const items: RepeatItem[] = [];
  for (const g of groups.values()) {
    const pubs = new Map<string, EventRecord>();
    for (const e of g) {
      const id = `${e.runId}#${e.seq}`;
      const had = pubs.get(id);
      if (!had || e.seenAt < had.seenAt) pubs.set(id, e);
    }
    if (pubs.size < 2) continue;
    const sorted = [...pubs.values()].sort((a, b) => a.seenAt - b.seenAt);
    let justified = true;
    let why = "each earlier publication came from a process killed within the window after it";
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1] as EventRecord;
      const cur = sorted[i] as EventRecord;
      const run = runOf.get(prev.runId);
      if (prev.runId === cur.runId) {
        justified = false;
        why = `published twice by one process (run ${prev.runId})`;
        break;
      }
      if (!run || run.exitedAt === null) {
        justified = false;
        why = `the earlier publication's process (run ${prev.runId}) did not die`;
        break;
      }
      if (run.ending !== "sigkill" && run.ending !== "crash") {
        justified = false;
        why = `the earlier publication's process exited by ${run.ending ?? "unknown"}, not a crash`;
        break;
      }
      if (run.exitedAt - prev.seenAt > windowMs) {
        justified = false;
        why = `published ${run.exitedAt - prev.seenAt} ms before the kill (window ${windowMs} ms)`;
        break;
      }
    }
    const first = sorted[0] as EventRecord;
    items.push({
      master: first.master,
      job: first.job,
      number: first.number,
      topic: first.topic,
      publications: sorted.map((e) => ({ runId: e.runId, seq: e.seq, seenAt: e.seenAt })),
      justified,
      why,
    });
  }
  const unjustified = items.filter((i) => !i.justified).length;
  return { ...check("event repeats beyond the crash window", items, unjustified > 0), justified: items.length - unjustified, unjustified };
}

/**
 * The faults that hit this master (or every master) in the `windowMs` before `at`: those still on at `at`
 * first, then those already healed; newest first within each.
 */
export function precedingFaults(faults: readonly FaultRecord[], at: number, master: string | null, windowMs = 30_000, max = 3): FaultRecord[] {
  const on = (f: FaultRecord): number => ((f.healedAt ?? Infinity) >= at ? 1 : 0);
  return faults
    .filter((f) => f.skipped === null && f.at <= at && (f.healedAt ?? Infinity) >= at - windowMs)
    .filter((f) => master === null || f.master === null || f.master === master)
    .sort((a, b) => on(b) - on(a) || b.at - a.at)
    .slice(0, max);
}
