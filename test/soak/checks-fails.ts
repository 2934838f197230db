/**
 * The checks about work done twice and WORK_FAILs (issue 15 §1 and §3), and the figures behind them:
 * builds of launches Zuul retried, and ZUUL_UUIDs built on both masters. Pure, like checks.ts.
 */
import { check, type Check } from "./checks.js";
import type { AttemptRecord, BuildRecord, FailLogRecord, FaultRecord, SidecarRunRecord } from "./types.js";

export interface RetriedBuildItem {
  master: string;
  job: string;
  number: number;
  uuid: string;
  /** How the launch of this ZUUL_UUID ended for Zuul. */
  ending: string | null;
  /** Whether Zuul heard of this build at all (a WORK_DATA naming it). */
  reportedToZuul: boolean;
  startedAt: number;
  /** When Zuul saw that launch end. */
  endedAt: number | null;
}

/**
 * Builds whose launch ended for Zuul without a result, so Zuul ran the job again under a new ZUUL_UUID:
 * the work was done twice. Expected after a gearmand crash or a dropped agent; a build Zuul never heard of
 * after a WORK_FAIL is issue 15 §3's "trigger with an unknown outcome".
 */
export function retriedBuilds(attempts: readonly AttemptRecord[], builds: readonly BuildRecord[]): RetriedBuildItem[] {
  const byUuid = new Map<string, AttemptRecord>();
  for (const a of attempts) byUuid.set(a.uuid, a);
  const out: RetriedBuildItem[] = [];
  for (const b of builds) {
    if (b.uuid === null) continue;
    const a = byUuid.get(b.uuid);
    if (!a || a.result !== null) continue;
    const reported = a.started !== null && a.started.manager === b.master && a.started.name === b.job && a.started.number === b.number;
    out.push({ master: b.master, job: b.job, number: b.number, uuid: b.uuid, ending: a.ending, reportedToZuul: reported, startedAt: b.startedAt, endedAt: a.endedAt });
  }
  return out;
}

/** ZUUL_UUIDs built on more than one master (gearmand requeued a job to the other master's sidecar). */
export function crossMasterBuilds(builds: readonly BuildRecord[]): { uuid: string; masters: string[] }[] {
  const m = new Map<string, Set<string>>();
  for (const b of builds) {
    if (b.uuid === null) continue;
    const s = m.get(b.uuid) ?? new Set<string>();
    s.add(b.master);
    m.set(b.uuid, s);
  }
  return [...m.entries()].filter(([, s]) => s.size > 1).map(([uuid, s]) => ({ uuid, masters: [...s].sort() }));
}

// ---- 7. a WORK_FAIL for a build that went on to run ----

export interface FailedButBuiltItem extends RetriedBuildItem {
  /** When the WORK_FAIL reached Zuul (what the faults before it are looked up by). */
  at: number;
}

/**
 * A launch the sidecar failed (WORK_FAIL or WORK_EXCEPTION) without ever reporting its build, while that
 * ZUUL_UUID has a build on the master: Zuul was told the build could not run, retried it under a new
 * ZUUL_UUID, and the work ran twice. This is issue 15 §3 ("a trigger with an unknown outcome") as Zuul
 * 2.6.0 really retries (a new ZUUL_UUID per launch, so the "built twice" check cannot see it). Not counted:
 * a build on an agent the soak dropped while it ran (that build was lost, and WORK_FAIL is right, contract
 * §3), and a launch that ended by a gearmand disconnect (nobody could report it).
 */
export function checkFailedButBuilt(attempts: readonly AttemptRecord[], builds: readonly BuildRecord[], faults: readonly FaultRecord[]): Check<FailedButBuiltItem> {
  const drops = faults.filter((f) => f.kind === "agent-drop" && f.skipped === null && f.master !== null);
  const lostToDrop = (b: BuildRecord): boolean =>
    drops.some((f) => f.target === `${b.master}/${b.node}` && b.startedAt <= f.at && (b.endedAt ?? Infinity) >= f.at - 1000);
  const byKey = new Map(builds.map((b) => [`${b.master}\u0000${b.job}\u0000${b.number}`, b]));
  const items = retriedBuilds(attempts, builds)
    .filter((x) => !x.reportedToZuul && (x.ending === "fail" || x.ending === "exception"))
    .filter((x) => {
      const b = byKey.get(`${x.master}\u0000${x.job}\u0000${x.number}`);
      return b === undefined || !lostToDrop(b);
    })
    .map((x) => ({ ...x, at: x.endedAt ?? x.startedAt }));
  return check("WORK_FAIL for a build that ran", items);
}

// ---- 8. a WORK_FAIL the sidecar sent that never reached Zuul ----

export interface DroppedFailItem {
  master: string;
  job: string;
  number: number;
  uuid: string;
  reason: string;
  /** How the launch really ended for Zuul (e.g. WORK_COMPLETE from the other master after gearmand requeued it). */
  zuulSaw: string;
  at: number;
}

/**
 * Issue 15 §1: the sidecar logged "failing the job so that Zuul retries it" for a build (matched by master,
 * job and queue id), but Zuul's launch of that ZUUL_UUID did not end with WORK_FAIL or WORK_EXCEPTION: the
 * packet was lost, gearmand requeued the job, and Zuul either waits forever (a lost result) or gets the job
 * run again elsewhere. Not counted: a launch that ended by a gearmand disconnect, and a line logged within
 * `crashMs` before that sidecar process was killed (the packet may have died with it).
 */
export function checkDroppedFails(fails: readonly FailLogRecord[], attempts: readonly AttemptRecord[], builds: readonly BuildRecord[], runs: readonly SidecarRunRecord[], crashMs = 2000): Check<DroppedFailItem> {
  const byQueue = new Map(builds.map((b) => [`${b.master}\u0000${b.job}\u0000${b.queueId}`, b]));
  const byUuid = new Map(attempts.map((a) => [a.uuid, a]));
  const items: DroppedFailItem[] = [];
  for (const f of fails) {
    if (f.queueId === null) continue;
    const b = byQueue.get(`${f.master}\u0000${f.job}\u0000${f.queueId}`);
    if (!b || b.uuid === null) continue;
    const a = byUuid.get(b.uuid);
    if (!a || a.ending === "fail" || a.ending === "exception" || a.ending === "disconnected") continue;
    const run = runs.find((r) => r.master === f.master && r.pid === f.pid);
    if (run !== undefined && run.exitedAt !== null && run.exitedAt - f.time <= crashMs && run.ending !== "final") continue;
    const c = a.complete;
    const zuulSaw = a.ending === null ? "nothing (still waiting)" : `${a.ending}${a.result !== null ? ` ${a.result}` : ""}${c ? ` from ${String(c["manager"])} ${String(c["name"])} #${String(c["number"])}` : ""}`;
    items.push({ master: f.master, job: f.job, number: b.number, uuid: b.uuid, reason: f.reason, zuulSaw, at: f.time });
  }
  return check("WORK_FAIL that never reached Zuul", items);
}
