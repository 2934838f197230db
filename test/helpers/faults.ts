/**
 * Helpers for the fault suite (issue 8): daemons with tunable Gearman connections, a ledger
 * that checks "every job ended once, no build started twice", a TCP proxy that can turn
 * half-open, a TLS terminator, throwaway certificates, and a sidecar child process.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";

import type { Daemon } from "../../src/daemon.js";
import type { ServerAddress } from "../../src/gearman/index.js";
import type { JenkinsSimulator } from "../../src/simulator/index.js";
import { startMasterDaemon, type MasterDaemonOptions, type Outcome } from "./stack.js";

export type FaultDaemonOptions = MasterDaemonOptions;

/** stack.ts startMasterDaemon, with ZeroMQ off unless asked for (most fault cases do not watch events). */
export function startFaultDaemon(sim: JenkinsSimulator, name: string, servers: ServerAddress[], stateFile: string, o: FaultDaemonOptions = {}): Promise<Daemon> {
  return startMasterDaemon(sim, name, servers, stateFile, { ...o, zmq: o.zmq === true });
}

/** A Jenkins result, or "retry" (WORK_FAIL: Zuul re-runs it), or "disconnected" (gearmand died: Zuul marks it LOST and re-runs it). */
export type Ending = string;

export function endingOf(o: Outcome): Ending {
  if (o.kind === "complete") {
    const r = o.complete?.["result"];
    return typeof r === "string" ? r : "complete-without-result";
  }
  if (o.kind === "fail" || o.kind === "exception") return "retry";
  return "disconnected";
}

/**
 * The core assertion of issue 8: each submitted job ended (its promise settled once, with an
 * allowed ending), and no ZUUL_UUID has more than one build across the simulators.
 * Returns the counts for the summary line.
 */
export function assertNothingLostNothingTwice(
  outcomes: Outcome[],
  sims: JenkinsSimulator[],
  allowed: (o: Outcome) => boolean,
): { submitted: number; endings: Record<string, number>; runTwice: number; lost: number } {
  const endings: Record<string, number> = {};
  for (const o of outcomes) {
    const e = endingOf(o);
    endings[e] = (endings[e] ?? 0) + 1;
    assert.ok(allowed(o), `job ${o.fn} ${o.uuid} ended with an unexpected ${e}`);
  }
  const mine = new Set(outcomes.map((o) => o.uuid));
  assert.equal(mine.size, outcomes.length, "each job has its own ZUUL_UUID");
  const perUuid = new Map<string, number>();
  for (const s of sims) {
    for (const b of s.builds()) {
      const u = b.parameters["ZUUL_UUID"];
      if (u !== undefined && mine.has(u)) perUuid.set(u, (perUuid.get(u) ?? 0) + 1);
    }
  }
  const runTwice = [...perUuid.values()].filter((n) => n > 1).length;
  assert.equal(runTwice, 0, "no Gearman job started two Jenkins builds");
  // A job reported SUCCESS/FAILURE/... must really have had its one build.
  for (const o of outcomes) if (o.kind === "complete") assert.equal(perUuid.get(o.uuid), 1, `${o.uuid} reported a result without a build`);
  return { submitted: outcomes.length, endings, runTwice, lost: 0 };
}

/** One line per case, copied into RELIABILITY.md. */
export function summary(name: string, fields: Record<string, unknown>): void {
  const parts = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  console.log(`FAULTS ${name}: ${parts.join(" ")}`);
}

/**
 * A TCP proxy. `blackhole()` stops forwarding both ways on every connection open now, without
 * closing anything: half-open as far as either end can tell (docs/contract.md "Connections"). Connections opened
 * afterwards forward normally, as a fresh connect over a repaired path would.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<{ client: Socket; upstream: Socket; dead: boolean }>();
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;

  constructor(target: { host: string; port: number }) {
    this.#target = target;
    this.#server = createServer((client) => this.#pipe(client));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const a = this.#server.address();
    this.port = typeof a === "object" && a !== null ? a.port : 0;
    return this.port;
  }

  #pipe(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.#target);
    const pair = { client, upstream, dead: false };
    this.#pairs.add(pair);
    for (const s of [client, upstream]) {
      s.on("error", () => undefined);
      s.on("close", () => {
        this.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on("data", (d) => {
      if (!pair.dead) upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (!pair.dead) client.write(d);
    });
  }

  /** Silently drop all traffic on the connections open now. Returns how many. */
  blackhole(): number {
    for (const p of this.#pairs) p.dead = true;
    return this.#pairs.size;
  }

  /** Closes every connection open now (a reset on both sides); new ones forward normally. Returns how many. */
  cut(): number {
    const n = this.#pairs.size;
    for (const p of [...this.#pairs]) {
      p.client.destroy();
      p.upstream.destroy();
    }
    return n;
  }

  /** Black-holed connections the client end has not closed yet. */
  get halfOpen(): number {
    return [...this.#pairs].filter((p) => p.dead).length;
  }

  async close(): Promise<void> {
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

export interface Certs {
  dir: string;
  ca: string;
  cert: string;
  key: string;
  remove(): void;
}

/** A throwaway CA and a server certificate for 127.0.0.1, made with the openssl command. */
export function makeCerts(): Certs {
  const dir = mkdtempSync(join(tmpdir(), "jgs-tls-"));
  const run = (args: string[]): void => {
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`openssl ${args[0] ?? ""} failed: ${r.stderr}`);
  };
  run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=jgs-test-ca"]);
  run(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"]);
  writeFileSync(join(dir, "ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  run(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "1", "-extfile", "ext"]);
  return {
    dir,
    ca: join(dir, "ca.pem"),
    cert: join(dir, "server.pem"),
    key: join(dir, "server.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Terminates TLS and forwards plain TCP to gearmand (what stunnel or a TLS-capable gearmand would do). */
export async function startTlsTerminator(target: { host: string; port: number }, tls: { cert: Buffer; key: Buffer }): Promise<{ port: number; handshakes: () => number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let handshakes = 0;
  const server: TlsServer = createTlsServer({ cert: tls.cert, key: tls.key }, (client) => {
    handshakes++;
    const up = connect(target);
    for (const s of [client, up]) {
      sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        sockets.delete(s);
        client.destroy();
        up.destroy();
      });
    }
    client.pipe(up);
    up.pipe(client);
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const a = server.address();
  const port = typeof a === "object" && a !== null ? a.port : 0;
  return {
    port,
    handshakes: () => handshakes,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The sidecar as a child process (`node --import tsx src/cli.ts run ...`), so SIGKILL is real. */
export class SidecarProcess {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "run", ...args], {
      cwd: join(import.meta.dirname, "..", ".."),
      env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (d: Buffer) => (this.stdout += d.toString()));
    this.child.stderr?.on("data", (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  /** The admin URL, from the "admin API listening" log line (JSON logs on stdout or stderr). */
  async adminUrl(timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/?"[^\n]*admin API listening/.exec(this.stdout + this.stderr);
      if (m?.[1]) return m[1];
      if (this.child.exitCode !== null) throw new Error(`the sidecar exited (${this.child.exitCode}): ${this.stderr.slice(-2000)}${this.stdout.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`no admin URL within ${timeoutMs} ms: ${this.stdout.slice(-2000)}${this.stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}
