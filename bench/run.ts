/**
 * `npm run bench [-- --full] [-- --only a,b]`: runs the scenarios of issue 7, each several times,
 * and prints one table (figure, median, min-max, target, pass / short). JSON goes to bench/results/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { median, type Profile, type Sample, type Scenario, type Target } from "./lib.js";
import { gearmanScenario } from "./scenarios/gearman.js";
import { jenkinsLoadScenario } from "./scenarios/jenkins-load.js";
import { latencyScenario } from "./scenarios/latency.js";
import { memoryScenario } from "./scenarios/memory.js";
import { registrationScenario } from "./scenarios/registration.js";
import { throughputScenario } from "./scenarios/throughput.js";

const SCENARIOS: Scenario[] = [gearmanScenario, registrationScenario, throughputScenario, latencyScenario, jenkinsLoadScenario, memoryScenario];

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

function parseArgs(argv: string[]): { profile: Profile; only: string[] | null } {
  let profile: Profile = "quick";
  let only: string[] | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--full") profile = "full";
    else if (a === "--quick") profile = "quick";
    else if (a === "--only") only = (argv[++i] ?? "").split(",").filter((s) => s !== "");
    else if (a.startsWith("--only=")) only = a.slice("--only=".length).split(",").filter((s) => s !== "");
    else if (!a.startsWith("-")) only = [...(only ?? []), a];
    else throw new Error(`unknown argument ${a} (use --full, --only <name,...>)`);
  }
  return { profile, only };
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
  const { profile, only } = parseArgs(process.argv.slice(2));
  const chosen = only === null ? SCENARIOS : SCENARIOS.filter((s) => only.includes(s.name));
  if (only !== null && chosen.length !== only.length) {
    throw new Error(`unknown scenario in ${only.join(",")}; known: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  }
  const started = Date.now();
  const rows: Row[] = [];
  const errors: { scenario: string; error: string }[] = [];
  for (const sc of chosen) {
    const n = sc.runs(profile);
    const samples: Sample[][] = [];
    const t0 = Date.now();
    for (let i = 0; i < n; i++) {
      try {
        samples.push(await sc.run({ profile, note: (m) => process.stderr.write(`[${sc.name} ${i + 1}/${n}] ${m}\n`) }, i));
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
  for (const e of errors) console.log(`ERROR ${e.scenario}: ${e.error}`);
  const dir = join(dirname(fileURLToPath(import.meta.url)), "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-")}-${profile}.json`);
  writeFileSync(file, JSON.stringify({ profile, node: process.version, seconds: secs, rows, errors }, null, 2));
  console.log(`results: ${file}`);
  if (errors.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
