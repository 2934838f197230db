/** The client's view of one submitted job: WORK_* packets forwarded by gearmand (docs/contract.md "Client flow"). */
import { TypedEmitter } from "../util/emitter.js";
import type { Packet } from "./codec.js";
import { PacketType } from "./constants.js";

/**
 * How a job ended for this client. "disconnected": the connection to gearmand dropped; the
 * job's fate is unknown. A background job's `result` never settles: gearmand forwards
 * nothing about it (poll getStatus instead).
 */
export type ClientJobResult =
  | { kind: "complete"; data: Buffer }
  | { kind: "fail" }
  | { kind: "exception"; data: Buffer }
  | { kind: "disconnected" };

type ClientJobEvents = {
  data: [Buffer];
  warning: [Buffer];
  status: [number, number];
  complete: [Buffer];
  fail: [];
  exception: [Buffer];
  disconnected: [];
};

export class ClientJob extends TypedEmitter<ClientJobEvents> {
  readonly handle: string;
  readonly fn: string;
  readonly unique: string;
  readonly background: boolean;
  /** "host:port" of the gearmand that created the job. */
  readonly server: string;
  /** Every WORK_DATA, WORK_WARNING and WORK_COMPLETE payload, in order (as gear's Job.data). */
  readonly dataPackets: Buffer[] = [];
  /** Latest WORK_STATUS. */
  numerator = 0;
  denominator = 0;
  /** Settles when the job ends; never for a background job. */
  readonly result: Promise<ClientJobResult>;
  #settle!: (r: ClientJobResult) => void;
  #ended = false;

  constructor(init: { handle: string; fn: string; unique: string; background: boolean; server: string }) {
    super();
    this.handle = init.handle;
    this.fn = init.fn;
    this.unique = init.unique;
    this.background = init.background;
    this.server = init.server;
    this.result = new Promise<ClientJobResult>((resolve) => {
      this.#settle = resolve;
    });
    // A background job is over for this client once created; result stays pending.
    if (init.background) this.#ended = true;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Applies a WORK_* packet for this handle; returns true when it ended the job.
   * @internal called by GearmanClient
   */
  handlePacket(p: Packet): boolean {
    if (this.#ended) return true;
    const payload = (): Buffer => Buffer.from(p.args[1] ?? Buffer.alloc(0));
    switch (p.type) {
      case PacketType.WORK_DATA: {
        const d = payload();
        this.dataPackets.push(d);
        this.safeEmit("data", d);
        return false;
      }
      case PacketType.WORK_WARNING: {
        const d = payload();
        this.dataPackets.push(d);
        this.safeEmit("warning", d);
        return false;
      }
      case PacketType.WORK_STATUS: {
        this.numerator = Number(p.args[1]?.toString("latin1") ?? "0") || 0;
        this.denominator = Number(p.args[2]?.toString("latin1") ?? "0") || 0;
        this.safeEmit("status", this.numerator, this.denominator);
        return false;
      }
      case PacketType.WORK_COMPLETE: {
        const d = payload();
        this.dataPackets.push(d);
        this.safeEmit("complete", d);
        this.#end({ kind: "complete", data: d });
        return true;
      }
      case PacketType.WORK_FAIL:
        this.safeEmit("fail");
        this.#end({ kind: "fail" });
        return true;
      case PacketType.WORK_EXCEPTION: {
        const d = payload();
        this.safeEmit("exception", d);
        this.#end({ kind: "exception", data: d });
        return true;
      }
      default:
        return false;
    }
  }

  /** @internal the connection dropped */
  markDisconnected(): void {
    if (this.#ended) return;
    this.safeEmit("disconnected");
    this.#end({ kind: "disconnected" });
  }

  #end(r: ClientJobResult): void {
    this.#ended = true;
    this.#settle(r);
  }
}
