/**
 * A small embedded Gearman job server, so the demo and a single-box setup need no gearmand.
 * It behaves like gearmand 1.1.20 for what Zuul, gear and our client/worker use
 * (docs/contract.md "The Gearman protocol", "gearmand semantics the sidecar relies on"): binary protocol and admin text protocol on one port.
 * Job logic lives in server-core.ts, packet dispatch in server-dispatch.ts, admin commands
 * in server-admin.ts.
 */
import { createServer, type Server, type Socket } from "node:net";
import { hostname } from "node:os";
import { pino, type Logger } from "pino";
import { encode } from "./codec.js";
import { DEFAULT_MAX_BODY_BYTES, PacketType } from "./constants.js";
import { coerceError } from "../util/errors.js";
import { GearmanClosedError, GearmanConnectionError, GearmanProtocolError, PROTOCOL_ERROR } from "./errors.js";
import { PacketParser } from "./parser.js";
import { adminCommand } from "./server-admin.js";
import { ServerCore } from "./server-core.js";
import { dispatch } from "./server-dispatch.js";
import type { FunctionState, Job, ServerConn } from "./server-model.js";

export interface GearmanServerOptions {
  /** Listen address; keep it on loopback. @default "127.0.0.1" */
  host?: string;
  /** TCP port; 0 picks a free one (see `address` after start()). @default 0 */
  port?: number;
  /** Largest accepted packet body or admin line; a bigger one closes the connection. @default 67108864 (64 MiB) */
  maxBodyBytes?: number;
  /** @default a silent logger */
  logger?: Logger;
}

export interface GearmanServerStats {
  connections: number;
  /** Jobs waiting in queues (cancelled/abandoned ones included until a grab drops them). */
  queued: number;
  running: number;
  functions: number;
}

/** Handle host part: the machine name like gearmand's `H:<host>:<n>`, kept short and safe. */
function handleHost(): string {
  const h = hostname().replace(/[^A-Za-z0-9._-]/g, "").slice(0, 32);
  return h === "" ? "embedded" : h;
}

class Conn implements ServerConn {
  readonly id: number;
  readonly ip: string;
  clientId = "-";
  exceptions = false;
  sleeping = false;
  noopSent = false;
  readonly registrations = new Map<FunctionState, number>();
  readonly grabOrder: FunctionState[] = [];
  readonly workerJobs = new Set<Job>();
  readonly clientJobs = new Set<Job>();
  readonly socket: Socket;
  dead = false;

  constructor(id: number, socket: Socket) {
    this.id = id;
    this.socket = socket;
    this.ip = (socket.remoteAddress ?? "-").replace(/^::ffff:/, "");
  }

  send(packet: Buffer): void {
    if (!this.dead) this.socket.write(packet);
  }
}

export class GearmanServer {
  readonly #opts: GearmanServerOptions;
  readonly #log: Logger;
  readonly #core = new ServerCore(handleHost());
  /** Open connections, oldest first (Map keeps insertion order). */
  readonly #conns = new Map<Socket, Conn>();
  /** Every socket not yet closed, including ones being ended after a protocol error. */
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;
  #address: { host: string; port: number } | null = null;
  #starting: Promise<{ host: string; port: number }> | undefined;
  #closing: Promise<void> | undefined;
  #nextId = 1;

  constructor(opts: GearmanServerOptions = {}) {
    this.#opts = opts;
    this.#log = (opts.logger ?? pino({ level: "silent" })).child({ component: "gearman-server" });
  }

  /** Where the server listens, once start() resolved; null before and after close(). */
  get address(): { host: string; port: number } | null {
    return this.#address;
  }

  /** Listens; resolves with the bound address. Idempotent. @throws GearmanConnectionError */
  start(): Promise<{ host: string; port: number }> {
    if (this.#closing) return Promise.reject(new GearmanClosedError("gearman server is closed"));
    this.#starting ??= this.#listen();
    return this.#starting;
  }

  stats(): GearmanServerStats {
    return {
      connections: this.#conns.size,
      queued: this.#core.queuedTotal,
      running: this.#core.runningTotal,
      functions: this.#core.functions.size,
    };
  }

  /** Closes every connection and the listener. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  #listen(): Promise<{ host: string; port: number }> {
    const host = this.#opts.host ?? "127.0.0.1";
    const port = this.#opts.port ?? 0;
    const server = createServer({ noDelay: true }, (s) => this.#accept(s));
    this.#server = server;
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        reject(new GearmanConnectionError(`gearman server cannot listen on ${host}:${port}: ${e.message}`, { cause: e }));
      };
      server.once("error", onError);
      server.listen(port, host, () => {
        server.off("error", onError);
        server.on("error", (e) => this.#log.error({ err: e }, "gearman server listener error"));
        const a = server.address();
        const bound = { host, port: a !== null && typeof a === "object" ? a.port : port };
        if (!this.#closing) this.#address = bound;
        this.#log.info(bound, "embedded gearman server listening");
        resolve(bound);
      });
    });
  }

  #accept(socket: Socket): void {
    if (this.#closing) {
      socket.destroy();
      return;
    }
    const conn = new Conn(this.#nextId++, socket);
    this.#conns.set(socket, conn);
    this.#sockets.add(socket);
    const parser = new PacketParser({
      maxBodyBytes: this.#opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      onPacket: (p) => dispatch(this.#core, conn, p),
      onAdminLine: (line) => conn.send(Buffer.from(adminCommand(this.#core, this.#conns.values(), line), "utf8")),
    });
    socket.on("data", (chunk: Buffer) => {
      if (conn.dead) return;
      socket.cork();
      try {
        parser.push(chunk);
      } catch (e) {
        this.#log.debug({ conn: conn.id, err: coerceError(e) }, "closing gearman connection after a protocol error");
        // gearmand answers a bad magic with ERROR INVALID_MAGIC; an unknown type or an
        // oversized body just closes the socket (docs/contract.md "Framing").
        if (e instanceof GearmanProtocolError && e.kind === PROTOCOL_ERROR.badMagic) {
          socket.write(encode("RES", PacketType.ERROR, ["INVALID_MAGIC", "Request magic expected"]));
        }
        this.#drop(conn);
        socket.end();
      } finally {
        socket.uncork();
      }
    });
    socket.on("error", (e) => this.#log.debug({ conn: conn.id, err: e }, "gearman connection error"));
    socket.on("close", () => {
      this.#sockets.delete(socket);
      this.#drop(conn);
    });
  }

  /** Forgets a connection: its running jobs are requeued, its client jobs detached. */
  #drop(conn: Conn): void {
    if (conn.dead) return;
    conn.dead = true;
    this.#conns.delete(conn.socket);
    this.#core.disconnected(conn);
  }

  async #shutdown(): Promise<void> {
    for (const conn of [...this.#conns.values()]) this.#drop(conn);
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    if (this.#starting) await this.#starting.catch(() => undefined);
    const server = this.#server;
    this.#address = null;
    if (!server?.listening) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
