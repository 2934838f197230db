/**
 * The real command line as a child process (`node --import tsx src/cli.ts …`, as
 * test/integration/ops-cli.test.ts starts it), for tests that look at what an operator sees: log
 * lines on stderr, the admin API of a `run` process, its exit status.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

import { freePort } from "./gearmand.js";
import { waitFor } from "./stack.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Proc {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the CLI with a clean environment (no JGS_* or JENKINS_* of the caller). */
export function cli(args: string[], o: { env?: Record<string, string> } = {}): Proc {
  const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "/tmp", ...o.env };
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
  return { child, out: () => out, err: () => err, exited };
}

/** The exit code, after SIGKILL if the process outlives `timeoutMs`. */
export async function exitOf(p: Proc, timeoutMs = 20_000): Promise<number | null> {
  const t = setTimeout(() => p.child.kill("SIGKILL"), timeoutMs);
  const r = await p.exited;
  clearTimeout(t);
  return r.code;
}

/** SIGKILL for whatever is still running (an `after` hook's safety net). */
export function killAll(procs: Proc[]): void {
  for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
}

export interface RunningSidecar {
  p: Proc;
  /** Admin API base URL, ending in "/". */
  admin: string;
  zmq: string;
}

/** `run` against a Jenkins URL and Gearman servers, on free loopback ports; resolves once /readyz says 200. */
export async function startRun(o: { jenkinsUrl: string; gearman: string[]; name: string; stateFile: string; logLevel?: string; extra?: string[] }): Promise<RunningSidecar> {
  const [ap, zp] = [await freePort(), await freePort()];
  const p = cli([
    "run",
    ...["--jenkins-url", o.jenkinsUrl, ...o.gearman.flatMap((g) => ["--gearman", g]), "--admin-listen", `127.0.0.1:${ap}`, "--zmq-bind", `tcp://127.0.0.1:${zp}`],
    ...["--master-name", o.name, "--poll-interval", "200ms", "--state-file", o.stateFile, "--log-level", o.logLevel ?? "info", ...(o.extra ?? [])],
  ]);
  const admin = `http://127.0.0.1:${ap}/`;
  try {
    await waitFor(
      `${o.name} ready`,
      async () => {
        if (p.child.exitCode !== null) throw new Error(`run exited ${p.child.exitCode}: ${p.err()}`);
        return (await fetch(new URL("readyz", admin)).catch(() => null))?.status === 200;
      },
      20_000,
      100,
    );
  } catch (e) {
    p.child.kill("SIGKILL");
    throw e;
  }
  return { p, admin, zmq: `tcp://127.0.0.1:${zp}` };
}
