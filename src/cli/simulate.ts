/** `simulate`: a Jenkins simulator for people and scripts, serving until SIGTERM or SIGINT. */
import { parseDuration } from "../config/index.js";
import {
  ConfigXmlError,
  ItemFailure,
  SimulatorSpecError,
  generateScenario,
  loadScenario,
  readJobsDir,
  startSimulator,
  type ItemXml,
  type JenkinsSimulator,
  type SimResult,
  type SimulatorOptions,
} from "../simulator/index.js";
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

/** Loads the job XML into the simulator; a file Jenkins would refuse is a usage error naming it. */
async function loadJobs(sim: JenkinsSimulator, items: readonly ItemXml[]): Promise<void> {
  for (const it of items) {
    try {
      sim.addItemXml(it.fullName, it.xml);
    } catch (e) {
      if (e instanceof ConfigXmlError || e instanceof ItemFailure || e instanceof SimulatorSpecError) {
        await sim.close();
        throw new CliError(`--jobs-from: ${it.file} (job "${it.fullName}"): ${e.message}`, EXIT.USAGE, { cause: e });
      }
      throw e;
    }
  }
}

function count(name: string, v: string, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new CliError(`--${name} takes a whole number >= ${min}, got ${v}`, EXIT.USAGE);
  return n;
}

export async function simulateCommand(f: SimulateFlags, out: NodeJS.WriteStream = process.stdout, signal?: AbortSignal): Promise<number> {
  if (!(RESULTS as readonly string[]).includes(f.result)) throw new CliError(`--result must be one of ${RESULTS.join(", ")}`, EXIT.USAGE);
  let opts: SimulatorOptions;
  let items: ItemXml[] = [];
  if (f.jobsFrom !== undefined) {
    try {
      items = await readJobsDir(f.jobsFrom);
    } catch (e) {
      if (e instanceof SimulatorSpecError) throw new CliError(`--jobs-from: ${e.message}`, EXIT.USAGE, { cause: e });
      throw e;
    }
  }
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
  const buildDurationMs = parseDuration(f.buildDuration);
  const created = { durationMs: buildDurationMs, result: f.result as SimResult };
  const sim = await startSimulator({ createdJobs: created, ...opts, host: f.host, port: count("port", f.port) });
  await loadJobs(sim, items);
  out.write(`Jenkins simulator listening on ${sim.url}${items.length > 0 ? ` with ${items.length} items from ${f.jobsFrom ?? ""}` : ""}\n`);
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
