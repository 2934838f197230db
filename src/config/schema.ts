/**
 * The zod schema of the raw input, in the shape of the YAML file (which the environment and the flags are
 * first translated into), and the defaults. Every object is strict: an unknown key is an error naming it.
 * Durations are written without the "Ms" suffix and take "2s", "500ms", "1m" or a number of milliseconds.
 */
import { z } from "zod";

import { isValidLogLevel } from "./levels.js";
import { parseDuration, parseHostPort } from "./parse.js";

export const DEFAULTS = {
  gearmanPort: 4730,
  gearmanHost: "127.0.0.1",
  adminListen: { host: "127.0.0.1", port: 8099 },
  zmqBind: "tcp://*:8888",
  zmqRingSize: 10_000,
  jenkinsTimeoutMs: 10_000,
  pollIntervalMs: 2_000,
  minPollIntervalMs: 100,
  jobsRefreshMs: 25_000,
  jobDetailsRefreshMs: 5 * 60_000,
  nodesRefreshMs: 30_000,
  jenkinsOverdueMs: 2_500,
  outageHoldMs: 10 * 60_000,
  buildStartTimeoutMs: 10 * 60_000,
  drainGraceMs: 10 * 60_000,
  logLevel: "info",
  /** Used when this directory exists and is writable. */
  systemStateDir: "/var/lib/jenkins-gearman-sidecar",
  /** Otherwise, relative to the working directory. */
  localStateFile: ".state/state.json",
} as const;

/** The special server-list entry that starts the embedded Gearman server. */
export const EMBEDDED = "embedded";

const duration = z.union([z.number(), z.string()]).transform((v, ctx): number => {
  try {
    return parseDuration(v);
  } catch (e) {
    ctx.addIssue({ code: "custom", message: e instanceof Error ? e.message : String(e) });
    return z.NEVER;
  }
});

const intLike = (min: number) =>
  z.union([z.number(), z.string().regex(/^\s*\d+\s*$/, "expected a whole number").transform(Number)]).pipe(
    z.number().int(`expected a whole number`).min(min, `must be at least ${min}`),
  );

const nonEmpty = z.string().trim().min(1, "must not be empty");
const optionalPath = nonEmpty.nullable().optional();

const hostPort = (defaultPort: number) =>
  z.union([
    z.string().transform((v, ctx) => {
      try {
        return parseHostPort(v, defaultPort);
      } catch (e) {
        ctx.addIssue({ code: "custom", message: e instanceof Error ? e.message : String(e) });
        return z.NEVER;
      }
    }),
    z.strictObject({ host: nonEmpty, port: intLike(0).optional() }).transform((o) => ({ host: o.host, port: o.port ?? defaultPort })),
  ]);

const tls = z.union([
  z.boolean().transform((b) => (b ? { rejectUnauthorized: true } : null)),
  z.strictObject({
    ca: nonEmpty.optional(),
    cert: nonEmpty.optional(),
    key: nonEmpty.optional(),
    rejectUnauthorized: z.boolean().default(true),
  }),
]);

/** One server-list entry: "host:port", "embedded", "embedded:PORT" or {host, port, tls}. */
const gearmanServer = z.union([
  nonEmpty,
  z.strictObject({ host: nonEmpty, port: intLike(1).optional(), tls: tls.nullable().optional() }),
]);

const jenkinsUrl = z.string().transform((v, ctx): string => {
  let u: URL;
  try {
    u = new URL(v.trim());
  } catch {
    ctx.addIssue({ code: "custom", message: `"${v}" is not a URL (expected e.g. https://jenkins.example.org/)` });
    return z.NEVER;
  }
  if (u.username !== "" || u.password !== "") {
    // Do not echo the value: it holds credentials.
    ctx.addIssue({ code: "custom", message: "must not contain credentials; use jenkins.user and jenkins.tokenFile" });
    return z.NEVER;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `"${v}" must be an http:// or https:// URL` });
    return z.NEVER;
  }
  u.search = "";
  u.hash = "";
  if (!u.pathname.endsWith("/")) u.pathname += "/";
  return u.toString();
});

const zmqBind = z
  .string()
  .trim()
  .refine((v) => /^(?:tcp:\/\/(?:\*|\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):\d{1,5}|ipc:\/\/.+|inproc:\/\/.+)$/.test(v), {
    message: "expected a ZeroMQ endpoint such as tcp://*:8888, tcp://127.0.0.1:8888 or ipc:///run/jgs.sock",
  });

export const InputSchema = z.strictObject({
  jenkins: z
    .strictObject({
      url: jenkinsUrl.optional(),
      user: nonEmpty.nullable().optional(),
      /** Only from JENKINS_TOKEN: the file layer rejects it before validation. */
      token: nonEmpty.optional(),
      tokenFile: optionalPath,
      /** Only from JENKINS_PASSWORD. */
      password: nonEmpty.optional(),
      passwordFile: optionalPath,
      timeout: duration.optional(),
      overdue: duration.optional(),
    })
    .optional(),
  gearman: z
    .strictObject({
      servers: z.array(gearmanServer).optional(),
      embedded: z.union([z.boolean(), hostPort(DEFAULTS.gearmanPort)]).nullable().optional(),
      clientIdPrefix: nonEmpty.nullable().optional(),
    })
    .optional(),
  zmq: z
    .strictObject({
      bind: zmqBind.optional(),
      enabled: z.boolean().optional(),
      curve: z
        .strictObject({ secretKeyFile: nonEmpty, publicKey: nonEmpty, allowedClientKeysFile: nonEmpty.nullable().optional() })
        .nullable()
        .optional(),
      ringSize: intLike(1).optional(),
    })
    .optional(),
  admin: z
    .strictObject({
      listen: hostPort(DEFAULTS.adminListen.port).optional(),
      tokenFile: optionalPath,
    })
    .optional(),
  masterName: nonEmpty.optional(),
  pollInterval: duration.optional(),
  jobsRefresh: duration.optional(),
  jobDetailsRefresh: duration.optional(),
  nodesRefresh: duration.optional(),
  outageHold: duration.optional(),
  stateFile: nonEmpty.optional(),
  buildStartTimeout: duration.optional(),
  drain: z.strictObject({ grace: duration.optional(), quietDown: z.boolean().optional() }).optional(),
  log: z
    .strictObject({
      level: z.string().trim().refine(isValidLogLevel, { message: "expected one of fatal, error, warn, info, debug, trace, silent" }).optional(),
      pretty: z.boolean().nullable().optional(),
    })
    .optional(),
});

export type Input = z.output<typeof InputSchema>;
