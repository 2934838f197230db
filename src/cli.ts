/**
 * The command line: argv, signals and exit codes live here and nowhere else.
 * Commands: run, check, drain, resume, status, events, simulate, demo.
 */
import { Command, Option } from "commander";

import { ConfigError, ENV_VARS, FLAGS } from "./config/index.js";
import { demoCommand } from "./cli/demo.js";
import { drainCommand, resumeCommand, statusCommand } from "./cli/drain.js";
import { eventsCommand } from "./cli/events.js";
import { checkCommand } from "./cli/check.js";
import { CliError, EXIT } from "./cli/exit.js";
import { runCommand } from "./cli/run.js";
import { simulateCommand, type SimulateFlags } from "./cli/simulate.js";
import { describeError } from "./util/index.js";
import { packageVersion } from "./util/version.js";

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function buildProgram(): Command {
  const program = new Command("jenkins-gearman-sidecar")
    .description("Runs Zuul's Gearman builds on a Jenkins master over REST, and publishes its build events over ZeroMQ")
    // As node and npm do: -v and --version print the bare version and exit 0.
    .version(packageVersion(), "-v, --version", "print the version and exit")
    .showHelpAfterError()
    .addHelpText(
      "after",
      `\nExit codes: 0 ok, 1 failure, 2 bad usage or configuration, 3 drain timed out, 4 sidecar unreachable, 5 check found what would break Zuul, 128+n stopped by signal n.`,
    );

  const run = program
    .command("run")
    .description("run the sidecar (SIGTERM drains, then exits; a second signal exits at once)")
    .option("--config <file>", "YAML configuration file (file < environment < flags)");
  for (const f of FLAGS) {
    const o = new Option(f.flag, f.description);
    if (f.key === "gearman") o.argParser(collect);
    run.addOption(o);
  }
  run.addHelpText("after", `\nEnvironment:\n${ENV_VARS.map((v) => `  ${v.name.padEnd(26)} ${v.description}`).join("\n")}`);
  run.action(async (opts: Record<string, unknown>) => {
    process.exitCode = await runCommand(opts);
  });

  const check = program
    .command("check")
    .description("migration preflight, read-only: permissions, each job's Zuul parameters, node parameter and label, the node groups and registrations")
    .option("--config <file>", "YAML configuration file, as for run")
    .option("--json", "print the report as JSON", false)
    .option("--zuul-jobs <regex>", "regular expression on the full names of the jobs Zuul runs (default: every job)")
    .option("--sample <n>", "functions shown per node group", "5");
  for (const f of FLAGS) {
    const o = new Option(f.flag, f.description);
    if (f.key === "gearman") o.argParser(collect);
    check.addOption(o);
  }
  check.addHelpText("after", "\nExit codes: 0 nothing would break Zuul, 5 something would (listed), 1 Jenkins could not be read, 2 bad usage or configuration.");
  check.action(async (opts: Record<string, unknown>) => {
    process.exitCode = await checkCommand(opts);
  });

  const adminOpts = (c: Command): Command =>
    c
      .option("--admin <url>", "admin API of the running sidecar", "http://127.0.0.1:8099")
      .option("--admin-token-file <file>", "file holding the admin API bearer token");

  adminOpts(program.command("drain").description("take no new work, wait until every in-flight build is reported and its events published"))
    .option("--quiet-down", "also put Jenkins into quiet-down (builds not started yet go back to Zuul)", false)
    .option("--timeout <duration>", "give up after this long, exit 3", "2h")
    .option("--interval <duration>", "how often to check", "1s")
    .action(async (opts: { admin: string; adminTokenFile?: string; quietDown?: boolean; timeout: string; interval?: string }) => {
      process.exitCode = await drainCommand(opts);
    });

  adminOpts(program.command("resume").description("cancel quiet-down and take work again")).action(async (opts: { admin: string; adminTokenFile?: string }) => {
    process.exitCode = await resumeCommand(opts);
  });

  adminOpts(program.command("status").description("show the running sidecar's state"))
    .option("--json", "print the full status JSON", false)
    .action(async (opts: { admin: string; adminTokenFile?: string; json?: boolean }) => {
      process.exitCode = await statusCommand(opts);
    });

  program
    .command("events")
    .description("print the build events a sidecar publishes, one line each")
    .option("--connect <endpoint>", "ZeroMQ endpoint, repeatable", collect, [])
    .option("--topic <topic>", "onStarted, onCompleted or onFinalized; repeatable (default: all)", collect)
    .option("--json", "JSON lines instead of text", false)
    .option("--count <n>", "exit after n events")
    .action(async (opts: { connect: string[]; topic?: string[]; json?: boolean; count?: string }) => {
      if (opts.connect.length === 0) opts.connect = ["tcp://127.0.0.1:8888"];
      process.exitCode = await eventsCommand(opts);
    });

  program
    .command("simulate")
    .description("serve a simulated Jenkins master until SIGTERM or SIGINT")
    .option("--host <host>", "address to listen on", "127.0.0.1")
    .option("--port <port>", "port (0 = any free)", "8080")
    .option("--jobs <n>", "jobs to generate", "50")
    .option("--nodes <n>", "nodes to generate", "10")
    .option("--labels <list>", "node labels, comma separated", "trusty,precise")
    .option("--executors <n>", "executors per node", "2")
    .option("--build-duration <duration>", "how long each build runs", "3s")
    .option("--result <result>", "result of every build", "SUCCESS")
    .option("--folders", "put the generated jobs in folders", false)
    .option("--config <file>", "scenario file (YAML or JSON) instead of generated jobs and nodes")
    .option("--jobs-from <dir>", "load jobs and folders from a directory of config.xml, as `jenkins-jobs test -o DIR` writes it (replaces the generated jobs)")
    .action(async (opts: SimulateFlags) => {
      process.exitCode = await simulateCommand(opts);
    });

  program
    .command("demo")
    .description("embedded Gearman, two simulated masters, two sidecars, Zuul and Nodepool stand-ins: the story in one process")
    .action(async () => {
      process.exitCode = await demoCommand();
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`jenkins-gearman-sidecar: ${e.message}\n`);
      process.exitCode = e.exitCode;
    } else if (e instanceof ConfigError) {
      process.stderr.write(`jenkins-gearman-sidecar: configuration: ${e.message}\n`);
      process.exitCode = EXIT.USAGE;
    } else {
      process.stderr.write(`jenkins-gearman-sidecar: ${describeError(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    }
  }
}

// Run when executed directly (tsx src/cli.ts, node dist/cli.js, or the bin shim).
const entry = process.argv[1] ?? "";
if (/cli\.(ts|js)$/.test(entry) || process.env["JGS_CLI_MAIN"] === "1") {
  await main(process.argv);
}
