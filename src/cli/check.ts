/**
 * `check`: the migration preflight (docs/migration.md). Read-only against a live Jenkins, with the connection
 * settings of `run` (the same config file, environment and flags; Gearman and ZeroMQ settings are read but only
 * the number of Gearman servers and the master name are used). Exit 0 ready, 5 something would break Zuul,
 * 1 Jenkins could not be read, 2 bad usage or configuration.
 */
import { loadConfig } from "../config/index.js";
import { JenkinsError, JenkinsPreflight, type JenkinsClientOptions, type NodeInfo, type PreflightJob } from "../jenkins/index.js";
import { analyse, formatReport, type ProbeResults } from "../preflight/index.js";
import { CliError, EXIT } from "./exit.js";
import { Progress } from "./progress.js";

export interface CheckOptions {
  /** Print the report as JSON. @default false */
  json?: boolean;
  /** Regular expression on job full names: the jobs Zuul runs. @default every job */
  zuulJobs?: string;
  /** Functions shown per node group. @default "5" */
  sample?: string;
}

function regex(s: string | undefined): RegExp | undefined {
  if (s === undefined) return undefined;
  try {
    return new RegExp(s);
  } catch (e) {
    throw new CliError(`--zuul-jobs: not a regular expression: ${(e as Error).message}`, EXIT.USAGE);
  }
}

async function probes(pf: JenkinsPreflight, jobs: readonly PreflightJob[], nodes: readonly NodeInfo[]): Promise<ProbeResults> {
  const job = jobs.find((j) => !j.disabled) ?? jobs[0];
  const agent = nodes.find((n) => n.name !== "");
  return {
    overallRead: true,
    visibleJobs: jobs.length,
    build: job === undefined ? null : await pf.probeBuild(job.fullName),
    nodeConfig: agent === undefined ? null : await pf.probeNodeConfig(agent.name),
  };
}

export async function checkCommand(
  flags: Record<string, unknown>,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WriteStream = process.stderr,
): Promise<number> {
  const { config: file, json, zuulJobs, sample, ...rest } = flags as Record<string, unknown> & CheckOptions & { config?: string };
  const filter = regex(zuulJobs);
  const perGroup = Number(sample ?? "5");
  if (!Number.isInteger(perGroup) || perGroup < 0) throw new CliError(`--sample takes a whole number >= 0, got ${String(sample)}`, EXIT.USAGE);
  const config = await loadConfig({ file: typeof file === "string" ? file : null, env: process.env, flags: rest });
  const j = config.jenkins;
  const opts: JenkinsClientOptions = {
    baseUrl: j.url,
    timeoutMs: j.timeoutMs,
    ...(j.user !== null ? { auth: { user: j.user, ...(j.token !== null ? { token: j.token } : {}), ...(j.password !== null ? { password: j.password } : {}) } } : {}),
  };
  const pf = new JenkinsPreflight(opts);
  const progress = new Progress(err, 5_000);
  try {
    progress.update(`reading ${j.url}`);
    const root = await pf.client.root();
    const me = await pf.whoAmI();
    progress.update("reading jobs");
    const jobs = await pf.listJobs((folder, n) => progress.update(`reading jobs: ${n} so far, now folder ${folder}`));
    progress.update(`read ${jobs.length} jobs; reading nodes`);
    const nodes = await pf.client.listNodes();
    const pipelines = jobs.filter((x) => x.isPipeline && (filter === undefined || filter.test(x.fullName)) && x.parameters.some((p) => p.type === "NodeParameterDefinition" || p.type === "LabelParameterDefinition"));
    if (pipelines.length > 0) progress.update(`read ${jobs.length} jobs and ${nodes.length} nodes; reading ${pipelines.length} Pipeline scripts`);
    const scripts = await pf.pipelineScripts(pipelines.map((x) => x.fullName));
    progress.update("probing permissions");
    const report = analyse({
      jenkins: { url: pf.client.baseUrl, version: root.version, user: me.id, userName: me.fullName, useSecurity: root.useSecurity },
      masterName: config.masterName ?? (root.url !== null ? new URL(root.url).hostname : "(none: Jenkins has no root URL; give --master-name)"), jobs, nodes, scripts, probes: await probes(pf, jobs, nodes),
      ...(filter !== undefined ? { zuulJobs: filter } : {}), gearmanServers: Math.max(1, config.gearman.servers.length), sample: perGroup,
    });
    progress.done(`read ${jobs.length} jobs and ${nodes.length} nodes: ${report.ok ? "ready" : "not ready"}`);
    out.write(json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    return report.ok ? EXIT.OK : EXIT.NOT_READY;
  } catch (e) {
    if (e instanceof JenkinsError) throw new CliError(`check: ${e.message}`, EXIT.FAILURE, { cause: e });
    throw e;
  }
}
