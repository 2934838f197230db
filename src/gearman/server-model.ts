/**
 * Data model of the embedded Gearman server: jobs, per-function priority queues and the
 * per-connection state the job logic needs. No sockets here (see server.ts).
 */

import type { PacketType } from "./constants.js";

/** Longest unique id gearmand accepts (GEARMAN_MAX_UNIQUE_SIZE). */
export const MAX_UNIQUE_BYTES = 64;

/** Queue index of a job's priority; lower drains first (docs/contract.md "Grab order"). */
export const Priority = { HIGH: 0, NORMAL: 1, LOW: 2 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];
export const PRIORITIES: readonly Priority[] = [Priority.HIGH, Priority.NORMAL, Priority.LOW];

/** What the job logic needs of one client/worker/admin connection. */
export interface ServerConn {
  /** Shown as FD by the admin `workers` command. */
  readonly id: number;
  readonly ip: string;
  /** SET_CLIENT_ID, "-" until set. */
  clientId: string;
  /** OPTION_REQ exceptions was sent: WORK_EXCEPTION is forwarded as is. */
  exceptions: boolean;
  /** PRE_SLEEP seen and no GRAB since. */
  sleeping: boolean;
  /** A NOOP went out since the last GRAB (gearmand's is_noop_sent). */
  noopSent: boolean;
  /** Registered functions and their CAN_DO count (duplicates count: docs/contract.md "Duplicate CAN_DO counts twice"). */
  readonly registrations: Map<FunctionState, number>;
  /** Registration order, oldest first; grabs walk it from the end (newest first). */
  readonly grabOrder: FunctionState[];
  /** Jobs this connection grabbed and has not finished, in grab order. */
  readonly workerJobs: Set<Job>;
  /** Foreground jobs this connection waits on. */
  readonly clientJobs: Set<Job>;
  send(packet: Buffer): void;
}

export interface Job {
  readonly handle: string;
  readonly fn: FunctionState;
  /** The unique id as submitted ("" if none). */
  readonly unique: string;
  /** Coalescing key within the function; undefined never coalesces. */
  readonly key: string | undefined;
  readonly data: Buffer;
  /** Reducer of SUBMIT_REDUCE_JOB*, "" otherwise. */
  readonly reducer: string;
  readonly priority: Priority;
  readonly background: boolean;
  readonly clients: Set<ServerConn>;
  /** The owning worker connection while running. */
  worker: ServerConn | undefined;
  numerator: string;
  denominator: string;
  /** Cancelled, or every foreground client left: dropped when a grab reaches it. */
  ignore: boolean;
  retries: number;
}

/** FIFO with O(1) push/shift (amortised), compacting its backing array lazily. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(v: T): void {
    this.#items.push(v);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const v = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return v;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }
}

export class FunctionState {
  readonly name: string;
  /** Indexed by Priority. Ignored jobs stay until a grab reaches them. */
  readonly queues: [Fifo<Job>, Fifo<Job>, Fifo<Job>] = [new Fifo(), new Fifo(), new Fifo()];
  /** Jobs in `queues`, ignored ones included (the admin `status` counts them: docs/contract.md "Admin status and workers"). */
  queued = 0;
  running = 0;
  /** Registered connections with their CAN_DO count. */
  readonly workers = new Map<ServerConn, number>();
  workerCount = 0;
  readonly uniques = new Map<string, Job>();
  /** `maxqueue` per priority; 0 = unlimited. */
  maxQueue: [number, number, number] = [0, 0, 0];

  constructor(name: string) {
    this.name = name;
  }
}

export type SubmitResult = { handle: string } | { error: { code: string; text: string } };

export interface SubmitRequest {
  fn: string;
  unique: string;
  data: Buffer;
  priority: Priority;
  background: boolean;
  reducer?: string;
}

/** The WORK_* packets a worker sends and the server relays. */
export type WorkType =
  | typeof PacketType.WORK_DATA
  | typeof PacketType.WORK_WARNING
  | typeof PacketType.WORK_STATUS
  | typeof PacketType.WORK_COMPLETE
  | typeof PacketType.WORK_FAIL
  | typeof PacketType.WORK_EXCEPTION;
