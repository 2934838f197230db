export type { Config, GearmanServerConfig, TlsOptions } from "./types.js";
export { loadConfig, type LoadConfigOptions } from "./load.js";
export { ConfigError, ConfigValueError } from "./errors.js";
export { redactConfig, REDACTED } from "./redact.js";
export { parseDuration, parseHostPort, formatHostPort } from "./parse.js";
export { ENV_VARS, FLAGS } from "./sources.js";
export { DEFAULTS } from "./schema.js";
export { LOG_LEVELS, type LogLevel } from "./levels.js";
export { tlsConnectionOptions, curveKeys } from "./files.js";
