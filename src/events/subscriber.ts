import pino, { type Logger } from "pino";
import { Subscriber } from "zeromq";

import { coerceError } from "../util/index.js";
import { assertCurveAvailable, assertZ85Key, generateCurveKeyPair } from "./curve.js";
import { EventsArgumentError, EventsReceiveTimeoutError, MalformedFrameError } from "./errors.js";
import { type EventTopic, type ReceivedEventJson, parseFrame } from "./schema.js";

export interface SubscribeOptions {
  /** One or more publisher addresses, e.g. "tcp://jenkins1.example.com:8888". */
  connect: string | string[];
  /** Topics to receive. @default all (an empty subscription, as Nodepool uses) */
  topics?: EventTopic[];
  /** The publisher's Z85 public key; our key pair is generated when not given. @default no encryption */
  curve?: { serverPublicKey: string; publicKey?: string; secretKey?: string };
  /** Aborting ends the iteration quietly and closes the socket. */
  signal?: AbortSignal;
  /** When set, iteration throws EventsReceiveTimeoutError after this long without a frame. @default wait forever */
  receiveTimeoutMs?: number;
  /** @default silent */
  logger?: Logger;
}

export interface ReceivedEvent {
  topic: string;
  event: ReceivedEventJson;
  /** The frame as received. */
  raw: string;
}

export interface SubscriptionStats {
  received: number;
  /** Frames that were not "<topic> <event json>"; logged and skipped. */
  malformed: number;
}

/** An async iterable of events. Single consumer; leaving the loop (break, throw) closes it. */
export interface Subscription extends AsyncIterable<ReceivedEvent> {
  close(): void;
  stats(): SubscriptionStats;
  readonly closed: boolean;
}

/**
 * Connects a SUB socket to the publishers (ZeroMQ reconnects by itself) and yields parsed events.
 * The socket is created and subscribed at once, so it starts joining before the first read.
 */
export function subscribe(o: SubscribeOptions): Subscription {
  return new EventSubscription(o);
}

class EventSubscription implements Subscription {
  readonly #socket: Subscriber;
  readonly #endpoints: readonly string[];
  readonly #timeoutMs: number | undefined;
  readonly #log: Logger;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.close();
  #closed = false;
  #iterating = false;
  #received = 0;
  #malformed = 0;

  constructor(o: SubscribeOptions) {
    this.#endpoints = typeof o.connect === "string" ? [o.connect] : [...o.connect];
    if (this.#endpoints.length === 0) throw new EventsArgumentError("subscribe() needs at least one address to connect to");
    this.#timeoutMs = o.receiveTimeoutMs;
    this.#log = (o.logger ?? pino({ level: "silent" })).child({ component: "events-subscriber" });
    this.#socket = new Subscriber({
      linger: 0,
      ...(o.receiveTimeoutMs !== undefined ? { receiveTimeout: o.receiveTimeoutMs } : {}),
      ...curveOptions(o.curve),
    });
    for (const e of this.#endpoints) this.#socket.connect(e);
    const topics = o.topics ?? [];
    if (topics.length === 0) this.#socket.subscribe();
    // The trailing space makes the prefix match exactly one topic ("onStarted" must not match "onStartedX").
    else for (const t of topics) this.#socket.subscribe(`${t} `);
    this.#signal = o.signal;
    if (o.signal?.aborted) this.close();
    else o.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  get closed(): boolean {
    return this.#closed;
  }

  stats(): SubscriptionStats {
    return { received: this.#received, malformed: this.#malformed };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#socket.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReceivedEvent> {
    if (this.#iterating) throw new EventsArgumentError("a subscription has one consumer; call subscribe() again for another");
    this.#iterating = true;
    try {
      while (!this.#closed) {
        let frames: Buffer[];
        try {
          frames = await this.#socket.receive();
        } catch (e) {
          if (this.#closed) return;
          if ((e as { code?: unknown }).code === "EAGAIN" && this.#timeoutMs !== undefined) {
            throw new EventsReceiveTimeoutError(this.#timeoutMs, this.#endpoints, { cause: e });
          }
          throw coerceError(e);
        }
        const first = frames[0];
        if (first === undefined) continue;
        const raw = first.toString("utf8");
        try {
          if (frames.length > 1) throw new MalformedFrameError(`${frames.length}-part message, expected one frame`, raw);
          const { topic, event } = parseFrame(raw);
          this.#received++;
          yield { topic, event, raw };
        } catch (e) {
          if (!(e instanceof MalformedFrameError)) throw e;
          this.#malformed++;
          this.#log.warn({ err: e }, "skipping a malformed event frame");
        }
      }
    } finally {
      this.close();
    }
  }
}

function curveOptions(c: SubscribeOptions["curve"]): Record<string, string> {
  if (!c) return {};
  assertCurveAvailable();
  assertZ85Key("serverPublicKey", c.serverPublicKey);
  if ((c.publicKey === undefined) !== (c.secretKey === undefined)) {
    throw new EventsArgumentError("curve.publicKey and curve.secretKey go together: give both or neither");
  }
  const own = c.publicKey !== undefined && c.secretKey !== undefined ? { publicKey: c.publicKey, secretKey: c.secretKey } : generateCurveKeyPair();
  assertZ85Key("publicKey", own.publicKey);
  assertZ85Key("secretKey", own.secretKey);
  return { curveServerKey: c.serverPublicKey, curvePublicKey: own.publicKey, curveSecretKey: own.secretKey };
}
