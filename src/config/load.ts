/**
 * loadConfig: file < environment < flags, validated once into a deep-frozen Config.
 * Every failure is a ConfigError whose `key` names the setting and whose message says where the value came from.
 */
import { ConfigError } from "./errors.js";
import { issuesToError } from "./issues.js";
import { mergeLayers } from "./merge.js";
import { sealConfig } from "./redact.js";
import { resolveConfig } from "./resolve.js";
import { InputSchema } from "./schema.js";
import { fromEnv, fromFile, fromFlags, type Layer } from "./sources.js";
import type { Config } from "./types.js";

export interface LoadConfigOptions {
  /** YAML file (`--config`). @default null (no file) */
  file?: string | null;
  /** Environment to read ENV_VARS from; pass `process.env` from the CLI. @default {} */
  env?: NodeJS.ProcessEnv;
  /** Commander's options object (see FLAGS). @default {} */
  flags?: Record<string, unknown>;
}

/** @throws ConfigError */
export async function loadConfig(o: LoadConfigOptions = {}): Promise<Config> {
  const layers: Layer[] = [];
  if (o.file !== undefined && o.file !== null) layers.push(await fromFile(o.file));
  layers.push(fromEnv(o.env ?? {}));
  layers.push(fromFlags(o.flags ?? {}));
  const merged = mergeLayers(layers);
  const parsed = InputSchema.safeParse(merged.data);
  if (!parsed.success) throw issuesToError(parsed.error.issues, merged.origins);
  const config = await resolveConfig(parsed.data, merged.origins);
  return sealConfig(config);
}

export { ConfigError };
