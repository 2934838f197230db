/**
 * From validated input to a Config: defaults, contradictions (each named), secrets read from their files.
 * Relative paths are resolved against the working directory.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join, resolve as resolvePath } from "node:path";

import { isLoopbackHost } from "../util/index.js";
import { ConfigError } from "./errors.js";
import { originOf } from "./merge.js";
import { formatHostPort, parseHostPort } from "./parse.js";
import { DEFAULTS, EMBEDDED, type Input } from "./schema.js";
import { checkReadableFiles } from "./files.js";
import { readSecretFile } from "./secrets.js";
import type { Config, GearmanServerConfig, TlsOptions } from "./types.js";

type Origins = ReadonlyMap<string, string>;

/** Throws a ConfigError; `originKey` (default `key`) says whose origin to append, null for none. */
function fail(origins: Origins, key: string, message: string, originKey: string | null = key): never {
  const source = originKey === null ? null : originOf(origins, originKey);
  throw new ConfigError(key, source !== null ? `${message} (from ${source})` : message, { source });
}

function from(origins: Origins, key: string): string {
  return originOf(origins, key) ?? key;
}

async function defaultStateFile(): Promise<string> {
  try {
    await access(DEFAULTS.systemStateDir, constants.W_OK);
    return join(DEFAULTS.systemStateDir, "state.json");
  } catch {
    return resolvePath(DEFAULTS.localStateFile);
  }
}

