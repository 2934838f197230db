export { Backoff, type BackoffOptions } from "./backoff.js";
export { deferred, delay, type Deferred } from "./deferred.js";
export { TypedEmitter, type EventMap } from "./emitter.js";
export { coerceError, describeError } from "./errors.js";
export { Releasers, type Releaser } from "./releasers.js";
export {
  atoms as labelAtoms,
  escapeAtom,
  formatLabelExpression,
  LabelSyntaxError,
  matches as labelMatches,
  parseLabelExpression,
  type LabelExpr,
} from "./label-expr.js";
export { BoundedMap, BoundedSet } from "./bounded.js";
export { JournalFile } from "./journal-file.js";
export { isLoopbackHost } from "./net.js";
