/**
 * One Gearman TCP (or TLS) connection that reconnects forever with capped, jittered
 * backoff until close(). It frames packets and probes liveness with ECHO_REQ; what to send
 * after a (re)connect is the owner's business (it listens for status "connected").
 */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from "node:tls";
import { pino, type Logger } from "pino";
import { Backoff, type BackoffOptions } from "../util/backoff.js";
import { delay } from "../util/deferred.js";
import { TypedEmitter } from "../util/emitter.js";
import { coerceError, describeError } from "../util/errors.js";
import { encode, type Packet } from "./codec.js";
import { PacketType, type PacketTypeNumber } from "./constants.js";
import { GearmanConnectionError, GearmanError, GearmanTimeoutError } from "./errors.js";
import { PacketParser } from "./parser.js";

export interface ServerAddress {
  host: string;
  port: number;
  /** Connect with TLS (node:tls options) when given. */
  tls?: TlsConnectionOptions;
}

export type ConnectionStatus = "connecting" | "connected" | "disconnected" | "reconnecting" | "closed";

export interface GearmanConnectionOptions {
  /** TCP keepalive initial delay. @default 30000 */
  keepaliveMs?: number;
  /** Give up one connect attempt after this long. @default 5000 */
  connectTimeoutMs?: number;
  /** Reconnect delays. @default Backoff defaults (100 ms, x2, cap 30 s, jitter 0.5) */
  backoff?: BackoffOptions;
  /** Largest packet body accepted from the server. @default 67108864 (64 MiB) */
  maxBodyBytes?: number;
  /** ECHO_REQ probe period, to detect half-open connections; 0 disables. @default 30000 */
  echoIntervalMs?: number;
  /** Drop the connection when an ECHO_RES takes longer than this. @default 10000 */
  echoTimeoutMs?: number;
  /**
   * close() first flushes what was accepted for sending and ends the socket; it destroys the
   * socket only if the peer has not closed its side within this bound. @default 2000
   */
  closeTimeoutMs?: number;
  /** @default a silent logger */
  logger?: Logger;
}

type ConnectionEvents = { status: [ConnectionStatus, Error?]; packet: [Packet]; error: [Error] };

const ECHO_PREFIX = "gearman-ts-probe:";
/** A connection that lived this long resets the backoff; a flapping one keeps backing off. */
const STABLE_MS = 1000;

export function formatAddress(a: ServerAddress): string {
  return `${a.host}:${a.port}`;
}

export class GearmanConnection extends TypedEmitter<ConnectionEvents> {
  readonly #addr: ServerAddress;
  readonly #opts: Required<Omit<GearmanConnectionOptions, "backoff" | "logger">>;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #abort = new AbortController();
  #socket: Socket | undefined;
  #connected = false;
  #loop: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #echoTimer: NodeJS.Timeout | undefined;
  #echoDeadline: NodeJS.Timeout | undefined;
  #echoSeq = 0;
  #corked = false;

