/**
 * `npm run bench [-- --full] [-- --only a,b]`: runs the scenarios of issues 7 and 13, each several
 * times, and prints one table (figure, median, min-max, target, pass / short), then the scenarios'
 * breakdowns. JSON goes to bench/results/. See BENCHMARKS.md for the options.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { median, type BenchOptions, type Profile, type Sample, type Scenario, type Target } from "./lib.js";
import { ceilingScenario } from "./scenarios/ceiling.js";
import { gearmanScenario } from "./scenarios/gearman.js";
import { jenkinsLoadScenario } from "./scenarios/jenkins-load.js";
import { latencyScenario } from "./scenarios/latency.js";
import { masterCostScenario } from "./scenarios/master-cost.js";
import { memoryScenario } from "./scenarios/memory.js";
import { multiMasterScenario } from "./scenarios/multi-master.js";
import { registrationScenario } from "./scenarios/registration.js";
import { throughputScenario } from "./scenarios/throughput.js";

const SCENARIOS: Scenario[] = [
  gearmanScenario, registrationScenario, throughputScenario, latencyScenario, jenkinsLoadScenario, memoryScenario,
  masterCostScenario, ceilingScenario, multiMasterScenario,
];

interface Row {
  scenario: string;
  figure: string;
  unit: string;
  median: number;
  min: number;
  max: number;
  runs: number;
  target: Target | null;
  verdict: "pass" | "short" | "";
  digits: number | undefined;
}

/** "--poll-interval 1s --jobs-refresh-cycles 3" -> its words (no quoting: sidecar flags need none). */
const words = (s: string | undefined): string[] => (s ?? "").split(/\s+/).filter((w) => w !== "");

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): { profile: Profile; only: string[] | null; options: BenchOptions } {
  let profile: Profile = "quick";
  let only: string[] | null = null;
  const options: BenchOptions = {
    sidecarArgs: words(env["BENCH_SIDECAR_ARGS"]),
    baselineArgs: words(env["BENCH_BASELINE_ARGS"]),
    baseline: env["BENCH_BASELINE"] ?? "3d23703",
    runs: null,
    windowScale: 1,
  };
  const value = (i: number, a: string): string => {
    const v = argv[i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--full") profile = "full";
    else if (a === "--quick") profile = "quick";
    else if (a === "--only") only = value(++i, a).split(",").filter((s) => s !== "");
    else if (a.startsWith("--only=")) only = a.slice("--only=".length).split(",").filter((s) => s !== "");
    else if (a === "--sidecar-args") options.sidecarArgs = words(value(++i, a));
    else if (a === "--baseline-args") options.baselineArgs = words(value(++i, a));
    else if (a === "--baseline") options.baseline = value(++i, a);
    else if (a === "--runs") options.runs = Number(value(++i, a));
    else if (a === "--window-scale") options.windowScale = Number(value(++i, a));
    else if (!a.startsWith("-")) only = [...(only ?? []), a];
    else throw new Error(`unknown argument ${a} (use --full, --only <name,...>, --sidecar-args "...", --baseline-args "...", --baseline REV, --runs N, --window-scale X)`);
  }
  if (options.runs !== null && (!Number.isInteger(options.runs) || options.runs < 1)) throw new Error("--runs needs an integer >= 1");
  if (!(options.windowScale > 0)) throw new Error("--window-scale needs a number > 0");
  return { profile, only, options };
}

const fmt = (n: number, digits?: number): string => {
  if (!Number.isFinite(n)) return "n/a";
  if (digits !== undefined) return n.toFixed(digits);
  const a = Math.abs(n);
  return a >= 1000 ? Math.round(n).toLocaleString("en") : a >= 100 ? n.toFixed(0) : a >= 10 ? n.toFixed(1) : n.toFixed(2);
};

function aggregate(scenario: string, samples: Sample[][]): Row[] {
  const byFigure = new Map<string, Sample[]>();
  for (const run of samples) for (const s of run) byFigure.set(s.figure, [...(byFigure.get(s.figure) ?? []), s]);
  return [...byFigure.entries()].map(([figure, ss]) => {
    const values = ss.map((s) => s.value).filter((v) => Number.isFinite(v));
    const m = median(values);
    const target = ss[0]!.target ?? null;
    const verdict = target === null ? "" : !Number.isFinite(m) ? "short" : (target.op === ">=" ? m >= target.value : m <= target.value) ? "pass" : "short";
    return { scenario, figure, unit: ss[0]!.unit, median: m, min: Math.min(...values), max: Math.max(...values), runs: values.length, target, verdict, digits: ss[0]!.digits };
  });
}

function printTable(rows: Row[]): void {
  const head = ["scenario", "figure", "median", "min-max", "runs", "target", "result"];
  const lines = rows.map((r) => [
    r.scenario,
    r.figure,
    `${fmt(r.median, r.digits)} ${r.unit}`,
    `${fmt(r.min, r.digits)}-${fmt(r.max, r.digits)}`,
    String(r.runs),
    r.target ? `${r.target.op} ${fmt(r.target.value)}` : "",
    r.verdict,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join("  ");
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const l of lines) console.log(line(l));
}

async function main(): Promise<void> {
  const { profile, only, options } = parseArgs(process.argv.slice(2), process.env);
  const chosen = only === null ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.name));
  if (only !== null && chosen.length !== only.length) {
    throw new Error(`unknown scenario in ${only.join(",")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  }
  const started = Date.now();
  const rows: Row[] = [];
  const errors: { scenario: string; error: string }[] = [];
  const details: { scenario: string; run: number; title: string; lines: string[]; data: unknown }[] = [];
  for (const sc of chosen) {
    const n = options.runs ?? sc.runs(profile);
    const samples: Sample[][] = [];
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      try {
        const note = (m: string): void => void process.stderr.write(`[${sc.name} ${i + 1}/${n}] ${m}\n`);
        const detail = (title: string, lines: string[], data: unknown): void => void details.push({ scenario: sc.name, run: i + 1, title, lines, data });
        samples.push(await sc.run({ profile, options, note, detail }, i));
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        process.stderr.write(`[${sc.name} ${i + 1}/${n}] FAILED: ${msg}\n`);
        errors.push({ scenario: sc.name, error: msg });
      }
    }
    const r = aggregate(sc.name, samples);
    rows.push(...r);
    process.stderr.write(`[${sc.name}] done in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  const secs = (Date.now() - started) / 1000;
  console.log(`\nbench profile=${profile}, ${secs.toFixed(0)} s, node ${process.version}, ${new Date().toISOString()}`);
  printTable(rows);
  for (const d of details) {
    console.log(`\n${d.scenario} (run ${d.run}): ${d.title}`);
    for (const l of d.lines) console.log(l);
  }
  for (const e of errors) console.log(`ERROR ${e.scenario}: ${e.error}`);
  const dir = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${profile}.json`);
  writeFileSync(file, JSON.stringify({ profile, node: process.version, seconds: secs, options, rows, details, errors }, null, 2));
  console.log(`results: ${file}`);
  if (errors.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
