/**
 * The three sources of configuration, each turned into a partial object in the shape of the YAML file
 * (a `Layer`), with the origin of every value so that an error can say where a bad value came from.
 * Precedence (lowest first): file < environment < flags. Defaults are applied after merging (resolve.ts).
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml, YAMLParseError } from "yaml";

import { ConfigError } from "./errors.js";

export type Plain = Record<string, unknown>;

export interface Layer {
  /** "config file <path>", "environment" or "flags". */
  readonly name: string;
  readonly data: Plain;
  /** Dotted path of a value → where it came from (a file path, an environment variable, a flag). */
  readonly origins: ReadonlyMap<string, string>;
}

/**
 * Environment variables read by loadConfig. Only these: the rest of the environment is ignored.
 * Empty values count as unset. JGS_GEARMAN is a comma-separated list of HOST:PORT (or "embedded").
 */
export const ENV_VARS = [
  { name: "JGS_JENKINS_URL", key: "jenkins.url", description: "Jenkins base URL" },
  { name: "JGS_JENKINS_USER", key: "jenkins.user", description: "Jenkins user the API token belongs to" },
  { name: "JENKINS_TOKEN", key: "jenkins.token", description: "Jenkins API token (prefer JGS_JENKINS_TOKEN_FILE)" },
  { name: "JGS_JENKINS_TOKEN_FILE", key: "jenkins.tokenFile", description: "file holding the Jenkins API token" },
  { name: "JENKINS_PASSWORD", key: "jenkins.password", description: "Jenkins password, instead of a token" },
  { name: "JGS_JENKINS_PASSWORD_FILE", key: "jenkins.passwordFile", description: "file holding the Jenkins password" },
  { name: "JGS_GEARMAN", key: "gearman.servers", description: "Gearman servers, comma separated HOST:PORT, or embedded" },
  { name: "JGS_ZMQ_BIND", key: "zmq.bind", description: "ZeroMQ PUB endpoint, e.g. tcp://*:8888" },
  { name: "JGS_ADMIN_LISTEN", key: "admin.listen", description: "admin API address HOST:PORT" },
  { name: "JGS_ADMIN_TOKEN_FILE", key: "admin.tokenFile", description: "file holding the admin API bearer token" },
  { name: "JGS_MASTER_NAME", key: "masterName", description: "master name reported to Zuul" },
  { name: "JGS_POLL_INTERVAL", key: "pollInterval", description: "Jenkins poll interval, e.g. 2s" },
  { name: "JGS_STATE_FILE", key: "stateFile", description: "file keeping in-flight builds across restarts" },
  { name: "JGS_LOG_LEVEL", key: "log.level", description: "fatal, error, warn, info, debug, trace or silent" },
] as const;

/**
 * Flags as commander hands them over (camelCase keys). `gearman` may be a string or a string[]
 * (repeatable, each possibly comma separated). `zmq: false` comes from `--no-zmq`; `zmq: true` is ignored
 * because commander sets it by default. Undefined values are ignored; any other key is an error.
 */
export const FLAGS = [
  { key: "jenkinsUrl", flag: "--jenkins-url <url>", path: "jenkins.url", description: "Jenkins base URL" },
  { key: "jenkinsUser", flag: "--jenkins-user <user>", path: "jenkins.user", description: "Jenkins user" },
  { key: "jenkinsTokenFile", flag: "--jenkins-token-file <file>", path: "jenkins.tokenFile", description: "file holding the Jenkins API token (or set JENKINS_TOKEN)" },
  { key: "jenkinsPasswordFile", flag: "--jenkins-password-file <file>", path: "jenkins.passwordFile", description: "file holding a Jenkins password, instead of a token" },
  { key: "jenkinsTimeout", flag: "--jenkins-timeout <duration>", path: "jenkins.timeout", description: "timeout of one Jenkins request (default 10s)" },
  { key: "jenkinsOverdue", flag: "--jenkins-overdue <duration>", path: "jenkins.overdue", description: "a request unanswered this long means Jenkins hangs: stop grabbing (default 2.5s)" },
  { key: "gearman", flag: "--gearman <host:port>", path: "gearman.servers", description: "Gearman server, repeatable; 'embedded' runs our own (default 127.0.0.1:4730)" },
  { key: "gearmanClientIdPrefix", flag: "--gearman-client-id-prefix <prefix>", path: "gearman.clientIdPrefix", description: "prefix of the Gearman client ids" },
  { key: "zmqBind", flag: "--zmq-bind <endpoint>", path: "zmq.bind", description: "ZeroMQ PUB endpoint (default tcp://*:8888)" },
  { key: "zmq", flag: "--no-zmq", path: "zmq.enabled", description: "do not publish events over ZeroMQ" },
  { key: "adminListen", flag: "--admin-listen <host:port>", path: "admin.listen", description: "admin API address (default 127.0.0.1:8099)" },
  { key: "adminTokenFile", flag: "--admin-token-file <file>", path: "admin.tokenFile", description: "file holding the admin bearer token (required beyond loopback)" },
  { key: "masterName", flag: "--master-name <name>", path: "masterName", description: "master name reported to Zuul (default: the host of the root URL Jenkins reports)" },
  { key: "pollInterval", flag: "--poll-interval <duration>", path: "pollInterval", description: "queue and executor poll interval (default 2s)" },
  { key: "jobsRefresh", flag: "--jobs-refresh <duration>", path: "jobsRefresh", description: "names-only job listing: new and deleted jobs (default 25s)" },
  { key: "jobDetailsRefresh", flag: "--job-details-refresh <duration>", path: "jobDetailsRefresh", description: "job listing with labels and disabled flags (default 5m)" },
  { key: "nodesRefresh", flag: "--nodes-refresh <duration>", path: "nodesRefresh", description: "full node listing: labels, offline state (default 30s)" },
  { key: "outageHold", flag: "--outage-hold <duration>", path: "outageHold", description: "how long a grabbed job waits for an unanswering Jenkins (default 10m)" },
  { key: "stateFile", flag: "--state-file <file>", path: "stateFile", description: "file keeping in-flight builds across restarts" },
  { key: "buildStartTimeout", flag: "--build-start-timeout <duration>", path: "buildStartTimeout", description: "fail a build that has not started after this long (default 10m)" },
  { key: "drainGrace", flag: "--drain-grace <duration>", path: "drain.grace", description: "how long SIGTERM waits for in-flight builds (default 10m)" },
  { key: "quietDown", flag: "--quiet-down", path: "drain.quietDown", description: "put Jenkins into quiet-down while draining" },
  { key: "logLevel", flag: "--log-level <level>", path: "log.level", description: "log level (default info)" },
  { key: "logPretty", flag: "--log-pretty", path: "log.pretty", description: "human-readable logs (default: when stderr is a terminal)" },
] as const;

