/** Exit codes of the CLI (documented in the README). */
export const EXIT = {
  OK: 0,
  /** A runtime failure: the daemon could not start or crashed. */
  FAILURE: 1,
  /** Bad usage or configuration: the message names the key. */
  USAGE: 2,
  /** `drain` timed out with builds still in flight. */
  DRAIN_TIMEOUT: 3,
  /** The admin API of the running sidecar could not be reached. */
  UNREACHABLE: 4,
  /** `check` found something that would break Zuul (the report lists it). */
  NOT_READY: 5,
} as const;

/** An error the CLI turns into a message and an exit code, without a stack trace. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}
