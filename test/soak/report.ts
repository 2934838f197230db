/** Turns the records into the verdict: every check with its count, the figures, the JSON result and the summary text. */
import { checkCrashes, checkDoubleBuilds, checkLost, checkMismatches, checkMissingEvents, checkRepeats, precedingFaults, type Check } from "./checks.js";
import { checkDroppedFails, checkFailedButBuilt, crossMasterBuilds, retriedBuilds } from "./checks-fails.js";
import { foldMessage, type LogIndex } from "./logs.js";
import type { AttemptRecord, BuildRecord, EventRecord, FaultRecord, SidecarRunRecord, ZuulJobRecord } from "./types.js";

export interface SoakRecords {
  seed: number;
  t0: number;
  submitEndedAt: number;
  settledAt: number;
  settled: boolean;
  endedAt: number;
  jobs: ZuulJobRecord[];
  attempts: AttemptRecord[];
  builds: BuildRecord[];
  events: EventRecord[];
  runs: SidecarRunRecord[];
  faults: FaultRecord[];
  faultCounts: Record<string, { injected: number; skipped: number }>;
  foreign: { triggered: number; skipped: number };
  replayGaps: number;
  anomalies: string[];
  repeatWindowMs: number;
}

/** Milliseconds after t0, in seconds with one decimal: what the fault log shows. */
export const rel = (t0: number, t: number | null): string => (t === null ? "-" : `${t >= t0 ? "+" : "-"}${(Math.abs(t - t0) / 1000).toFixed(1)}s`);

function pct(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? null;
}

function dist(xs: number[]): Dist {
  return { n: xs.length, p50: pct(xs, 50), p95: pct(xs, 95), max: xs.length ? Math.max(...xs) : null };
}

function histogram(xs: (string | null)[]): Record<string, number> {
  const h: Record<string, number> = {};
  for (const x of xs) h[x ?? "none"] = (h[x ?? "none"] ?? 0) + 1;
  return h;
}

type Enriched<T> = Check<T & { atRel: string; faultsBefore: string[]; log: string[] }>;

/**
 * Adds to each item the faults before it and what the sidecar logged about it. `lookAheadMs` also takes
 * faults shortly after the item's time: a build that started just before a kill is published only at the
 * sidecar's next poll, so the kill that prevented it comes after the build's start.
 */
function enrich<T extends { at: number }>(
  c: Check<T>,
  r: SoakRecords,
  logs: LogIndex,
  about: (x: T) => { master: string | null; uuid?: string | null; job?: string; number?: number },
  lookAheadMs = 0,
): Enriched<T> {
  return {
    ...c,
    items: c.items.map((x) => {
      const a = about(x);
      const fb = precedingFaults(r.faults, x.at + lookAheadMs, a.master).map((f) => `fault#${f.id} ${f.kind} ${f.target} at ${rel(r.t0, f.at)} (healed ${rel(r.t0, f.healedAt)}): ${f.detail}`);
      const q: { uuid?: string | null; master?: string; job?: string; number?: number } = { uuid: a.uuid ?? null };
      if (a.master !== null && a.job !== undefined && a.number !== undefined) Object.assign(q, { master: a.master, job: a.job, number: a.number });
      return { ...x, atRel: rel(r.t0, x.at), faultsBefore: fb, log: logs.about(q) };
    }),
  };
}

