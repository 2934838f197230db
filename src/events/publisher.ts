import { randomUUID } from "node:crypto";

import pino, { type Logger } from "pino";
import { Context, Publisher } from "zeromq";

import { TypedEmitter, coerceError, deferred, describeError, type Deferred } from "../util/index.js";
import { ZapHandler, assertCurveAvailable, assertZ85Key } from "./curve.js";
import { EventsBindError, EventsClosedError, EventsFlushTimeoutError, EventsNotStartedError } from "./errors.js";
import { BoundedQueue } from "./queue.js";
import { SequenceRing } from "./ring.js";
import { type BuildEventInput, type BuildEventJson, type EventTopic, buildEvent, formatFrame } from "./schema.js";

export interface PublisherOptions {
  /** ZeroMQ address to bind the PUB socket to; use tcp://127.0.0.1:0 for a free port. @default "tcp://*:8888" */
  bind?: string;
  /** ZMQ_SNDHWM: messages queued per subscriber before ZeroMQ drops for that subscriber. @default 1000 */
  sendHighWaterMark?: number;
  /** Recent events kept for replay through since(). @default 10000 */
  ringSize?: number;
  /** Events waiting to be handed to ZeroMQ; when full the oldest is dropped. @default 1024 (the plugin's queue) */
  queueSize?: number;
  /** ZMQ_LINGER: how long unsent messages may delay process exit after close(). @default 250 */
  lingerMs?: number;
  /** How long close() waits for queued events to reach ZeroMQ before discarding them. @default 1000 */
  closeTimeoutMs?: number;
  /** Identifies this publisher's run; sent as `run_id` so subscribers notice a restart. @default a random UUID */
  runId?: string;
  /**
   * Z85 keys. When set, the PUB socket is a CURVE server; subscribers need `publicKey`.
   * With allowedClientKeys, only those client public keys are admitted (ZAP).
   * @default no encryption (like the plugin)
   */
  curve?: { secretKey: string; publicKey: string; allowedClientKeys?: string[] };
  /** @default silent */
  logger?: Logger;
}

// A type alias (not an interface) so it satisfies EventMap's index signature and keeps its keys.
export type PublisherEvents = {
  /** An event was dropped before reaching ZeroMQ (queue full or send failed); the argument is its sequence. */
  dropped: [number];
  /** A CURVE client was refused by the allow-list (Z85 public key, peer address). */
  refused: [string, string];
};

export interface ReplayedEvent {
  topic: EventTopic;
  event: BuildEventJson;
}

export interface SinceResult {
  events: ReplayedEvent[];
  oldest: number | null;
  newest: number | null;
  /** True when the ring no longer holds sequence+1: the caller missed events for good. */
  gap: boolean;
  /** The publisher's run id; sequences from another run are not comparable. */
  runId: string;
}

export interface PublisherStats {
  published: number;
  /** Handed to ZeroMQ (ZeroMQ itself may still drop at a subscriber's HWM, silently). */
  sent: number;
  dropped: number;
  queued: number;
}

interface Queued {
  seq: number;
  frame: string;
}

/**
 * The PUB side of the ZMQ event publisher. publish() is synchronous and never waits for the
 * socket: it builds the frame, keeps the event in the replay ring, and appends it to a bounded
 * queue that one async loop hands to ZeroMQ.
 *
 * Overflow policy: when the queue is full the OLDEST queued event is dropped. Under overload the
 * queue then holds the freshest events, so what subscribers see lags by at most queueSize events
 * instead of growing stale, and the latest onFinalized (which Nodepool acts on) is the one kept.
 * Dropped events stay in the replay ring, so a subscriber that sees a sequence gap can fetch them
 * through since(). (The Java plugin dropped the newest instead.)
 */
export class EventPublisher extends TypedEmitter<PublisherEvents> {
  readonly runId: string;
  readonly #bind: string;
  readonly #hwm: number;
  readonly #lingerMs: number;
  readonly #closeTimeoutMs: number;
  readonly #curve: PublisherOptions["curve"];
  readonly #log: Logger;
  readonly #ring: SequenceRing<ReplayedEvent>;
  readonly #queue: BoundedQueue<Queued>;
  #socket: Publisher | undefined;
  #zap: ZapHandler | undefined;
  #endpoint: string | undefined;
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #pumping = false;
  #idle: Deferred<void> | undefined;
  #published = 0;
  #sent = 0;
  #dropped = 0;
  #dropEpisode = 0;

