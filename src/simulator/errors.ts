/** Errors of the simulator's programmatic API (HTTP callers get Jenkins' status codes instead). */

/** No job or folder with that full name. */
export class UnknownItemError extends Error {
  override readonly name = "UnknownItemError";
  constructor(fullName: string) {
    super(`no job or folder named "${fullName}" in the simulator; add it with addJob() first`);
  }
}

/** No node with that name. */
export class UnknownNodeError extends Error {
  override readonly name = "UnknownNodeError";
  constructor(node: string) {
    super(`no node named "${node}" in the simulator; add it with addNode() first`);
  }
}

/** No build with that number, or no queue item with that id. */
export class UnknownBuildError extends Error {
  override readonly name = "UnknownBuildError";
  constructor(what: string) {
    super(`${what} does not exist in the simulator`);
  }
}

/** A job, node or scenario spec that cannot be used as given. */
export class SimulatorSpecError extends Error {
  override readonly name = "SimulatorSpecError";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** A trigger Jenkins would refuse; `status` is the HTTP status Jenkins answers with. */
export class TriggerError extends Error {
  override readonly name = "TriggerError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
