/** One master's sidecar, `cli.ts run`, as a child process the soak can SIGKILL, SIGTERM and restart. */
import { appendFileSync } from "node:fs";
import type { ChildProcess } from "node:child_process";

import { CLI, sleep, spawnLogged, type ProcessSet } from "./procs.js";
import type { RunEnding, SidecarRunRecord } from "./types.js";

export interface SidecarSpec {
  master: string;
  jenkinsUrl: string;
  gearman: string[];
  zmqPort: number;
  adminPort: number;
  stateFile: string;
  logFile: string;
  pollInterval: string;
  drainGrace: string;
  buildStartTimeout: string;
}

/** One master's sidecar, `run ...`, restartable with the same flags and state file. */
export class SidecarProcess {
  readonly spec: SidecarSpec;
  readonly adminUrl: string;
  readonly zmqEndpoint: string;
  readonly runs: SidecarRunRecord[] = [];
  /** Called when a run exits without the soak having asked it to. */
  onCrash: (r: SidecarRunRecord) => void = () => undefined;
  readonly #procs: ProcessSet;
  #child: ChildProcess | null = null;
  #run: SidecarRunRecord | null = null;
  #expect: RunEnding | null = null;
  #exited: Promise<void> = Promise.resolve();

  constructor(spec: SidecarSpec, procs: ProcessSet) {
    this.spec = spec;
    this.adminUrl = `http://127.0.0.1:${spec.adminPort}/`;
    this.zmqEndpoint = `tcp://127.0.0.1:${spec.zmqPort}`;
    this.#procs = procs;
  }

  /** A process is running (it may still be starting or draining). */
  get alive(): boolean {
    return this.#run !== null && this.#run.exitedAt === null;
  }

  get current(): SidecarRunRecord | null {
    return this.#run;
  }

  #argv(): string[] {
    const s = this.spec;
    return [
      ...CLI, "run",
      "--jenkins-url", s.jenkinsUrl,
      ...s.gearman.flatMap((g) => ["--gearman", g]),
      "--zmq-bind", this.zmqEndpoint,
      "--admin-listen", `127.0.0.1:${s.adminPort}`,
      "--master-name", s.master,
      "--poll-interval", s.pollInterval,
      "--state-file", s.stateFile,
      "--drain-grace", s.drainGrace,
      "--build-start-timeout", s.buildStartTimeout,
      "--log-level", "info",
    ];
  }

  /** Spawns a new process and waits until its admin API answers /healthz (bounded); learns its run id. */
  async start(timeoutMs = 40_000): Promise<void> {
    if (this.alive) throw new Error(`sidecar ${this.spec.master} is already running`);
    appendFileSync(this.spec.logFile, `${JSON.stringify({ soak: "start", master: this.spec.master, time: Date.now() })}\n`);
    const child = spawnLogged(this.#argv(), this.spec.logFile, this.#procs, false);
    const run: SidecarRunRecord = { master: this.spec.master, pid: child.pid ?? -1, runId: null, startedAt: Date.now(), exitedAt: null, exit: null, ending: null };
    this.runs.push(run);
    this.#child = child;
    this.#run = run;
    this.#expect = null;
    this.#exited = new Promise<void>((resolve) => {
      child.once("exit", (code, signal) => {
        run.exitedAt = Date.now();
        run.exit = { code, signal };
        run.ending = this.#expect ?? (this.#procs.closed ? "final" : "crash");
        appendFileSync(this.spec.logFile, `${JSON.stringify({ soak: "exit", master: this.spec.master, pid: run.pid, code, signal, ending: run.ending, time: run.exitedAt })}\n`);
        if (run.ending === "crash") this.onCrash(run);
        resolve();
      });
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (run.exitedAt !== null) throw new Error(`sidecar ${this.spec.master} exited while starting (${JSON.stringify(run.exit)}); see ${this.spec.logFile}`);
      const st = await this.#getJson("status", 1000);
      if (st !== null) {
        const events = (st as { events?: { runId?: unknown } }).events;
        if (typeof events?.runId === "string") run.runId = events.runId;
        return;
      }
      if (Date.now() > deadline) throw new Error(`sidecar ${this.spec.master} did not answer /status within ${timeoutMs} ms; see ${this.spec.logFile}`);
      await sleep(200);
    }
  }

  /**
   * Sends a signal the soak means (so the exit is not a crash) and waits for the exit. A SIGTERM drain
   * that outlasts `termTimeoutMs` is cut short with SIGKILL; the result says whether that happened.
   */
  async stop(signal: "SIGKILL" | "SIGTERM", ending: RunEnding, termTimeoutMs = 45_000): Promise<{ ms: number; forced: boolean; exit: SidecarRunRecord["exit"] }> {
    const t0 = Date.now();
    const child = this.#child;
    const run = this.#run;
    if (!child || !run || run.exitedAt !== null) return { ms: 0, forced: false, exit: run?.exit ?? null };
    this.#expect = ending;
    child.kill(signal);
    let forced = false;
    if (signal === "SIGTERM") {
      const done = await Promise.race([this.#exited.then(() => true), sleep(termTimeoutMs).then(() => false)]);
      if (!done) {
        forced = true;
        child.kill("SIGKILL");
      }
    }
    await this.#exited;
    return { ms: Date.now() - t0, forced, exit: run.exit };
  }

  /** GET a JSON admin endpoint; null when the sidecar does not answer in time. */
  async #getJson(path: string, timeoutMs: number): Promise<unknown> {
    try {
      const res = await fetch(new URL(path, this.adminUrl), { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return null;
      return (await res.json());
    } catch {
      return null;
    }
  }

  /** POST /drain or /resume; null when it did not answer. */
  async post(path: "drain" | "resume", body: unknown, timeoutMs = 5000): Promise<unknown> {
    try {
      const res = await fetch(new URL(path, this.adminUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return res.ok ? ((await res.json())) : null;
    } catch {
      return null;
    }
  }

  status(timeoutMs = 2000): Promise<unknown> {
    return this.#getJson("status", timeoutMs);
  }

  events(since: number, limit: number, timeoutMs = 3000): Promise<unknown> {
    return this.#getJson(`events?since=${since}&limit=${limit}`, timeoutMs);
  }
}
