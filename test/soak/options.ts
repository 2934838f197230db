/** `npm run soak -- [--seed N] [--duration 4m] ...`: the soak's options, checked, with their defaults. */
import { join } from "node:path";
import { parseArgs } from "node:util";

import { parseDuration } from "../../src/config/index.js";
import { randomSeed } from "./prng.js";
import { REPO_ROOT } from "./procs.js";

export interface SoakOptions {
  /** Replays the same fault schedule and job stream. @default a random seed, printed */
  seed: number;
  /** How long jobs are submitted and faults injected. @default 4 min (issue 15's runs) */
  durationMs: number;
  /** Zuul jobs submitted per second. @default 1 (issue 15: 217-273 builds in 4 min) */
  rate: number;
  /** Upper bound on the wait, after the last fault is healed, for every job, build and event to settle. @default 60 s */
  settleMs: number;
  /** How soon after publishing an event a SIGKILL may come for a repeat of it to be justified. @default 5 s */
  repeatWindowMs: number;
  /** The sidecars' --poll-interval. @default 1 s */
  pollInterval: string;
  /** Where each run's directory (result.json, fault log, process logs) goes. @default test/soak/results */
  outDir: string;
}

export const USAGE = `usage: npm run soak -- [--seed N] [--duration 4m] [--rate 1] [--settle 60s] [--repeat-window 5s] [--poll-interval 1s] [--out DIR]`;

export class SoakUsageError extends Error {
  override readonly name = "SoakUsageError";
}

export function parseSoakArgs(argv: string[]): SoakOptions {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        seed: { type: "string" },
        duration: { type: "string" },
        rate: { type: "string" },
        settle: { type: "string" },
        "repeat-window": { type: "string" },
        "poll-interval": { type: "string" },
        out: { type: "string" },
      },
    }).values;
  } catch (e) {
    throw new SoakUsageError(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
  }
  const dur = (name: string, s: string | undefined, dflt: string): number => {
    try {
      return parseDuration(s ?? dflt);
    } catch {
      throw new SoakUsageError(`--${name} takes a duration such as 60s or 4m, got ${JSON.stringify(s)}\n${USAGE}`);
    }
  };
  const seed = v.seed === undefined ? randomSeed() : Number(v.seed);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new SoakUsageError(`--seed takes a whole number from 0 to 4294967295, got ${JSON.stringify(v.seed)}`);
  const rate = v.rate === undefined ? 1 : Number(v.rate);
  if (!(rate > 0 && rate <= 20)) throw new SoakUsageError(`--rate takes jobs per second, above 0 and at most 20, got ${JSON.stringify(v.rate)}`);
  const durationMs = dur("duration", v.duration, "4m");
  if (durationMs < 10_000) throw new SoakUsageError("--duration must be at least 10s: the first fault comes after 5 s of warm-up");
  const pollInterval = v["poll-interval"] ?? "1s";
  dur("poll-interval", pollInterval, "1s");
  return {
    seed,
    durationMs,
    rate,
    settleMs: dur("settle", v.settle, "60s"),
    repeatWindowMs: dur("repeat-window", v["repeat-window"], "5s"),
    pollInterval,
    outDir: v.out ?? join(REPO_ROOT, "test", "soak", "results"),
  };
}
