/**
 * One error class for every configuration failure: a missing or malformed file, an unknown key, a bad
 * value, an unreadable secret file, or two settings that contradict each other. `key` is the dotted config
 * key at fault (e.g. "gearman.servers", "jenkins.tokenFile"); the message starts with it and says what to do.
 *
 * Messages never carry a secret: a token file is named by its path, never by its content.
 */
export class ConfigError extends Error {
  /** The dotted config key at fault, or "config" for the file itself. */
  readonly key: string;
  /** Where the faulty value came from (a file path, an environment variable or a flag), when known. */
  readonly source: string | null;

  constructor(key: string, message: string, options?: ErrorOptions & { source?: string | null }) {
    super(message, options);
    this.name = "ConfigError";
    this.key = key;
    this.source = options?.source ?? null;
  }
}

/**
 * A value that a parse helper (`parseDuration`, `parseHostPort`) cannot read. It names the value; the loader
 * turns it into a `ConfigError` naming the key.
 */
export class ConfigValueError extends Error {
  readonly value: string;

  constructor(value: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ConfigValueError";
    this.value = value;
  }
}