  constructor(address: ServerAddress, opts: GearmanConnectionOptions = {}) {
    super();
    this.#addr = address;
    this.#opts = {
      keepaliveMs: opts.keepaliveMs ?? 30_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5000,
      maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024 * 1024,
      echoIntervalMs: opts.echoIntervalMs ?? 30_000,
      echoTimeoutMs: opts.echoTimeoutMs ?? 10_000,
      closeTimeoutMs: opts.closeTimeoutMs ?? 2000,
    };
    this.#backoff = new Backoff(opts.backoff);
    this.#log = (opts.logger ?? pino({ level: "silent" })).child({ gearman: formatAddress(address) });
  }

  get connected(): boolean {
    return this.#connected;
  }

  get address(): string {
    return formatAddress(this.#addr);
  }

  /** Starts the connect loop (once; later calls are no-ops while it runs). */
  start(): void {
    if (this.#closing || this.#loop) return;
    this.#loop = this.#run()
      .catch((e: unknown) => {
        this.safeEmit("error", coerceError(e));
      })
      .finally(() => {
        this.#loop = undefined;
      });
  }

  /**
   * Sends one REQ packet; false (nothing sent) when not connected or closing. A packet this
   * accepted is never dropped by us: close() flushes it before ending the socket.
   */
  send(type: PacketTypeNumber, args: ReadonlyArray<Buffer | string> = []): boolean {
    const s = this.#socket;
    if (!this.#connected || !s || this.#closing) return false;
    // Packets sent in one tick go out in one write (e.g. WORK_COMPLETE + GRAB_JOB_UNIQ).
    if (!this.#corked) {
      this.#corked = true;
      s.cork();
      process.nextTick(() => {
        this.#corked = false;
        s.uncork();
      });
    }
    s.write(encode("REQ", type, args));
    return true;
  }

  /** Drops the current socket (it reconnects); for tests and half-open detection. */
  destroySocket(reason?: Error): void {
    this.#socket?.destroy(reason);
  }

  /**
   * Stops reconnecting, flushes every packet accepted for sending (a WORK_FAIL written in the same
   * tick included), ends the socket and waits for the peer to close it, within `closeTimeoutMs`.
   * Idempotent; leaves no timers.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#abort.abort(new GearmanConnectionError(`connection to ${this.address} closed`));
      const s = this.#socket;
      if (s !== undefined && !s.destroyed) await endGracefully(s, this.#opts.closeTimeoutMs);
      await this.#loop;
      this.#stopEcho();
      this.safeEmit("status", "closed");
    })();
    return this.#closing;
  }

  async #run(): Promise<void> {
    let first = true;
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      this.safeEmit("status", first ? "connecting" : "reconnecting");
      first = false;
      let err: Error | undefined;
      try {
        const socket = await this.#connectOnce();
        const since = Date.now();
        err = await this.#serve(socket);
        if (Date.now() - since >= STABLE_MS) this.#backoff.reset();
      } catch (e) {
        err = coerceError(e);
      }
      if (signal.aborted) return;
      this.safeEmit("status", "disconnected", err);
      const wait = this.#backoff.next();
      // describeError, not the object: one line that says each cause once (the ops log test pins it).
      this.#log.warn({ err: describeError(err) }, `gearman connection lost; reconnecting in ${wait} ms`);
      try {
        await delay(wait, signal);
      } catch {
        return;
      }
    }
  }

  #connectOnce(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const { host, port, tls } = this.#addr;
      const s = tls ? tlsConnect({ ...tls, host, port }) : netConnect({ host, port });
      const readyEvent = tls ? "secureConnect" : "connect";
      const fail = (e: Error): void => {
        cleanup();
        s.destroy();
        reject(
          e instanceof GearmanTimeoutError ? e : new GearmanConnectionError(`cannot connect to ${this.address}: ${e.message}`, { cause: e }),
        );
      };
      const onAbort = (): void => fail(new GearmanConnectionError(`connection to ${this.address} closed`));
      const timer = setTimeout(
        () => fail(new GearmanTimeoutError(`connect to ${this.address} timed out after ${this.#opts.connectTimeoutMs} ms`)),
        this.#opts.connectTimeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        s.off("error", fail);
        s.off(readyEvent, ok);
        this.#abort.signal.removeEventListener("abort", onAbort);
      };
      const ok = (): void => {
        cleanup();
        resolve(s);
      };
      s.once("error", fail);
      s.once(readyEvent, ok);
      this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Runs one connected socket until it closes; resolves with why it closed. */
  #serve(s: Socket): Promise<Error> {
    return new Promise<Error>((resolve) => {
      let reason: Error | undefined;
      s.setKeepAlive(true, this.#opts.keepaliveMs);
      s.setNoDelay(true);
      const parser = new PacketParser({
        maxBodyBytes: this.#opts.maxBodyBytes,
        onPacket: (p) => this.#onPacket(p),
      });
      s.on("data", (chunk: Buffer) => {
        try {
          parser.push(chunk);
        } catch (e) {
          reason = coerceError(e);
          this.safeEmit("error", reason);
          s.destroy();
        }
      });
      s.on("error", (e) => {
        reason ??=
          e instanceof GearmanError
            ? e
            : new GearmanConnectionError(`connection to ${this.address} failed: ${e.message}`, { cause: e });
      });
      s.on("close", () => {
        this.#connected = false;
        this.#socket = undefined;
        this.#stopEcho();
        resolve(reason ?? new GearmanConnectionError(`connection to ${this.address} closed by peer`));
      });
      this.#socket = s;
      this.#connected = true;
      if (this.#abort.signal.aborted) {
        s.destroy();
        return;
      }
      this.#startEcho();
      this.#log.debug("gearman connected");
      this.safeEmit("status", "connected");
    });
  }

  #onPacket(p: Packet): void {
    if (p.type === PacketType.ECHO_RES && p.args[0]?.toString("latin1").startsWith(ECHO_PREFIX)) {
      clearTimeout(this.#echoDeadline);
      this.#echoDeadline = undefined;
      return;
    }
    this.safeEmit("packet", p);
  }

  #startEcho(): void {
    const every = this.#opts.echoIntervalMs;
    if (every <= 0) return;
    this.#echoTimer = setInterval(() => {
      if (this.#echoDeadline || !this.#connected) return;
      this.send(PacketType.ECHO_REQ, [`${ECHO_PREFIX}${++this.#echoSeq}`]);
      this.#echoDeadline = setTimeout(() => {
        this.#echoDeadline = undefined;
        const e = new GearmanTimeoutError(`no ECHO_RES from ${this.address} within ${this.#opts.echoTimeoutMs} ms; reconnecting`);
        this.#log.warn(e.message);
        this.#socket?.destroy(e);
      }, this.#opts.echoTimeoutMs);
    }, every);
  }

  #stopEcho(): void {
    clearInterval(this.#echoTimer);
    clearTimeout(this.#echoDeadline);
    this.#echoTimer = undefined;
    this.#echoDeadline = undefined;
  }
}

/**
 * Ends a socket without losing what was written to it: `end()` uncorks and flushes the pending
 * writes before the FIN (node's Writable.end), so gearmand reads every packet before the EOF.
 * The socket is destroyed only when the peer has not closed within `timeoutMs`.
 */
function endGracefully(s: Socket, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => s.destroy(), timeoutMs);
    s.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    s.end();
  });
}