interface Dist {
  n: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

interface Figures {
  zuulJobs: number;
  outcomes: Record<string, number>;
  results: Record<string, number>;
  launches: number;
  retries: number;
  endings: Record<string, number>;
  builds: number;
  buildsPerMaster: Record<string, number>;
  foreignBuilds: number;
  foreignTriggers: { triggered: number; skipped: number };
  stillBuilding: number;
  retriedBuilds: { count: number; neverReportedToZuul: number; byEnding: Record<string, number> };
  crossMasterUuids: number;
  /** Jobs the sidecars grabbed while their Jenkins was SIGSTOPped (issue 15 §4), summed over the stops. */
  grabbedWhileJenkinsStopped: number;
  /** Why the sidecar failed launches (WORK_FAIL / WORK_EXCEPTION), and the fault kind just before. */
  failReasons: Record<string, number>;
  events: {
    publications: number;
    live: number;
    replayOnly: number;
    replayGaps: number;
    repeats: number;
    repeatsJustified: number;
    repeatsUnjustified: number;
    repeatsByTopic: Record<string, number>;
  };
  faults: Record<string, { injected: number; skipped: number }>;
  sidecarRuns: Record<string, number>;
  anomalies: string[];
}

interface Timing {
  submitMs: number;
  settleMs: number;
  settled: boolean;
  totalMs: number;
  submitToStartMs: Dist;
  submitToResultMs: Dist;
}

export function buildResult(r: SoakRecords, logs: LogIndex): { verdict: "PASS" | "FAIL"; result: Record<string, unknown>; summary: string } {
  const lost = enrich(checkLost(r.jobs), r, logs, (x) => ({ master: null, uuid: x.attempts[x.attempts.length - 1]?.uuid ?? null }));
  const double = enrich(checkDoubleBuilds(r.builds), r, logs, (x) => ({ master: x.master, uuid: x.uuid }));
  const missing = enrich(checkMissingEvents(r.builds, r.events), r, logs, (x) => ({ master: x.master, uuid: x.uuid, job: x.job, number: x.number }), 3000);
  const crashes = enrich(
    { ...checkCrashes(r.runs), items: checkCrashes(r.runs).items.map((x) => ({ ...x, at: x.exitedAt ?? x.startedAt })) },
    r,
    logs,
    (x) => ({ master: x.master }),
  );
  const mism = enrich(checkMismatches(r.attempts, r.builds), r, logs, (x) => ({ master: typeof x.reported.manager === "string" ? x.reported.manager : null, uuid: x.uuid }));
  const rep = checkRepeats(r.events, r.runs, r.repeatWindowMs);
  const shown = rep.items.filter((i) => !i.justified).concat(rep.items.filter((i) => i.justified).slice(0, 5));
  const repeats = {
    ...enrich({ ...rep, items: shown.map((i) => ({ ...i, at: i.publications[1]?.seenAt ?? 0 })) }, r, logs, (x) => ({ master: x.master, job: x.job, number: x.number })),
    justified: rep.justified,
    unjustified: rep.unjustified,
  };
  const failedButBuilt = enrich(checkFailedButBuilt(r.attempts, r.builds, r.faults), r, logs, (x) => ({ master: x.master, uuid: x.uuid, job: x.job, number: x.number }));
  const fnOf = new Map(r.attempts.map((a) => [a.uuid, a.fn]));
  for (const it of failedButBuilt.items) {
    const why = logs.failReason(it.uuid, it.job, it.at, 1500, fnOf.get(it.uuid) ?? null);
    Object.assign(it, { failReason: why ? `${why.exact ? "" : "(by job and time) "}${why.master}: ${why.reason}` : null });
  }
  const droppedFails = enrich(checkDroppedFails(logs.failLines(), r.attempts, r.builds, r.runs), r, logs, (x) => ({ master: x.master, uuid: x.uuid, job: x.job, number: x.number }));
  const checks = { lost, double, missing, crashes, mismatches: mism, repeats, failedButBuilt, droppedFails };
  const verdict = Object.values(checks).some((c) => c.failing) ? "FAIL" : "PASS";

  const retried = retriedBuilds(r.attempts, r.builds);
  const failedLaunches = r.attempts
    .filter((a) => a.ending === "fail" || a.ending === "exception")
    .map((a) => {
      const job = a.fn.split(":")[1] ?? "";
      const why = logs.failReason(a.uuid, job, a.endedAt ?? a.submittedAt, 1500, a.fn);
      const before = precedingFaults(r.faults, a.endedAt ?? a.submittedAt, why?.master ?? null, 20_000, 1)[0];
      return { uuid: a.uuid, job, at: rel(r.t0, a.endedAt), master: why?.master ?? null, reason: why ? foldMessage(why.reason) : "no log line found", exact: why?.exact ?? false, after: before ? `${before.kind} ${before.target}` : null };
    });
  const gearmanBuilds = r.builds.filter((b) => b.uuid !== null);
  const figures: Figures = {
    zuulJobs: r.jobs.length,
    outcomes: histogram(r.jobs.map((j) => j.outcome)),
    results: histogram(r.jobs.map((j) => j.result)),
    launches: r.attempts.length,
    retries: r.attempts.filter((a) => a.attempt > 1).length,
    endings: histogram(r.attempts.map((a) => a.ending)),
    builds: r.builds.length,
    buildsPerMaster: histogram(r.builds.map((b) => b.master)),
    foreignBuilds: r.builds.length - gearmanBuilds.length,
    foreignTriggers: r.foreign,
    stillBuilding: r.builds.filter((b) => b.building).length,
    retriedBuilds: { count: retried.length, neverReportedToZuul: retried.filter((x) => !x.reportedToZuul).length, byEnding: histogram(retried.map((x) => x.ending)) },
    crossMasterUuids: crossMasterBuilds(r.builds).length,
    grabbedWhileJenkinsStopped: r.faults.reduce((n, f) => n + (f.measured?.["grabbedWhileStopped"] ?? 0), 0),
    failReasons: histogram(failedLaunches.map((f) => `${f.reason} [after ${f.after?.split(" ")[0] ?? "no fault"}]`)),
    events: {
      publications: r.events.length,
      live: r.events.filter((e) => e.via === "live").length,
      replayOnly: r.events.filter((e) => e.via === "replay").length,
      replayGaps: r.replayGaps,
      repeats: rep.count,
      repeatsJustified: rep.justified,
      repeatsUnjustified: rep.unjustified,
      repeatsByTopic: histogram(rep.items.map((i) => i.topic)),
    },
    faults: r.faultCounts,
    sidecarRuns: histogram(r.runs.map((x) => x.ending)),
    anomalies: r.anomalies.slice(0, 20),
  };
  const submitToStart = r.attempts.filter((a) => a.started !== null).map((a) => (a.started?.at ?? 0) - a.submittedAt);
  const submitToResult = r.jobs.filter((j) => j.outcome === "result").map((j) => (j.attempts[j.attempts.length - 1]?.endedAt ?? j.submittedAt) - j.submittedAt);
  const timing: Timing = {
    submitMs: r.submitEndedAt - r.t0,
    settleMs: r.settledAt - r.submitEndedAt,
    settled: r.settled,
    totalMs: r.endedAt - r.t0,
    submitToStartMs: dist(submitToStart),
    submitToResultMs: dist(submitToResult),
  };
  const result = {
    seed: r.seed,
    verdict,
    startedAt: new Date(r.t0).toISOString(),
    checks,
    figures,
    timing,
    retriedBuilds: retried.map((x) => ({ ...x, startedAt: rel(r.t0, x.startedAt), endedAt: rel(r.t0, x.endedAt) })),
    crossMasterBuilds: crossMasterBuilds(r.builds),
    failedLaunches,
    faults: r.faults.map((f) => ({ ...f, at: rel(r.t0, f.at), healedAt: rel(r.t0, f.healedAt) })),
    sidecarRuns: r.runs.map((x) => ({ ...x, startedAt: rel(r.t0, x.startedAt), exitedAt: rel(r.t0, x.exitedAt) })),
    sidecarWarnings: logs.warnings().slice(0, 30),
  };
  return { verdict, result, summary: summaryText(r, { verdict, checks, figures, timing }) };
}

function summaryText(r: SoakRecords, result: { verdict: string; checks: Record<string, Check<unknown>>; figures: Figures; timing: Timing }): string {
  const { verdict, checks, figures: f, timing: t } = result;
  const n = (k: string): number => (k === "repeats" ? f.events.repeatsUnjustified : (checks[k]?.count ?? 0));
  const faults = Object.values(f.faults).reduce((s, x) => s + x.injected, 0);
  const ms = (d: { p50: number | null; p95: number | null; max: number | null }): string => `p50 ${d.p50 ?? "-"} / p95 ${d.p95 ?? "-"} / max ${d.max ?? "-"} ms`;
  return [
    `SOAK seed=${r.seed} verdict=${verdict} duration=${Math.round(t.submitMs / 1000)}s jobs=${f.zuulJobs} builds=${f.builds} retries=${f.retries} faults=${faults}` +
      ` lost=${n("lost")} doubleBuilt=${n("double")} missingEvents=${n("missing")} crashes=${n("crashes")} mismatches=${n("mismatches")}` +
      ` repeats=${f.events.repeats} unjustifiedRepeats=${n("repeats")} settle=${Math.round(t.settleMs / 1000)}s${t.settled ? "" : "(bound)"}`,
    "checks:",
    ...Object.entries(checks).map(([k, c]) => `  ${c.failing ? "FAIL" : "ok  "} ${c.name}: ${n(k)}`),
    `Zuul:    ${f.zuulJobs} jobs ${JSON.stringify(f.outcomes)}, results ${JSON.stringify(f.results)}; ${f.launches} launches, ${f.retries} retries, endings ${JSON.stringify(f.endings)}`,
    `Jenkins: ${f.builds} builds ${JSON.stringify(f.buildsPerMaster)}, ${f.foreignBuilds} foreign, ${f.stillBuilding} still building; work done twice: ${f.retriedBuilds.count} builds of retried launches (${f.retriedBuilds.neverReportedToZuul} never reported to Zuul), ${f.crossMasterUuids} ZUUL_UUIDs built on both masters`,
    `events:  ${f.events.publications} publications (${f.events.replayOnly} only by replay, ${f.events.replayGaps} replay gaps); repeats of onStarted/onFinalized ${f.events.repeats} (${f.events.repeatsJustified} justified by a kill, ${f.events.repeatsUnjustified} not) ${JSON.stringify(f.events.repeatsByTopic)}`,
    `grabs:   ${f.grabbedWhileJenkinsStopped} jobs grabbed while their master's Jenkins was stopped (${r.faults.filter((x) => x.measured !== undefined).length} stops measured)`,
    `fails:   ${Object.entries(f.failReasons).map(([k, v]) => `${v}x ${k}`).join("; ") || "none"}`,
    `faults:  ${Object.entries(f.faults).map(([k, v]) => `${k} ${v.injected}${v.skipped ? ` (+${v.skipped} skipped)` : ""}`).join(", ")}; sidecar runs ${JSON.stringify(f.sidecarRuns)}`,
    `timing:  submit->start ${ms(t.submitToStartMs)}; submit->result ${ms(t.submitToResultMs)}; settle ${Math.round(t.settleMs / 1000)}s; total ${Math.round(t.totalMs / 1000)}s`,
  ].join("\n");
}

/** The failing items, a few per check, each with the faults before it and what the sidecar logged about it. */
export function detailText(result: Record<string, unknown>, perCheck = 8): string {
  const checks = result["checks"] as Record<string, { name: string; failing: boolean; count: number; items: Record<string, unknown>[] }>;
  const lines: string[] = [];
  for (const ch of Object.values(checks)) {
    if (!ch.failing) continue;
    const bad = ch.items.filter((i) => i["justified"] !== true);
    lines.push(`FAIL ${ch.name}: ${bad.length}${bad.length > perCheck ? ` (first ${perCheck})` : ""}`);
    for (const it of bad.slice(0, perCheck)) {
      lines.push(`  - ${describeItem(it)}`);
      for (const f of (it["faultsBefore"] as string[] | undefined) ?? []) lines.push(`      after ${f}`);
      if (typeof it["failReason"] === "string") lines.push(`      failed because ${it["failReason"]}`);
      for (const l of ((it["log"] as string[] | undefined) ?? []).slice(0, 4)) lines.push(`      log ${l}`);
    }
  }
  return lines.join("\n");
}

function describeItem(it: Record<string, unknown>): string {
  const at = typeof it["atRel"] === "string" ? `${it["atRel"]} ` : "";
  if (typeof it["topic"] === "string" && Array.isArray(it["publications"])) {
    const pubs = (it["publications"] as { runId: string; seq: number }[]).map((p) => `run ${p.runId.slice(0, 8)} seq ${p.seq}`).join(", ");
    return `${at}${String(it["master"])} ${String(it["job"])} #${String(it["number"])} ${it["topic"]} published ${it["publications"].length}x (${pubs}): ${String(it["why"])}`;
  }
  if (typeof it["topic"] === "string") return `${at}${String(it["master"])} ${String(it["job"])} #${String(it["number"])} on ${String(it["node"])} (ZUUL_UUID ${String(it["uuid"])}): no ${it["topic"]}`;
  if (Array.isArray(it["builds"])) return `${at}${String(it["master"])} ZUUL_UUID ${String(it["uuid"])} built ${it["builds"].length}x: ${JSON.stringify(it["builds"])}`;
  if (typeof it["zuulSaw"] === "string") return `${at}${String(it["master"])} ${String(it["job"])} #${String(it["number"])} (ZUUL_UUID ${String(it["uuid"])}): the sidecar failed it (${String(it["reason"])}), Zuul saw ${it["zuulSaw"]}`;
  if (typeof it["reportedToZuul"] === "boolean") return `${at}${String(it["master"])} ${String(it["job"])} #${String(it["number"])} (ZUUL_UUID ${String(it["uuid"])}) ran, but its launch ended ${String(it["ending"])} without reporting it`;
  if (Array.isArray(it["attempts"])) return `${at}Zuul job ${String(it["zuulJob"])} ${String(it["job"])} ${String(it["reason"])}: ${JSON.stringify(it["attempts"])}`;
  if (typeof it["why"] === "string") return `${at}ZUUL_UUID ${String(it["uuid"])}: ${it["why"]}; reported ${JSON.stringify(it["reported"])}, Jenkins ${JSON.stringify(it["jenkins"])}`;
  return `${at}${JSON.stringify(it)}`;
}
