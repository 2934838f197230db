/**
 * Starts a real gearmand (Debian `gearman-job-server`) on a free loopback port for one test
 * suite, and stops it by its pid. Never skips: a missing gearmand is a failed suite, so CI
 * cannot pass by leaving the real-server tests out.
 *
 * JGS_TEST_GEARMAN_SERVER=gear starts gear's Python `gear.Server` instead (Zuul v2's embedded
 * server; test/gear/gear_server.py, with gear's source from GEAR_PATH), so the same tests run
 * against the other server operators run: scripts/check-gear-server.sh does that.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer, connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface Gearmand {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  /** SIGKILL now (a crash); the port stays reserved for `restart()`. */
  kill(): Promise<void>;
  /** Start again on the same port, after kill() or stop(). */
  restart(): Promise<void>;
  /** SIGTERM, then SIGKILL after 2 s; idempotent. */
  stop(): Promise<void>;
}

export interface GearmandOptions {
  port?: number;
  extraArgs?: string[];
}

export type GearmanServerKind = "gearmand" | "gear";

/** The server the integration tests start: JGS_TEST_GEARMAN_SERVER, "gearmand" unless set. */
export function gearmanServerKind(): GearmanServerKind {
  const v = process.env["JGS_TEST_GEARMAN_SERVER"] ?? "gearmand";
  if (v !== "gearmand" && v !== "gear") throw new Error(`JGS_TEST_GEARMAN_SERVER must be "gearmand" or "gear", not "${v}"`);
  return v;
}

/** The command that runs a Gearman server on 127.0.0.1:port (pid file and logs in `dir`). */
function serverCommand(port: number, dir: string, extraArgs: string[]): { bin: string; args: string[]; env: NodeJS.ProcessEnv } {
  if (gearmanServerKind() === "gear") {
    const gear = process.env["GEAR_PATH"];
    if (!gear) throw new Error("JGS_TEST_GEARMAN_SERVER=gear needs GEAR_PATH, a checkout of openstack-infra/gear (scripts/check-gear-server.sh sets both)");
    if (extraArgs.length > 0) throw new Error(`gearmand options ${extraArgs.join(" ")} do not apply to gear.Server`);
    const script = fileURLToPath(new URL("../gear/gear_server.py", import.meta.url));
    return { bin: process.env["GEAR_PYTHON"] ?? "/usr/bin/python3", args: [script, "--port", String(port)], env: { ...process.env, PYTHONPATH: gear, PYTHONDONTWRITEBYTECODE: "1" } };
  }
  return {
    bin: gearmandPath(),
    args: ["--listen=127.0.0.1", `--port=${port}`, "--log-file=none", `--pid-file=${join(dir, "gearmand.pid")}`, "--threads=1", ...extraArgs],
    env: process.env,
  };
}

export function gearmandPath(): string {
  for (const p of ["/usr/sbin/gearmand", "/usr/local/sbin/gearmand"]) {
    if (spawnSync("test", ["-x", p]).status === 0) return p;
  }
  const which = spawnSync("sh", ["-c", "command -v gearmand"], { encoding: "utf8" });
  const found = which.stdout.trim();
  if (found) return found;
  throw new Error(
    "gearmand is not installed: run `apt-get install -y gearman-job-server` (or `bash .ci/run`, which does it)",
  );
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        reject(new Error("no port"));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${gearmanServerKind()} exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: "127.0.0.1", port });
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${gearmanServerKind()} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startGearmand(options: GearmandOptions = {}): Promise<Gearmand> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "gearmand-"));
  let child: ChildProcess | undefined;
  let stderr = "";

  const launch = async (): Promise<void> => {
    stderr = "";
    const cmd = serverCommand(port, dir, options.extraArgs ?? []);
    child = spawn(cmd.bin, cmd.args, { stdio: ["ignore", "ignore", "pipe"], env: cmd.env });
    child.stderr?.on("data", (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    try {
      await waitForPort(port, child, 10_000);
    } catch (e) {
      child.kill("SIGKILL");
      throw new Error(`${(e as Error).message}; stderr: ${stderr.trim()}`);
    }
  };

  const waitExit = (c: ChildProcess, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) {
        resolve(true);
        return;
      }
      const t = setTimeout(() => resolve(false), ms);
      c.once("exit", () => {
        clearTimeout(t);
        resolve(true);
      });
    });

  await launch();
  const g: Gearmand = {
    host: "127.0.0.1",
    port,
    get pid() {
      return child?.pid ?? -1;
    },
    async kill() {
      if (!child) return;
      const c = child;
      c.kill("SIGKILL");
      await waitExit(c, 5000);
    },
    async restart() {
      await g.kill();
      await launch();
    },
    async stop() {
      if (!child) return;
      const c = child;
      child = undefined;
      c.kill("SIGTERM");
      if (!(await waitExit(c, 2000))) {
        c.kill("SIGKILL");
        await waitExit(c, 2000);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return g;
}
