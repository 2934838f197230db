/** Admin text protocol client (docs/contract.md "Admin status and workers"): status, workers, cancel job, version. */
import { connect as netConnect, type Socket } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { formatAddress, type ServerAddress } from "./connection.js";
import { GearmanClosedError, GearmanConnectionError, GearmanProtocolError, GearmanTimeoutError } from "./errors.js";
import { AdminReplyParser, type AdminReply, type AdminReplyKind } from "./parser.js";

export interface FunctionStatus {
  name: string;
  /** Queued plus running jobs. */
  total: number;
  running: number;
  /** Connections that registered the function. */
  workers: number;
}

export interface WorkerInfo {
  fd: number;
  ip: string;
  clientId: string;
  functions: string[];
}

export interface GearmanAdminOptions {
  /** Per command, including connecting. @default 10000 */
  timeoutMs?: number;
}

/** Parses the lines of a `status` reply. Fields are split on TAB from the right, so names may hold spaces or tabs. */
export function parseStatus(text: string): FunctionStatus[] {
  const out: FunctionStatus[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line === ".") continue;
    const f = line.split("\t");
    if (f.length < 4) throw new GearmanProtocolError(`bad gearman status line: ${JSON.stringify(line)}`);
    const [total, running, workers] = f.slice(-3).map(Number) as [number, number, number];
    out.push({ name: f.slice(0, -3).join("\t"), total, running, workers });
  }
  return out;
}

/** Parses the lines of a `workers` reply: `FD IP CLIENT_ID : f1 f2 ...`. */
export function parseWorkers(text: string): WorkerInfo[] {
  const out: WorkerInfo[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === "" || line === ".") continue;
    // The IP may be IPv6 ("::1"), so look for the " :" separator only after fd and ip.
    const [, fd, ip, clientId, rest = ""] = /^(\d+) (\S+) (.*?) :(?: (.*))?$/.exec(line) ?? [];
    if (fd === undefined || ip === undefined || clientId === undefined) throw new GearmanProtocolError(`bad gearman workers line: ${JSON.stringify(line)}`);
    const fns = rest.trim();
    out.push({ fd: Number(fd), ip, clientId, functions: fns === "" ? [] : fns.split(" ") });
  }
  return out;
}

interface Waiter {
  resolve(r: AdminReply): void;
  reject(e: Error): void;
}

/** One admin connection, opened lazily; commands are serialised. */
export class GearmanAdmin {
  readonly #addr: ServerAddress;
  readonly #timeoutMs: number;
  #socket: Socket | undefined;
  #parser: AdminReplyParser | undefined;
  #waiter: Waiter | undefined;
  #chain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(address: ServerAddress, opts: GearmanAdminOptions = {}) {
    this.#addr = address;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
  }

  async status(): Promise<FunctionStatus[]> {
    return parseStatus((await this.#command("status", "multi")).join("\n"));
  }

  async workers(): Promise<WorkerInfo[]> {
    return parseWorkers((await this.#command("workers", "multi")).join("\n"));
  }

  /** `cancel job HANDLE`: true on OK, false when gearmand refuses (e.g. unknown or running job). */
  async cancelJob(handle: string): Promise<boolean> {
    try {
      const [line] = await this.#command(`cancel job ${handle}`, "single");
      return line?.startsWith("OK") ?? false;
    } catch (e) {
      if (e instanceof GearmanProtocolError || e instanceof GearmanConnectionError || e instanceof GearmanTimeoutError) throw e;
      return false;
    }
  }

  /** `version`, e.g. "1.1.20+ds". */
  async version(): Promise<string> {
    const [line] = await this.#command("version", "single");
    return (line ?? "").replace(/^OK /, "");
  }

  /** Any other one-line command (e.g. `maxqueue f 10`, `show jobs`); returns the reply lines. */
  command(line: string, kind: AdminReplyKind): Promise<string[]> {
    return this.#command(line, kind);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#fail(new GearmanClosedError("gearman admin connection closed"));
  }

  /** Runs one command after the previous one finished; rejects with GearmanServerError on ERR. */
  #command(line: string, kind: AdminReplyKind): Promise<string[]> {
    if (/[\r\n]/.test(line)) return Promise.reject(new RangeError("gearman admin command must be one line"));
    const run = this.#chain.then(() => this.#run(line, kind));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #run(line: string, kind: AdminReplyKind): Promise<string[]> {
    if (this.#closed) throw new GearmanClosedError("gearman admin connection closed");
    const deadline = Date.now() + this.#timeoutMs;
    const socket = this.#socket ?? (await this.#open());
    const parser = this.#parser;
    // #fail clears the socket and the parser together: the connection dropped while it opened.
    if (parser === undefined) throw new GearmanConnectionError(`gearman admin connection to ${formatAddress(this.#addr)} closed before "${line}" was sent`);
    const reply = await new Promise<AdminReply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(new GearmanTimeoutError(`gearman admin "${line}" got no reply within ${this.#timeoutMs} ms`));
      }, Math.max(1, deadline - Date.now()));
      this.#waiter = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      parser.expect(kind);
      socket.write(`${line}\n`);
    });
    if (reply.error) throw reply.error;
    return reply.lines;
  }

  #open(): Promise<Socket> {
    return new Promise<Socket>((resolve, reject) => {
      const { host, port, tls } = this.#addr;
      const s = tls ? tlsConnect({ ...tls, host, port }) : netConnect({ host, port });
      const ready = tls ? "secureConnect" : "connect";
      const timer = setTimeout(() => {
        s.destroy();
        reject(new GearmanTimeoutError(`gearman admin connect to ${formatAddress(this.#addr)} timed out`));
      }, this.#timeoutMs);
      s.once("error", (e: Error) => {
        clearTimeout(timer);
        reject(new GearmanConnectionError(`gearman admin cannot connect to ${formatAddress(this.#addr)}: ${e.message}`, { cause: e }));
      });
      s.once(ready, () => {
        clearTimeout(timer);
        s.setNoDelay(true);
        s.removeAllListeners("error");
        this.#attach(s);
        resolve(s);
      });
    });
  }

  #attach(s: Socket): void {
    this.#socket = s;
    this.#parser = new AdminReplyParser({
      onReply: (r) => {
        const w = this.#waiter;
        this.#waiter = undefined;
        w?.resolve(r);
      },
    });
    s.on("data", (chunk: Buffer) => {
      if (this.#socket !== s) return;
      try {
        this.#parser?.push(chunk);
      } catch (e) {
        this.#fail(e as Error);
      }
    });
    s.on("error", (e: Error) => {
      if (this.#socket === s) this.#fail(new GearmanConnectionError(`gearman admin connection failed: ${e.message}`, { cause: e }));
    });
    s.on("close", () => {
      if (this.#socket === s) this.#fail(new GearmanConnectionError("gearman admin connection closed by the server"));
    });
  }

  /** Drops the socket (the next command reconnects) and fails the command in flight. */
  #fail(e: Error): void {
    const s = this.#socket;
    this.#socket = undefined;
    this.#parser = undefined;
    s?.destroy();
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.reject(e);
  }
}
