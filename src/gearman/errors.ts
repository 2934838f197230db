/** Typed errors of the Gearman layer, one per failure mode. All keep `cause`. */

/** Base class: every error this module raises is a GearmanError. */
export class GearmanError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GearmanError";
  }
}

/** What was wrong with the bytes: gearmand answers a bad magic, and only that, before it closes. */
export const PROTOCOL_ERROR = {
  badMagic: "bad_magic",
  unknownType: "unknown_type",
  tooLarge: "too_large",
  /** Anything else: a wrong argument count, a bad admin line, output nobody asked for. */
  malformed: "malformed",
} as const;
export type ProtocolErrorKind = (typeof PROTOCOL_ERROR)[keyof typeof PROTOCOL_ERROR];

/** The peer sent bytes that are not valid Gearman (bad magic, unknown type, body too large). */
export class GearmanProtocolError extends GearmanError {
  readonly kind: ProtocolErrorKind;
  constructor(message: string, options?: ErrorOptions & { kind?: ProtocolErrorKind }) {
    super(message, options);
    this.name = "GearmanProtocolError";
    this.kind = options?.kind ?? PROTOCOL_ERROR.malformed;
  }
}

/** A socket could not be opened, or dropped. */
export class GearmanConnectionError extends GearmanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GearmanConnectionError";
  }
}

/** A request got no answer in time. */
export class GearmanTimeoutError extends GearmanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GearmanTimeoutError";
  }
}

/** The server answered with an ERROR packet (or an admin `ERR` line); `code` is its code. */
export class GearmanServerError extends GearmanError {
  readonly code: string;
  constructor(code: string, text: string, options?: ErrorOptions) {
    super(`gearman server error ${code}: ${text}`, options);
    this.name = "GearmanServerError";
    this.code = code;
  }
}

/** The object was closed; the operation can never succeed. */
export class GearmanClosedError extends GearmanError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "GearmanClosedError";
  }
}
