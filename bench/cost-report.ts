/** The master-cost scenario's figures: the simulator's cost counters as rates per hour, per endpoint and in total. */
import type { SimCostCounters, SimCostReport } from "../src/simulator/index.js";
import type { Sample, Target } from "./lib.js";

export const HOUR_MS = 3_600_000;

/** One measured window of one sidecar. */
export interface PhaseCost {
  /** "baseline 3d23703" or "test". */
  who: string;
  phase: "start-up" | "idle" | "busy";
  ms: number;
  report: SimCostReport;
}

const COUNTERS: readonly { key: keyof SimCostCounters; label: string; unit: string; scale: number }[] = [
  { key: "bytes", label: "MB served", unit: "MB/h", scale: 1e-6 },
  { key: "requests", label: "requests", unit: "/h", scale: 1 },
  { key: "values", label: "values exported", unit: "M/h", scale: 1e-6 },
  { key: "buildsTouched", label: "build records touched", unit: "/h", scale: 1 },
  { key: "buildsTouchedRunning", label: "of which running builds", unit: "/h", scale: 1 },
  { key: "buildsLoaded", label: "build records loaded", unit: "/h", scale: 1 },
];

export const perHour = (v: number, ms: number): number => (v * HOUR_MS) / ms;

/** Total rows of one window; the bytes row of the sidecar under test carries the target. */
export function totalRows(p: PhaseCost, bytesTarget?: Target): Sample[] {
  return COUNTERS.map((c) => ({
    figure: `${p.phase} ${p.who}: ${c.label}, total`,
    value: perHour(p.report.total[c.key], p.ms) * c.scale,
    unit: c.unit,
    ...(c.key === "bytes" && bytesTarget !== undefined ? { target: bytesTarget } : {}),
  }));
}

/** test / baseline for each counter of one phase (a ratio below 1 is a saving). */
export function ratioRows(test: PhaseCost, base: PhaseCost): Sample[] {
  return COUNTERS.map((c) => {
    const t = perHour(test.report.total[c.key], test.ms);
    const b = perHour(base.report.total[c.key], base.ms);
    return { figure: `${test.phase}: ${c.label}, test / baseline`, value: b === 0 ? (t === 0 ? 1 : Number.POSITIVE_INFINITY) : t / b, unit: "x" };
  });
}

const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString("en") : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/**
 * The per-endpoint table: one line per (phase, endpoint, sidecar), as rates per hour; with `counts`,
 * the counters themselves (for the start-up, which is a one-off).
 */
export function endpointLines(phases: readonly PhaseCost[], counts = false): string[] {
  const u = counts ? "" : "/h";
  const head = ["phase", "sidecar", "endpoint", `MB${u}`, `requests${u}`, "KB/request", `values${u}`, `touched${u}`, `(running)${u}`, `loaded${u}`];
  const rows: string[][] = [];
  for (const p of phases) {
    const eps = Object.entries(p.report.endpoints);
    const rate = (v: number): number => (counts ? v : perHour(v, p.ms));
    for (const [name, c] of [...eps, ["total", p.report.total] as const]) {
      rows.push([
        p.phase, p.who, name, fmt(rate(c.bytes) / 1e6), fmt(rate(c.requests)), c.requests === 0 ? "" : fmt(c.bytes / c.requests / 1e3),
        fmt(rate(c.values)), fmt(rate(c.buildsTouched)), fmt(rate(c.buildsTouchedRunning)), fmt(rate(c.buildsLoaded)),
      ]);
    }
  }
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i >= 3 ? c.padStart(w[i] ?? 0) : c.padEnd(w[i] ?? 0))).join("  ");
  return [line(head), w.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)];
}
