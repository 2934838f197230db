import pino, { type Logger, type LoggerOptions } from "pino";

export type { Logger } from "pino";

export interface LogOptions {
  /** @default "info" */
  level?: string;
  /** Human-readable output (pino-pretty). @default true when stderr is a terminal */
  pretty?: boolean;
  /** Where to write. @default stderr (fd 2) */
  destination?: number | string;
}

/**
 * Paths redacted from every log line: credentials must never reach logs, whatever a caller
 * passes in. (Typed errors from the Jenkins client never carry the token in the first place.)
 */
export const REDACT_PATHS = [
  "token",
  "password",
  "authorization",
  "*.token",
  "*.password",
  "*.authorization",
  "*.jenkinsToken",
  "jenkins.token",
  "headers.authorization",
  "*.headers.authorization",
];

export function createLogger(options: LogOptions = {}): Logger {
  const pretty = options.pretty ?? process.stderr.isTTY;
  const base: LoggerOptions = {
    level: options.level ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    base: { pid: process.pid },
  };
  if (pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { destination: options.destination ?? 2, colorize: true } },
    });
  }
  return pino(base, pino.destination({ dest: options.destination ?? 2, sync: false }));
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
