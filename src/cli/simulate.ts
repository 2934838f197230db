/** `simulate`: a Jenkins simulator for people and scripts, serving until SIGTERM or SIGINT. */
import { parseDuration } from "../config/index.js";
import { generateScenario, loadScenario, startSimulator, type SimResult, type SimulatorOptions } from "../simulator/index.js";
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
      jobs: count("jobs", f.jobs),
      nodes: count("nodes", f.nodes),
      labels: f.labels.split(",").map((s) => s.trim()).filter((s) => s !== ""),
      executors: count("executors", f.executors, 1),
      buildDurationMs: parseDuration(f.buildDuration),
      result: f.result as SimResult,
      folders: f.folders === true,
    });
  }
  const sim = await startSimulator({ ...opts, host: f.host, port: count("port", f.port) });
  out.write(`Jenkins simulator listening on ${sim.url}\n`);
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
