/** A tiny in-process Gearman server on 127.0.0.1:0 that records packets and lets a test answer them. */
import { createServer, type Server, type Socket } from "node:net";
import { encode, PacketParser, packetTypeName, type Packet, type PacketTypeNumber } from "../../../src/gearman/index.js";

export interface FakeConn {
  readonly id: number;
  readonly socket: Socket;
  /** Packets received on this connection, as "NAME arg0 arg1". */
  readonly log: string[];
  send(type: PacketTypeNumber, args?: (Buffer | string)[]): void;
}

export class FakeServer {
  readonly conns: FakeConn[] = [];
  /** Called for every packet; return nothing. */
  onPacket: (c: FakeConn, p: Packet) => void = () => undefined;
  #server: Server | undefined;
  #port = 0;

  get port(): number {
    return this.#port;
  }

  get address(): { host: string; port: number } {
    return { host: "127.0.0.1", port: this.#port };
  }

  async listen(port = 0): Promise<void> {
    const srv = createServer((socket) => {
      const c: FakeConn = {
        id: this.conns.length,
        socket,
        log: [],
        send: (type, args = []) => {
          if (!socket.destroyed) socket.write(encode("RES", type, args));
        },
      };
      this.conns.push(c);
      const parser = new PacketParser({
        onPacket: (p) => {
          c.log.push([packetTypeName(p.type), ...p.args.map((a) => a.toString("utf8"))].join(" "));
          this.onPacket(c, p);
        },
      });
      socket.on("data", (d: Buffer) => parser.push(d));
      socket.on("error", () => undefined);
    });
    this.#server = srv;
    await new Promise<void>((resolve) => srv.listen(port, "127.0.0.1", resolve));
    const a = srv.address();
    if (a && typeof a !== "string") this.#port = a.port;
  }

  /** All packet names received on every connection, in order per connection. */
  all(): string[] {
    return this.conns.flatMap((c) => c.log);
  }

  count(prefix: string): number {
    return this.all().filter((l) => l === prefix || l.startsWith(`${prefix} `)).length;
  }

  dropAll(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  async close(): Promise<void> {
    this.dropAll();
    const srv = this.#server;
    this.#server = undefined;
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}

/**
 * Runs the event loop (socket I/O included; no timer of its own) until `cond` holds, or throws
 * after `ms` of real time.
 */
export async function waitFor(cond: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const deadline = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}
