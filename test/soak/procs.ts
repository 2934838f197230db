/**
 * The soak's child processes: simulated Jenkins masters (`cli.ts simulate`, here) and sidecars (`cli.ts run`,
 * sidecar-process.ts), each a real process so that SIGKILL, SIGTERM and SIGSTOP are real. Every child is registered in one
 * ProcessSet, which kills them all at the end, on failure, on SIGINT, and (synchronously) at exit.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, closeSync, openSync } from "node:fs";
import { join } from "node:path";


export const REPO_ROOT = join(import.meta.dirname, "..", "..");
export const CLI = ["--import", "tsx", "src/cli.ts"];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A clean environment, as test/integration/ops-cli.test.ts uses: nothing JGS_* or JENKINS_* leaks in. */
function cleanEnv(): Record<string, string> {
  return { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp" };
}

export class ProcessSet {
  readonly #live = new Set<ChildProcess>();
  readonly #pids = new Set<number>();
  readonly #pidSources: (() => number)[] = [];
  readonly #releasers: (() => Promise<void>)[] = [];
  readonly #onExit = (): void => this.killAllNow();
  #closed = false;

  constructor() {
    process.on("exit", this.#onExit);
  }

  /** Once the soak has started killing everything: nothing new is spawned, and no exit counts as a crash. */
  get closed(): boolean {
    return this.#closed;
  }

  track(child: ChildProcess): void {
    if (this.#closed) {
      child.kill("SIGKILL");
      throw new Error("the soak is shutting down; not starting another process");
    }
    this.#live.add(child);
    child.once("exit", () => this.#live.delete(child));
  }

  /**
   * A process this set did not spawn itself (gearmand, from test/helpers/gearmand.ts): killed by pid at
   * exit, and stopped through `release` by killAll().
   */
  trackPid(pid: () => number, release: () => Promise<void>): void {
    this.#pidSources.push(pid);
    this.#releasers.push(release);
  }

  /** SIGCONT (a stopped process cannot die of SIGTERM) then SIGKILL, synchronously. */
  killAllNow(): void {
    this.#closed = true;
    for (const c of this.#live) {
      try {
        c.kill("SIGCONT");
        c.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const src of this.#pidSources) this.#pids.add(src());
    for (const pid of this.#pids) {
      if (pid <= 0) continue;
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }

  /** Kills every child and waits (bounded) until each has exited. */
  async killAll(): Promise<void> {
    const waiting = [...this.#live].map((c) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once("exit", () => r()))));
    this.killAllNow();
    await Promise.race([Promise.all(waiting), sleep(5000)]);
    await Promise.race([Promise.allSettled(this.#releasers.map((r) => r())), sleep(5000)]);
  }
}

/** Spawns `node <argv>` in the repository with stdout (unless piped) and stderr appended to `logFile`. */
export function spawnLogged(argv: string[], logFile: string, procs: ProcessSet, pipeStdout: boolean): ChildProcess {
  if (procs.closed) throw new Error("the soak is shutting down; not starting another process");
  const fd = openSync(logFile, "a");
  try {
    const child = spawn(process.execPath, argv, { cwd: REPO_ROOT, env: cleanEnv(), stdio: ["ignore", pipeStdout ? "pipe" : fd, fd] });
    procs.track(child);
    return child;
  } finally {
    closeSync(fd);
  }
}

/** A simulated Jenkins master, `simulate --config <scenario> --port <port>`. */
export class SimProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly #scenario: string;
  readonly #log: string;
  readonly #procs: ProcessSet;
  #child: ChildProcess | null = null;
  #stopped = false;

  constructor(o: { name: string; port: number; scenarioFile: string; logFile: string; procs: ProcessSet }) {
    this.name = o.name;
    this.port = o.port;
    this.url = `http://127.0.0.1:${o.port}/`;
    this.#scenario = o.scenarioFile;
    this.#log = o.logFile;
    this.#procs = o.procs;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawnLogged([...CLI, "simulate", "--config", this.#scenario, "--port", String(this.port)], this.#log, this.#procs, true);
    this.#child = child;
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`simulator ${this.name} did not listen within ${timeoutMs} ms: ${out.slice(-500)}`)), timeoutMs);
      child.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        appendFileSync(this.#log, d);
        if (out.includes("listening on")) {
          clearTimeout(t);
          resolve();
        }
      });
      child.once("exit", (code, sig) => {
        clearTimeout(t);
        reject(new Error(`simulator ${this.name} exited (${code ?? sig ?? "?"}) before listening: ${out.slice(-500)}`));
      });
    });
  }

  /** SIGSTOP: every request to this master hangs until cont(). */
  stop(): void {
    this.#child?.kill("SIGSTOP");
    this.#stopped = true;
  }

  cont(): void {
    this.#child?.kill("SIGCONT");
    this.#stopped = false;
  }

  get exited(): boolean {
    const c = this.#child;
    return c === null || c.exitCode !== null || c.signalCode !== null;
  }
}
