/**
 * Runs Jenkins Job Builder itself (Debian's `jenkins-job-builder`, installed by scripts/ensure-test-deps.sh)
 * against a simulator. Never skips: a missing `jenkins-jobs` fails the suite with the command to install it.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface JjbRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Jjb {
  /** `jenkins-jobs --conf <ini> ARGS…`; rejects when it exits non-zero. */
  run(args: readonly string[]): Promise<JjbRun>;
  /** The same, resolving whatever the exit code. */
  runRaw(args: readonly string[]): Promise<JjbRun>;
  readonly ini: string;
}

function exec(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<JjbRun> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new Error("jenkins-jobs is not installed: run `bash scripts/ensure-test-deps.sh` (apt-get install -y jenkins-job-builder python3-jenkins)"));
        return;
      }
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The installed JJB's version, e.g. "3.11.0". */
export async function jjbVersion(): Promise<string> {
  const r = await exec("jenkins-jobs", ["--version"], process.env, 30_000);
  return `${r.stdout}${r.stderr}`.trim().replace(/^Jenkins Job Builder version:\s*/, "");
}

/**
 * A JJB configuration for `url` (user + API token) in `dir`, with its cache in `dir` too. With `queryPlugins`
 * (the default) every command, `test` included, reads the plugin list from `url` first.
 */
export function jjbFor(dir: string, url: string, user: string, token: string, queryPlugins = true): Jjb {
  const ini = join(dir, "jenkins_jobs.ini");
  writeFileSync(ini, `[job_builder]\nignore_cache=True\n\n[jenkins]\nurl=${url}\nuser=${user}\npassword=${token}\nquery_plugins_info=${queryPlugins ? "True" : "False"}\n`);
  const env = { ...process.env, XDG_CACHE_HOME: join(dir, "cache"), HOME: dir };
  return {
    ini,
    runRaw: (args) => exec("jenkins-jobs", ["--conf", ini, ...args], env, 120_000),
    async run(args) {
      const r = await exec("jenkins-jobs", ["--conf", ini, ...args], env, 120_000);
      if (r.code !== 0) throw new Error(`jenkins-jobs ${args.join(" ")} exited ${r.code}:\n${r.stderr.slice(-4000)}`);
      return r;
    },
  };
}
