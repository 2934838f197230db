/**
 * Child processes of the benchmarks: the simulator (bench/sim-child.ts), the sidecar under test (the
 * installed command on the built dist/) and a baseline sidecar built from another commit (a `git worktree`
 * run from its TypeScript sources through tsx). Every child is registered, so that each scenario's
 * `finally` and, as a last resort, the bench process's exit kill it.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";

import type { SimChildConfig } from "./sim-child.js";
import { freePort } from "../test/helpers/gearmand.js";

const ROOT = resolve(import.meta.dirname, "..");
export const BIN = join(ROOT, "bin/jenkins-gearman-sidecar.js");
const DIST = join(ROOT, "dist/cli.js");

const live = new Set<ChildProcess>();
/** Children started elsewhere (gearmand, by test/helpers), known by pid while they run. */
const livePids = new Set<number>();

/** Synchronous cleanups (the baseline worktree) that must also run when the bench is killed by a signal. */
const atExit = new Set<() => void>();

function killAll(): void {
  for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  for (const pid of livePids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const f of atExit) f();
}
process.on("exit", killAll);
// A signal ends Node without 'exit' handlers: kill the children first, then exit as the signal would.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    killAll();
    process.exit(128 + (constants.signals[sig] ?? 15));
  });
}

function track(c: ChildProcess): ChildProcess {
  live.add(c);
  c.once("exit", () => live.delete(c));
  return c;
}

/** Cleanups run last-in first-out, each even if an earlier one failed (graphile-worker's releasers). */
export class Cleanup {
  readonly #fns: (() => Promise<unknown> | void)[] = [];

  add(fn: () => Promise<unknown> | void): void {
    this.#fns.push(fn);
  }

  /** A process started elsewhere, killed with the others if the bench dies; `stop` is its own way out. */
  addPid(pid: number, stop: () => Promise<void>): void {
    livePids.add(pid);
    this.add(async () => {
      await stop();
      livePids.delete(pid);
    });
  }

  async run(): Promise<void> {
    for (const f of this.#fns.splice(0).reverse()) {
      try {
        await f();
      } catch {
        // keep going: every cleanup runs
      }
    }
  }
}

/** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves when the process has exited. */
export async function stopChild(c: ChildProcess, graceMs = 5_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  const exited = new Promise<void>((r) => c.once("exit", () => r()));
  c.kill(signal);
  const t = setTimeout(() => c.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(t);
}

export interface SimChild {
  readonly pid: number;
  readonly urls: string[];
  stop(): Promise<void>;
}

/** Starts bench/sim-child.ts and waits for its READY line (seeding 20k builds takes a few seconds). */
export async function startSimChild(config: SimChildConfig, timeoutMs = 300_000): Promise<SimChild> {
  const c = track(spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/sim-child.ts"), JSON.stringify(config)], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] }));
  const stop = (): Promise<void> => stopChild(c);
  try {
    const urls = await new Promise<string[]>((resolveUrls, reject) => {
      const t = setTimeout(() => reject(new Error(`sim-child: not ready within ${timeoutMs} ms`)), timeoutMs);
      const lines = createInterface({ input: c.stdout ?? process.stdin });
      lines.on("line", (l) => {
        if (!l.startsWith("READY ")) return;
        clearTimeout(t);
        resolveUrls((JSON.parse(l.slice(6)) as { urls: string[] }).urls);
      });
      c.once("exit", (code) => {
        clearTimeout(t);
        reject(new Error(`sim-child exited (${code ?? "signal"}) before it was ready`));
      });
    });
    return { pid: c.pid ?? -1, urls, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** How to start a sidecar: the installed command of this checkout, or the TypeScript sources of a baseline worktree. */
export type SidecarBuild = { kind: "installed" } | { kind: "source"; dir: string; label: string };

export interface SidecarChild {
  readonly pid: number;
  /** Admin API base URL, "http://127.0.0.1:PORT". */
  readonly admin: string;
  readonly exited: Promise<void>;
  /** SIGINT twice (drain, then stop at once), SIGKILL after the grace. */
  stop(graceMs?: number): Promise<void>;
}

export interface SidecarOptions {
  build: SidecarBuild;
  jenkinsUrl: string;
  gearman: string;
  master: string;
  /** Flags after ours (a repeated flag takes the last value, so these override). */
  args: readonly string[];
  /** Node flags such as --cpu-prof; they make the installed command run as `node --optimize-for-size <flags> bin/...`. */
  nodeFlags?: readonly string[];
}

/** Starts a sidecar `run` on free loopback ports, with a state file in a temp dir, logging errors only. */
export async function startSidecar(o: SidecarOptions): Promise<SidecarChild> {
  if (o.build.kind === "installed" && !existsSync(DIST)) throw new Error(`${DIST} is missing; run \`npm run build\` (npm run bench does)`);
  const dir = mkdtempSync(join(tmpdir(), "jgs-bench-sidecar-"));
  const adminPort = await freePort();
  const zmqPort = await freePort();
  const ours = [
    "run", "--jenkins-url", o.jenkinsUrl, "--gearman", o.gearman, "--master-name", o.master, "--admin-listen", `127.0.0.1:${adminPort}`,
    "--zmq-bind", `tcp://127.0.0.1:${zmqPort}`, "--state-file", join(dir, "state.json"), "--log-level", "error",
  ];
  const nodeFlags = o.nodeFlags ?? [];
  const [cmd, args, cwd] =
    o.build.kind === "installed"
      ? nodeFlags.length === 0
        ? [BIN, [...ours, ...o.args], ROOT]
        : [process.execPath, ["--optimize-for-size", ...nodeFlags, BIN, ...ours, ...o.args], ROOT]
      : [process.execPath, ["--optimize-for-size", ...nodeFlags, "--import", "tsx", join(o.build.dir, "src/cli.ts"), ...ours, ...o.args], o.build.dir];
  const c = track(spawn(cmd, args, { cwd, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, JGS_CLI_MAIN: "1" } }));
  const exited = new Promise<void>((r) => (c.exitCode !== null ? r() : c.once("exit", () => r())));
  const stop = async (graceMs = 10_000): Promise<void> => {
    if (c.exitCode !== null || c.signalCode !== null) {
      rmSync(dir, { recursive: true, force: true });
      return;
    }
    c.kill("SIGINT");
    setTimeout(() => c.kill("SIGINT"), 200).unref();
    const t = setTimeout(() => c.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(t);
    rmSync(dir, { recursive: true, force: true });
  };
  return { pid: c.pid ?? -1, admin: `http://127.0.0.1:${adminPort}`, exited, stop };
}

export interface Baseline {
  readonly build: SidecarBuild;
  readonly commit: string;
  remove(): void;
}

/**
 * The sidecar at git revision `rev`: `git worktree add --detach` into a temp dir, with node_modules
 * symlinked from this checkout (the dependencies are the same), run from its sources through tsx.
 */
export function prepareBaseline(rev: string): Baseline {
  const git = (...a: string[]): string => {
    const r = spawnSync("git", a, { cwd: ROOT, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${a.join(" ")}: ${r.stderr.trim() || `exit ${r.status ?? "signal"}`}`);
    return r.stdout.trim();
  };
  const commit = git("rev-parse", "--verify", `${rev}^{commit}`);
  const parent = mkdtempSync(join(tmpdir(), "jgs-baseline-"));
  const dir = join(parent, "repo");
  try {
    git("worktree", "add", "--detach", "--quiet", dir, commit);
  } catch (e) {
    rmSync(parent, { recursive: true, force: true });
    throw e;
  }
  const remove = (): void => {
    atExit.delete(remove);
    spawnSync("git", ["worktree", "remove", "--force", dir], { cwd: ROOT });
    rmSync(parent, { recursive: true, force: true });
    spawnSync("git", ["worktree", "prune"], { cwd: ROOT });
  };
  atExit.add(remove);
  try {
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  } catch (e) {
    remove();
    throw e;
  }
  return { build: { kind: "source", dir, label: commit.slice(0, 7) }, commit, remove };
}

/** GET a sidecar's /status (admin API, loopback, no token needed to read). */
export async function sidecarStatus(admin: string): Promise<{ groups: { worker: string; nodes: string[]; functions: number; registered: number }[] }> {
  const r = await fetch(`${admin}/status`, { signal: AbortSignal.timeout(5_000) });
  if (!r.ok) throw new Error(`${admin}/status answered ${r.status}`);
  return (await r.json()) as { groups: { worker: string; nodes: string[]; functions: number; registered: number }[] };
}