/** Flag keys that the CLI may pass along but that are not configuration values. */
export const IGNORED_FLAG_KEYS: readonly string[] = ["config"];

/** Keys that hold secrets: the file must not carry them inline. */
const INLINE_SECRETS = { "jenkins.token": "jenkins.tokenFile or JENKINS_TOKEN", "jenkins.password": "jenkins.passwordFile or JENKINS_PASSWORD", "admin.token": "admin.tokenFile" } as const;

export function setPath(obj: Plain, path: string, value: unknown): void {
  const parts = path.split(".");
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    const next = cur[p];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) cur = next as Plain;
    else cur = cur[p] = {};
  }
  cur[parts[parts.length - 1] ?? ""] = value;
}

export function getPath(obj: Plain, path: string): unknown {
  let cur: unknown = obj;
  for (const p of path.split(".")) {
    if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Plain)[p];
  }
  return cur;
}

function splitList(v: string | readonly unknown[]): string[] {
  const items = typeof v === "string" ? [v] : v.map(String);
  return items.flatMap((s) => s.split(",")).map((s) => s.trim()).filter((s) => s !== "");
}

/** Reads and parses the YAML file. A missing, unreadable or malformed file is a ConfigError with key "config". */
export async function fromFile(path: string): Promise<Layer> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a directory" : code;
    throw new ConfigError("config", `config: cannot read config file "${path}": ${why}`, { cause: e, source: path });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    const where = e instanceof YAMLParseError && e.linePos ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : "";
    const code = e instanceof YAMLParseError ? e.code : "syntax error";
    throw new ConfigError("config", `config: "${path}" is not valid YAML${where} (${code})`, { cause: e, source: path });
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new ConfigError("config", `config: "${path}" must hold a mapping of keys (jenkins, gearman, ...) at the top level`, { source: path });
  }
  const data = doc as Plain;
  for (const [key, use] of Object.entries(INLINE_SECRETS)) {
    if (getPath(data, key) !== undefined) {
      throw new ConfigError(key, `${key}: secrets do not belong in the config file "${path}"; use ${use}`, { source: path });
    }
  }
  const origins = new Map<string, string>();
  for (const p of leafPaths(data)) origins.set(p, path);
  return { name: `config file ${path}`, data, origins };
}

/** Picks the variables of ENV_VARS out of an environment. */
export function fromEnv(env: NodeJS.ProcessEnv): Layer {
  const data: Plain = {};
  const origins = new Map<string, string>();
  for (const v of ENV_VARS) {
    const raw = env[v.name];
    if (raw === undefined || raw.trim() === "") continue;
    setPath(data, v.key, v.key === "gearman.servers" ? splitList(raw) : raw);
    origins.set(v.key, v.name);
  }
  return { name: "environment", data, origins };
}

/** Maps commander's option object onto config keys. */
export function fromFlags(flags: Record<string, unknown>): Layer {
  const data: Plain = {};
  const origins = new Map<string, string>();
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined || IGNORED_FLAG_KEYS.includes(key)) continue;
    const spec = FLAGS.find((f) => f.key === key);
    if (spec === undefined) {
      throw new ConfigError(key, `${key}: unknown option passed to loadConfig (known: ${FLAGS.map((f) => f.key).join(", ")})`, { source: "flags" });
    }
    const flagName = spec.flag.split(" ")[0] ?? spec.flag;
    let v: unknown = value;
    if (spec.key === "gearman") {
      if (typeof value !== "string" && !Array.isArray(value)) {
        throw new ConfigError(spec.path, `${spec.path}: ${flagName} expects HOST:PORT values`, { source: flagName });
      }
      v = splitList(value);
    } else if (spec.key === "zmq") {
      if (value !== false) continue;
    }
    setPath(data, spec.path, v);
    origins.set(spec.path, flagName);
  }
  return { name: "flags", data, origins };
}

/** Dotted paths of the leaves of a plain object; arrays are leaves. */
export function leafPaths(obj: Plain, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length > 0) out.push(...leafPaths(v as Plain, p));
    else out.push(p);
  }
  return out;
}
