/** A job assigned to our worker; its results go out on the connection that owns it (docs/contract.md "Only the owning connection may report"). */
import { TypedEmitter } from "../util/emitter.js";
import { PacketType, type PacketTypeNumber } from "./constants.js";

/** How a job writes on its owning connection; false when that connection is gone. */
export type JobSender = (type: PacketTypeNumber, args: ReadonlyArray<Buffer | string>) => boolean;

export interface WorkerJobInit {
  handle: string;
  functionName: string;
  unique: string;
  data: Buffer;
  server: string;
  send: JobSender;
  /** Called once when complete() or fail() ends the job. */
  onEnd: (job: WorkerJob) => void;
}

export class WorkerJob extends TypedEmitter<{ lost: [] }> {
  readonly handle: string;
  readonly functionName: string;
  readonly unique: string;
  readonly data: Buffer;
  /** "host:port" of the gearmand that assigned the job. */
  readonly server: string;
  readonly #send: JobSender;
  readonly #onEnd: (job: WorkerJob) => void;
  #done = false;
  #lost = false;

  constructor(init: WorkerJobInit) {
    super();
    this.handle = init.handle;
    this.functionName = init.functionName;
    this.unique = init.unique;
    this.data = init.data;
    this.server = init.server;
    this.#send = init.send;
    this.#onEnd = init.onEnd;
  }

  /** True after complete() or fail(). */
  get done(): boolean {
    return this.#done;
  }

  /** True when the owning connection dropped first: gearmand requeued the job (docs/contract.md "gearmand requeues a job whose connection drops"). */
  get lost(): boolean {
    return this.#lost;
  }

  /** WORK_DATA. */
  sendData(d: Buffer | string): boolean {
    return this.#write(PacketType.WORK_DATA, [this.handle, d]);
  }

  /** WORK_WARNING. */
  sendWarning(d: Buffer | string): boolean {
    return this.#write(PacketType.WORK_WARNING, [this.handle, d]);
  }

  /** WORK_STATUS numerator/denominator (decimal ASCII on the wire). */
  sendStatus(numerator: number, denominator: number): boolean {
    return this.#write(PacketType.WORK_STATUS, [
      this.handle,
      String(Math.trunc(numerator)),
      String(Math.trunc(denominator)),
    ]);
  }

  /** WORK_EXCEPTION only; the job stays open (follow with fail() if wanted, as gearman-java does). */
  exception(d: Buffer | string): boolean {
    return this.#write(PacketType.WORK_EXCEPTION, [this.handle, d]);
  }

  /** WORK_COMPLETE; ends the job and frees its capacity. */
  complete(d: Buffer | string = Buffer.alloc(0)): boolean {
    return this.#end(PacketType.WORK_COMPLETE, [this.handle, d]);
  }

  /** WORK_FAIL; ends the job and frees its capacity. */
  fail(): boolean {
    return this.#end(PacketType.WORK_FAIL, [this.handle]);
  }

  /**
   * Marks the job lost (its connection dropped); later sends are no-ops returning false.
   * @internal called by GearmanWorker
   */
  markLost(): void {
    if (this.#done || this.#lost) return;
    this.#lost = true;
    this.safeEmit("lost");
  }

  #write(type: PacketTypeNumber, args: ReadonlyArray<Buffer | string>): boolean {
    if (this.#done || this.#lost) return false;
    return this.#send(type, args);
  }

  #end(type: PacketTypeNumber, args: ReadonlyArray<Buffer | string>): boolean {
    if (this.#done || this.#lost) return false;
    const sent = this.#send(type, args);
    this.#done = true;
    this.#onEnd(this);
    return sent;
  }
}
