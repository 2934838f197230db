/**
 * The soak's plan, drawn up front from the seed so that `--seed N` replays it: which fault at which
 * offset, on which target, held for how long; which job each submission launches; when a build is
 * started behind the sidecar's back. Nothing here depends on timing, so the plan is the same on every
 * machine; only whether a fault finds its target in the state the plan predicted can differ.
 */
import { Prng } from "./prng.js";
import type { SoakJob } from "./scenario.js";
import { FAULT_KINDS, type FaultKind } from "./types.js";

export interface Topology {
  masters: readonly string[];
  gearmands: readonly string[];
  nodes: readonly string[];
}

export interface PlannedFault {
  id: number;
  /** Milliseconds after the soak started. */
  atMs: number;
  kind: FaultKind;
  /** The master it hits, or null for a gearmand fault. */
  master: string | null;
  /** A gearmand name for gearmand-kill, a node name for node-offline, else the master. */
  target: string;
  /** How long the fault lasts: the stop, the drain, the offline spell, the wait before a restart or reconnect. */
  holdMs: number;
  /** agent-drop: which of the builds running at that moment (sorted by job and number) to hit, as a fraction in [0, 1). */
  pick: number;
}

export interface PlanOptions {
  durationMs: number;
  /** No fault before this offset, so the first jobs run on a healthy system. @default 5000 */
  warmupMs?: number;
  /** Gap between faults, drawn uniformly. @default [3000, 8000] (issue 15: "one fault every 3-8 s") */
  gapMs?: readonly [number, number];
}

/** How long each kind holds (uniform), in ms, and how long its resource stays busy beyond that. */
const HOLD: Record<FaultKind, { min: number; max: number; busyExtraMs: number }> = {
  // Restart delay; then a tsx-started sidecar needs a few seconds to be ready again.
  "sidecar-kill": { min: 500, max: 3000, busyExtraMs: 8000 },
  // Restart delay after the drained exit; the drain itself waits for the builds in flight (up to ~6 s).
  "sidecar-term": { min: 500, max: 3000, busyExtraMs: 16_000 },
  "gearmand-kill": { min: 200, max: 3000, busyExtraMs: 1000 },
  // Issue 15: "Jenkins SIGSTOP for 3-15 s".
  "jenkins-stop": { min: 3000, max: 15_000, busyExtraMs: 500 },
  "drain": { min: 3000, max: 15_000, busyExtraMs: 500 },
  "node-offline": { min: 5000, max: 20_000, busyExtraMs: 500 },
  // Reconnect after this long.
  "agent-drop": { min: 3000, max: 10_000, busyExtraMs: 500 },
};

/** The resource a fault occupies: two faults on one resource never overlap in the plan (nor at run time: faults.ts). */
export function resourceOf(kind: FaultKind, master: string | null, target: string): string {
  switch (kind) {
    case "sidecar-kill":
    case "sidecar-term":
    case "drain":
      return `sidecar:${master ?? ""}`;
    case "jenkins-stop":
      return `jenkins:${master ?? ""}`;
    case "gearmand-kill":
      // One gearmand down at a time: with both down, no submit can succeed and Zuul records EXCEPTION.
      return "gearmand";
    case "node-offline":
      return `node:${master ?? ""}/${target}`;
    case "agent-drop":
      return `agent:${master ?? ""}`;
  }
}

export function planFaults(seed: number, topo: Topology, o: PlanOptions): PlannedFault[] {
  const rng = new Prng(seed).fork("faults");
  const [gapMin, gapMax] = o.gapMs ?? [3000, 8000];
  const busyUntil = new Map<string, number>();
  const out: PlannedFault[] = [];
  let t = o.warmupMs ?? 5000;
  for (;;) {
    t += rng.int(gapMin, gapMax);
    if (t >= o.durationMs) break;
    // Draw until a fault lands on a free resource; a slot whose draws all collide stays empty.
    for (let tries = 0; tries < 12; tries++) {
      const kind = rng.pick(FAULT_KINDS);
      const master = kind === "gearmand-kill" ? null : rng.pick(topo.masters);
      const target = kind === "gearmand-kill" ? rng.pick(topo.gearmands) : kind === "node-offline" ? rng.pick(topo.nodes) : (master ?? "");
      const h = HOLD[kind];
      const holdMs = rng.int(h.min, h.max);
      const pick = rng.next();
      const res = resourceOf(kind, master, target);
      if ((busyUntil.get(res) ?? 0) > t) continue;
      busyUntil.set(res, t + holdMs + h.busyExtraMs);
      out.push({ id: out.length + 1, atMs: t, kind, master, target, holdMs, pick });
      break;
    }
  }
  return out;
}

export interface PlannedLaunch {
  job: string;
  /** ZUUL_NODE, when Zuul's parameter function sets one: then the function is `build:JOB:LABEL`. */
  zuulNode: string | null;
}

/** The n-th submission's job. A quarter of the launches name a label, as OpenStack's parameter function did. */
export class LaunchPlan {
  readonly #rng: Prng;
  readonly #jobs: readonly SoakJob[];

  constructor(seed: number, jobs: readonly SoakJob[]) {
    this.#rng = new Prng(seed).fork("launches");
    this.#jobs = jobs;
  }

  next(): PlannedLaunch {
    const j = this.#rng.pick(this.#jobs);
    const named = this.#rng.next() < 0.25;
    return { job: j.name, zuulNode: named && j.atoms.length > 0 ? this.#rng.pick(j.atoms) : null };
  }
}

export interface PlannedForeign {
  atMs: number;
  master: string;
  job: string;
}

/**
 * Builds started on a master behind the sidecar's back (a timer or a person): the sidecar must publish
 * their events too (DESIGN.md "Every build on the master is published, not only those the sidecar started").
 */
export function planForeign(seed: number, masters: readonly string[], jobs: readonly SoakJob[], durationMs: number, gapMs: readonly [number, number] = [8000, 20_000]): PlannedForeign[] {
  const rng = new Prng(seed).fork("foreign");
  const out: PlannedForeign[] = [];
  let t = 2000;
  for (;;) {
    t += rng.int(gapMs[0], gapMs[1]);
    if (t >= durationMs) break;
    out.push({ atMs: t, master: rng.pick(masters), job: rng.pick(jobs).name });
  }
  return out;
}