function parseEmbedded(entry: string, origins: Origins, key: string): { host: string; port: number } {
  const rest = entry.slice(EMBEDDED.length + 1);
  if (rest === "") return { host: DEFAULTS.gearmanHost, port: DEFAULTS.gearmanPort };
  try {
    return /^\d+$/.test(rest) ? parseHostPort(`${DEFAULTS.gearmanHost}:${rest}`, DEFAULTS.gearmanPort) : parseHostPort(rest, DEFAULTS.gearmanPort);
  } catch (e) {
    return fail(origins, key, `${key}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function resolveGearman(input: Input, origins: Origins): Config["gearman"] {
  const g = input.gearman ?? {};
  let embedded: { host: string; port: number } | null =
    g.embedded === true ? { host: DEFAULTS.gearmanHost, port: DEFAULTS.gearmanPort } : g.embedded === false || g.embedded === undefined ? null : g.embedded;
  const servers: GearmanServerConfig[] = [];
  const entries = g.servers ?? (embedded !== null ? [] : [`${DEFAULTS.gearmanHost}:${DEFAULTS.gearmanPort}`]);
  entries.forEach((entry, i) => {
    const key = `gearman.servers[${i}]`;
    if (typeof entry === "string") {
      if (entry === EMBEDDED || entry.startsWith(`${EMBEDDED}:`)) {
        if (embedded !== null) fail(origins, "gearman.servers", `gearman.servers: "embedded" is given twice`);
        embedded = parseEmbedded(entry, origins, key);
        return;
      }
      let hp: { host: string; port: number };
      try {
        hp = parseHostPort(entry, DEFAULTS.gearmanPort);
      } catch (e) {
        return fail(origins, key, `${key}: ${e instanceof Error ? e.message : String(e)}`, "gearman.servers");
      }
      if (hp.port === 0) fail(origins, key, `${key}: port 0 is not a server port`, "gearman.servers");
      servers.push({ ...hp, tls: null });
    } else {
      const tls: TlsOptions | null = entry.tls ?? null;
      servers.push({ host: entry.host, port: entry.port ?? DEFAULTS.gearmanPort, tls });
    }
  });
  if (embedded !== null && servers.length > 0) {
    fail(origins, "gearman.servers", `gearman.servers: "embedded" cannot be mixed with other servers (${servers.map(formatHostPort).join(", ")}); use one or the other`);
  }
  if (embedded === null && servers.length === 0) {
    fail(origins, "gearman.servers", "gearman.servers: the list is empty; give at least one HOST:PORT, or embedded");
  }
  const seen = new Set<string>();
  for (const s of servers) {
    const id = formatHostPort(s);
    if (seen.has(id)) fail(origins, "gearman.servers", `gearman.servers: ${id} is listed twice`);
    seen.add(id);
  }
  return { servers, embedded, clientIdPrefix: g.clientIdPrefix ?? null };
}

async function resolveJenkins(input: Input, origins: Origins): Promise<Config["jenkins"]> {
  const j = input.jenkins ?? {};
  if (j.url === undefined) {
    throw new ConfigError("jenkins.url", "jenkins.url: required; set --jenkins-url, JGS_JENKINS_URL or jenkins.url in the config file");
  }
  if (j.token !== undefined && j.tokenFile != null) {
    fail(origins, "jenkins.token", `jenkins.token: both ${from(origins, "jenkins.token")} and ${from(origins, "jenkins.tokenFile")} are set; use one`, null);
  }
  if (j.password !== undefined && j.passwordFile != null) {
    fail(origins, "jenkins.password", `jenkins.password: both ${from(origins, "jenkins.password")} and ${from(origins, "jenkins.passwordFile")} are set; use one`, null);
  }
  const tokenKey = j.tokenFile != null ? "jenkins.tokenFile" : "jenkins.token";
  const passwordKey = j.passwordFile != null ? "jenkins.passwordFile" : "jenkins.password";
  const hasToken = j.token !== undefined || j.tokenFile != null;
  const hasPassword = j.password !== undefined || j.passwordFile != null;
  if (hasToken && hasPassword) {
    fail(origins, "jenkins.token", `jenkins.token: a token (${from(origins, tokenKey)}) and a password (${from(origins, passwordKey)}) are both set; use one`, null);
  }
  if ((hasToken || hasPassword) && j.user == null) {
    fail(origins, "jenkins.user", `jenkins.user: required with a Jenkins ${hasToken ? "token" : "password"}; set --jenkins-user, JGS_JENKINS_USER or jenkins.user`);
  }
  const timeoutMs = j.timeout ?? DEFAULTS.jenkinsTimeoutMs;
  const tokenFile = j.tokenFile != null ? resolvePath(j.tokenFile) : null;
  const passwordFile = j.passwordFile != null ? resolvePath(j.passwordFile) : null;
  const token = tokenFile !== null ? await readSecretFile("jenkins.tokenFile", tokenFile, originOf(origins, "jenkins.tokenFile")) : (j.token ?? null);
  const password =
    passwordFile !== null ? await readSecretFile("jenkins.passwordFile", passwordFile, originOf(origins, "jenkins.passwordFile")) : (j.password ?? null);
  return { url: j.url, user: j.user ?? null, token, tokenFile, password, passwordFile, timeoutMs, overdueMs: j.overdue ?? Math.min(DEFAULTS.jenkinsOverdueMs, Math.round(timeoutMs / 4)) };
}

async function resolveAdmin(input: Input, origins: Origins): Promise<Config["admin"]> {
  const a = input.admin ?? {};
  const listen = a.listen ?? { ...DEFAULTS.adminListen };
  const tokenFile = a.tokenFile != null ? resolvePath(a.tokenFile) : null;
  if (!isLoopbackHost(listen.host) && tokenFile === null) {
    fail(origins, "admin.listen", `admin.listen: ${formatHostPort(listen)} is reachable beyond loopback, so an admin token is required; set --admin-token-file, JGS_ADMIN_TOKEN_FILE or admin.tokenFile`);
  }
  const token = tokenFile !== null ? await readSecretFile("admin.tokenFile", tokenFile, originOf(origins, "admin.tokenFile")) : null;
  return { listen, tokenFile, token };
}

export async function resolveConfig(input: Input, origins: Origins): Promise<Config> {
  const jenkins = await resolveJenkins(input, origins);
  const gearman = resolveGearman(input, origins);
  const admin = await resolveAdmin(input, origins);
  const z = input.zmq ?? {};
  const pollIntervalMs = input.pollInterval ?? DEFAULTS.pollIntervalMs;
  if (pollIntervalMs < DEFAULTS.minPollIntervalMs) {
    fail(origins, "pollInterval", `pollInterval: ${pollIntervalMs}ms is too short; use at least ${DEFAULTS.minPollIntervalMs}ms`);
  }
  if (jenkins.timeoutMs <= 0) fail(origins, "jenkins.timeout", "jenkins.timeout: must be more than 0");
  if (jenkins.overdueMs >= jenkins.timeoutMs) {
    fail(origins, "jenkins.overdue", `jenkins.overdue: ${jenkins.overdueMs}ms must be shorter than jenkins.timeout (${jenkins.timeoutMs}ms): a hang must be noticed before a request gives up`);
  }
  await checkReadableFiles(gearman, input.zmq?.curve ?? null, origins);
  return {
    jenkins,
    gearman,
    zmq: {
      bind: z.bind ?? DEFAULTS.zmqBind,
      enabled: z.enabled ?? true,
      curve: z.curve ? { secretKeyFile: resolvePath(z.curve.secretKeyFile), publicKey: z.curve.publicKey, allowedClientKeysFile: z.curve.allowedClientKeysFile ? resolvePath(z.curve.allowedClientKeysFile) : null } : null,
      ringSize: z.ringSize ?? DEFAULTS.zmqRingSize,
    },
    admin,
    masterName: input.masterName ?? null,
    pollIntervalMs,
    jobsRefreshMs: input.jobsRefresh ?? DEFAULTS.jobsRefreshMs,
    jobDetailsRefreshMs: input.jobDetailsRefresh ?? DEFAULTS.jobDetailsRefreshMs,
    nodesRefreshMs: input.nodesRefresh ?? DEFAULTS.nodesRefreshMs,
    outageHoldMs: input.outageHold ?? DEFAULTS.outageHoldMs,
    stateFile: input.stateFile !== undefined ? resolvePath(input.stateFile) : await defaultStateFile(),
    buildStartTimeoutMs: input.buildStartTimeout ?? DEFAULTS.buildStartTimeoutMs,
    drain: { graceMs: input.drain?.grace ?? DEFAULTS.drainGraceMs, quietDown: input.drain?.quietDown ?? false },
    log: { level: input.log?.level ?? DEFAULTS.logLevel, pretty: input.log?.pretty ?? null },
  };
}