  constructor(o: PublisherOptions = {}) {
    super();
    this.runId = o.runId ?? randomUUID();
    this.#bind = o.bind ?? "tcp://*:8888";
    this.#hwm = o.sendHighWaterMark ?? 1000;
    this.#lingerMs = o.lingerMs ?? 250;
    this.#closeTimeoutMs = o.closeTimeoutMs ?? 1000;
    this.#curve = o.curve;
    this.#log = (o.logger ?? pino({ level: "silent" })).child({ component: "events" });
    this.#ring = new SequenceRing(o.ringSize ?? 10_000);
    this.#queue = new BoundedQueue(o.queueSize ?? 1024);
    if (this.#curve) {
      assertCurveAvailable();
      assertZ85Key("secretKey", this.#curve.secretKey);
      assertZ85Key("publicKey", this.#curve.publicKey);
      this.#curve.allowedClientKeys?.forEach((k, i) => assertZ85Key(`allowedClientKeys[${i}]`, k));
    }
  }

  /** The bound endpoint, e.g. tcp://127.0.0.1:34567 after binding to port 0. */
  get endpoint(): string {
    if (this.#endpoint === undefined) throw new EventsNotStartedError("EventPublisher.endpoint");
    return this.#endpoint;
  }

  /** Binds the socket. Idempotent; events published before start() are sent once bound. */
  start(): Promise<void> {
    if (this.#closing) return Promise.reject(new EventsClosedError("EventPublisher.start()"));
    this.#starting ??= this.#start().catch((e: unknown) => {
      this.#starting = undefined;
      throw e;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const curve = this.#curve;
    // One ZAP handler per context: a publisher with an allow-list gets a private context.
    const context = curve?.allowedClientKeys ? new Context({ blocky: false }) : undefined;
    if (context && curve?.allowedClientKeys) {
      this.#zap = new ZapHandler({
        context,
        allowedClientKeys: curve.allowedClientKeys,
        logger: this.#log,
        onRefused: (key, addr) => this.safeEmit("refused", key, addr),
      });
      await this.#zap.start();
    }
    const socket = new Publisher({
      ...(context ? { context } : {}),
      sendHighWaterMark: this.#hwm,
      linger: this.#lingerMs,
      noDrop: false, // drop at the HWM for a slow subscriber; never block the others
      ...(curve ? { curveServer: true, curveSecretKey: curve.secretKey, curvePublicKey: curve.publicKey, zapDomain: "jenkins-events" } : {}),
    });
    try {
      await socket.bind(this.#bind);
    } catch (e) {
      socket.close();
      await this.#zap?.close();
      this.#zap = undefined;
      const code = (e as { code?: unknown }).code;
      throw new EventsBindError(this.#bind, typeof code === "string" ? code : undefined, { cause: e });
    }
    if (this.#closing) {
      socket.close();
      return;
    }
    this.#socket = socket;
    this.#endpoint = socket.lastEndpoint ?? this.#bind;
    this.#log.info({ endpoint: this.#endpoint, runId: this.runId, curve: Boolean(curve) }, "publishing build events");
    this.#pump();
  }

  /**
   * Queues one event and returns its sequence. Never blocks and never awaits the socket.
   * @throws EventsClosedError after close()
   */
  publish(topic: EventTopic, input: BuildEventInput): number {
    if (this.#closing) throw new EventsClosedError(`EventPublisher.publish(${topic})`);
    const seq = this.#ring.nextSequence;
    const event = buildEvent(topic, input, seq, this.runId);
    this.#ring.push(seq, { topic, event });
    this.#published++;
    const evicted = this.#queue.push({ seq, frame: formatFrame(topic, event) });
    if (evicted) this.#drop(evicted.seq, "send queue full");
    this.#pump();
    return seq;
  }

  /** Events with sequence > `sequence` still in the ring, oldest first. */
  since(sequence: number, limit?: number): SinceResult {
    const r = this.#ring.since(sequence, limit);
    return { events: r.items, oldest: r.oldest, newest: r.newest, gap: r.gap, runId: this.runId };
  }

  stats(): PublisherStats {
    return { published: this.#published, sent: this.#sent, dropped: this.#dropped, queued: this.#queue.length };
  }

  /** Resolves once every queued event has been handed to ZeroMQ. @throws EventsFlushTimeoutError */
  async flush(timeoutMs = 5000): Promise<void> {
    if (this.#queue.length === 0 && !this.#pumping) return;
    this.#idle ??= deferred<void>();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EventsFlushTimeoutError(timeoutMs, this.#queue.length)), timeoutMs);
    });
    try {
      await Promise.race([this.#idle.promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Hands what is queued to ZeroMQ (bounded by closeTimeoutMs), then closes the socket. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    await this.#starting?.catch(() => undefined);
    if (this.#socket) {
      await this.flush(this.#closeTimeoutMs).catch((e: unknown) => {
        this.#log.warn({ err: coerceError(e) }, "closing the event publisher with events still queued; they are discarded");
      });
    }
    for (const q of this.#queue.clear()) this.#drop(q.seq, "publisher closed");
    this.#socket?.close();
    this.#socket = undefined;
    await this.#zap?.close();
    this.#zap = undefined;
    this.#idle?.resolve();
    this.#idle = undefined;
    this.#log.info(this.stats(), "event publisher closed");
  }

  #drop(seq: number, why: string): void {
    this.#dropped++;
    if (this.#dropEpisode++ === 0) {
      this.#log.warn({ sequence: seq }, `dropping build events (${why}); subscribers can replay them through since()`);
    }
    this.safeEmit("dropped", seq);
  }

  #pump(): void {
    if (this.#pumping || !this.#socket || this.#queue.length === 0) return;
    this.#pumping = true;
    this.#drain().catch((e: unknown) => {
      this.#pumping = false;
      this.#log.error({ err: coerceError(e) }, `event send loop failed: ${describeError(e)}`);
    });
  }

  /** The one send loop. `#pumping` is cleared in the same turn that finds the queue empty, so no publish() is stranded. */
  async #drain(): Promise<void> {
    for (let q = this.#queue.shift(); q !== undefined; q = this.#queue.shift()) {
      const socket = this.#socket;
      if (!socket || socket.closed) {
        this.#drop(q.seq, "socket closed");
        continue;
      }
      try {
        // A PUB socket with noDrop=false never waits for a peer, so this resolves at once.
        await socket.send(q.frame);
        this.#sent++;
      } catch (e) {
        this.#drop(q.seq, `send failed: ${describeError(e)}`);
      }
    }
    this.#pumping = false;
    if (this.#dropEpisode > 0) {
      this.#log.warn({ dropped: this.#dropEpisode, total: this.#dropped }, "event queue drained after dropping events");
      this.#dropEpisode = 0;
    }
    const idle = this.#idle;
    this.#idle = undefined;
    idle?.resolve();
  }

  protected override onListenerError(event: string, error: unknown): void {
    this.#log.error({ err: coerceError(error), event }, "an events listener threw; ignored");
  }
}
