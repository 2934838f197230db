/** Base class of every error thrown by the events layer, so callers can catch the layer as a whole. */
export class EventsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "EventsError";
  }
}

/** The PUB socket could not bind (port taken, bad address, no permission). */
export class EventsBindError extends EventsError {
  readonly address: string;
  /** The libzmq errno name, e.g. "EADDRINUSE", when known. */
  readonly code: string | undefined;

  constructor(address: string, code: string | undefined, options?: ErrorOptions) {
    const why = code === "EADDRINUSE" ? "the address is already in use (another publisher or Jenkins' ZMQ plugin?)" : (code ?? "bind failed");
    super(`cannot bind the event publisher to ${address}: ${why}; choose another address (zmq.bind, --zmq-bind, JGS_ZMQ_BIND) or stop the other process`, options);
    this.name = "EventsBindError";
    this.address = address;
    this.code = code;
  }
}

/** A publisher or subscription was used after close(). */
export class EventsClosedError extends EventsError {
  constructor(what: string) {
    super(`${what}: the event publisher is closed`);
    this.name = "EventsClosedError";
  }
}

/** A publisher property that needs a bound socket was read before start() resolved. */
export class EventsNotStartedError extends EventsError {
  constructor(what: string) {
    super(`${what}: call start() and await it first`);
    this.name = "EventsNotStartedError";
  }
}

/** A frame that is not "<topic> <json object>" in the event publisher's schema. */
export class MalformedFrameError extends EventsError {
  /** The start of the offending frame, for logs. */
  readonly excerpt: string;

  constructor(reason: string, frame: string, options?: ErrorOptions) {
    const excerpt = frame.length > 120 ? `${frame.slice(0, 120)}…` : frame;
    super(`malformed event frame (${reason}): ${JSON.stringify(excerpt)}`, options);
    this.name = "MalformedFrameError";
    this.excerpt = excerpt;
  }
}

/** flush() gave up before every queued event was handed to ZeroMQ. */
export class EventsFlushTimeoutError extends EventsError {
  readonly pending: number;

  constructor(timeoutMs: number, pending: number) {
    super(`flush timed out after ${timeoutMs}ms with ${pending} event(s) still queued; the socket may be closed or stuck`);
    this.name = "EventsFlushTimeoutError";
    this.pending = pending;
  }
}

/** A subscription saw no frame within receiveTimeoutMs. */
export class EventsReceiveTimeoutError extends EventsError {
  readonly timeoutMs: number;

  constructor(timeoutMs: number, endpoints: readonly string[], options?: ErrorOptions) {
    super(
      `no event received from ${endpoints.join(", ")} within ${timeoutMs}ms; check the address, the publisher, and the CURVE server key`,
      options,
    );
    this.name = "EventsReceiveTimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** A CURVE key is not a 40-character Z85 string, or CURVE is not available in this libzmq. */
export class CurveKeyError extends EventsError {
  constructor(which: string, reason: string, options?: ErrorOptions) {
    super(`invalid CURVE ${which}: ${reason}; generate keys with generateCurveKeyPair()`, options);
    this.name = "CurveKeyError";
  }
}

/** A bad argument, e.g. a negative sequence for since(). */
export class EventsArgumentError extends EventsError {
  constructor(message: string) {
    super(message);
    this.name = "EventsArgumentError";
  }
}
