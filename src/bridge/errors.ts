/** A Gearman job's arguments are not what the plugin accepted; reported as WORK_EXCEPTION. */
export class BadArgumentsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "BadArgumentsError";
  }
}

/** No free node of the grabbing group could take the build. */
export class NoFreeNodeError extends Error {
  constructor(fn: string) {
    super(`no free node for ${fn}: the capacity picture was stale; Zuul will retry the build`);
    this.name = "NoFreeNodeError";
  }
}

/** The state file cannot be read or written. */
export class StateFileError extends Error {
  constructor(path: string, action: string, options?: ErrorOptions) {
    super(`cannot ${action} the state file ${path}: check that its directory exists and is writable`, options);
    this.name = "StateFileError";
  }
}
