/** `simulate`: a Jenkins simulator for people and scripts, serving until SIGTERM or SIGINT. */
import { parseDuration } from "../config/index.js";
import { SimulatorSpecError, generateScenario, loadScenario, startSimulator, type JenkinsSimulator, type SimResult, type SimulatorOptions } from "../simulator/index.js";
import { CliError, EXIT } from "./exit.js";

const RESULTS = ["SUCCESS", "UNSTABLE", "FAILURE", "NOT_BUILT", "ABORTED"] as const;

export interface SimulateFlags {
  host: string;
  port: string;
  jobs: string;
  nodes: string;
  labels: string;
  executors: string;
  buildDuration: string;
  result: string;
  folders?: boolean;
  config?: string;
  /** A directory of job XML as `jenkins-jobs test -o DIR` writes it; replaces the generated jobs. */
  jobsFrom?: string;
}

function count(name: string, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} takes a whole number >= ${min}, got ${v}`, EXIT.USAGE);
  return n;
}

export async function simulateCommand(f: SimulateFlags, out: NodeJS.WriteStream = process.stdout, signal?: AbortSignal): Promise<number> {
  if (!(RESULTS as readonly string[]).includes(f.result)) throw new CliError(`--result must be one of ${RESULTS.join(", ")}`, EXIT.USAGE);
  let opts: SimulatorOptions;
  if (f.config) {
    opts = await loadScenario(f.config);
  } else {
    opts = generateScenario({
      jobs: f.jobsFrom !== undefined ? 0 : count("jobs", f.jobs),
      nodes: count("nodes", f.nodes),
      labels: f.labels.split(",").map((s) => s.trim()).filter((s) => s !== ""),
      executors: count("executors", f.executors, 1),
      buildDurationMs: parseDuration(f.buildDuration),
      result: f.result as SimResult,
      folders: f.folders === true,
    });
  }
  // Jobs loaded from XML build for --build-duration and end with --result, like the generated ones.
  const created = { durationMs: parseDuration(f.buildDuration), result: f.result as SimResult };
  const jobsFrom = f.jobsFrom ?? opts.jobsFrom;
  let sim: JenkinsSimulator;
  try {
    sim = await startSimulator({ createdJobs: created, ...opts, ...(jobsFrom !== undefined ? { jobsFrom } : {}), host: f.host, port: count("port", f.port) });
  } catch (e) {
    if (e instanceof SimulatorSpecError && jobsFrom !== undefined) throw new CliError(`--jobs-from ${jobsFrom}: ${e.message}`, EXIT.USAGE, { cause: e });
    throw e;
  }
  const items = jobsFrom === undefined ? 0 : sim.model.items.size;
  out.write(`Jenkins simulator listening on ${sim.url}${jobsFrom !== undefined ? ` with ${items} items from ${jobsFrom}` : ""}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
    signal?.addEventListener("abort", stop, { once: true });
  });
  await sim.close();
  out.write("Jenkins simulator stopped\n");
  return EXIT.OK;
}
