/**
 * Conformance: the SAME scenario list runs against the embedded server and a real gearmand
 * 1.1.20 (test/helpers/gearmand.ts), and the observable transcripts must be identical.
 * Transcripts are normalised only where gearmand's output is arbitrary: handle host and
 * counter (numbered by first appearance), connection FDs and the order of `workers` lines
 * (accept order), the `version` string, the order of `status` lines (hash order in
 * gearmand), and the scenario's function-name prefix.
 */
import { strict as assert } from "node:assert";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { encode, PacketParser, PacketType, packetTypeName, type PacketTypeNumber } from "../../src/gearman/index.js";
import { GearmanServer } from "../../src/gearman/server.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";

const SYNC = "__sync__";

class Peer {
  readonly socket: Socket;
  readonly got: string[] = [];
  text = "";
  #wake: (() => void)[] = [];
  readonly closed: Promise<void>;

  constructor(port: number, binary: boolean) {
    this.socket = connect({ host: "127.0.0.1", port });
    this.socket.setNoDelay(true);
    const parser = new PacketParser({
      onPacket: (p) => {
        this.got.push([packetTypeName(p.type), ...p.args.map((a) => a.toString("latin1").replace(/\0/g, "\\0"))].join(" "));
        this.#notify();
      },
    });
    this.socket.on("data", (d: Buffer) => {
      if (binary) parser.push(d);
      else this.text += d.toString("latin1");
      this.#notify();
    });
    this.socket.on("error", () => undefined);
    this.closed = new Promise((r) => this.socket.once("close", () => r()));
  }

  #notify(): void {
    for (const w of this.#wake.splice(0)) w();
  }

  async until(cond: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 3000;
    while (!cond()) {
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; got ${JSON.stringify(this.got)} ${JSON.stringify(this.text)}`);
      await new Promise<void>((r) => {
        this.#wake.push(r);
        setTimeout(r, 20);
      });
    }
  }
}

/** One scenario run: named connections, a transcript, and a sync barrier over all of them. */
class Ctx {
  readonly log: string[] = [];
  readonly #port: number;
  readonly #prefix: string;
  readonly #peers = new Map<string, Peer>();
  #admin: Peer | undefined;

  constructor(port: number, prefix: string) {
    this.#port = port;
    this.#prefix = prefix;
  }

  /** The scenario's function name `n` (prefixed so scenarios do not share functions). */
  f(n: string): string {
    return `${this.#prefix}${n}`;
  }

  conn(name: string): void {
    this.#peers.set(name, new Peer(this.#port, true));
  }

  send(name: string, type: PacketTypeNumber, ...args: string[]): void {
    this.#peers.get(name)!.socket.write(encode("REQ", type, args));
  }

  /** The raw handles seen so far by connection `name` (JOB_CREATED, JOB_ASSIGN...), `nth` of them. */
  handle(name: string, nth = -1): string {
    const all = this.log.filter((l) => l.startsWith(`${name}< `)).flatMap((l) => l.match(/H:[^:\s\\]+:\d+/g) ?? []);
    const h = all.at(nth);
    assert.ok(h !== undefined, `no handle seen by ${name}`);
    return h;
  }

  /** Two ECHO rounds: everything sent is processed, and everything it caused has arrived. */
  async sync(): Promise<void> {
    for (let round = 0; round < 2; round++) {
      for (const [name, p] of this.#peers) {
        p.socket.write(encode("REQ", PacketType.ECHO_REQ, [`${SYNC}${round}`]));
        await p.until(() => p.got.includes(`ECHO_RES ${SYNC}${round}`), `${name} sync`);
      }
    }
    for (const [name, p] of this.#peers) {
      for (const line of p.got.splice(0)) if (!line.startsWith(`ECHO_RES ${SYNC}`)) this.log.push(`${name}< ${line}`);
    }
  }

  async admin(line: string, record = true): Promise<string> {
    const a = (this.#admin ??= new Peer(this.#port, false));
    a.text = "";
    a.socket.write(`${line}\n`);
    await a.until(() => /(^|\n)\.\n$|^(OK|ERR)[^\n]*\n$/.test(a.text), `admin ${line}`);
    let out = a.text;
    if (line === "status" || line === "prioritystatus") {
      out = out
        .split("\n")
        .filter((l) => l.startsWith(this.#prefix))
        .sort()
        .join("\n");
    }
    // Connections of one scenario open concurrently, so their accept order (and FDs) vary.
    if (line === "workers") out = out.replace(/^\d+ /gm, "FD ").split("\n").sort().join("\n");
    if (line === "version") out = out.replace(/^OK .*/, "OK <version>");
    if (record) this.log.push(`admin ${line}> ${out.split(this.#prefix).join("")}`);
    return out;
  }

  /** Closes a connection and waits until the server has processed the disconnect. */
  async close(name: string): Promise<void> {
    const before = (await this.admin("workers", false)).split("\n").length;
    const p = this.#peers.get(name)!;
    this.#peers.delete(name);
    p.socket.destroy();
    await p.closed;
    const deadline = Date.now() + 3000;
    while ((await this.admin("workers", false)).split("\n").length >= before) {
      if (Date.now() > deadline) assert.fail(`server did not notice ${name} closing`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async end(): Promise<string[]> {
    for (const name of [...this.#peers.keys()]) await this.close(name);
    this.#admin?.socket.destroy();
    await this.#admin?.closed;
    const seen = new Map<string, string>();
    return this.log.map((l) =>
      l.replace(/H:[^:\s\\]+:\d+/g, (h) => {
        if (!seen.has(h)) seen.set(h, `H#${seen.size + 1}`);
        return seen.get(h)!;
      }),
    );
  }
}

type Scenario = [name: string, run: (c: Ctx) => Promise<void>];
const P = PacketType;

const SCENARIOS: Scenario[] = [
  [
    "submit, grab, relay WORK_*, GET_STATUS",
    async (c) => {
      c.conn("c");
      c.conn("w");
      c.send("c", P.SUBMIT_JOB, c.f("f"), "u1", "payload");
      c.send("w", P.CAN_DO, c.f("f"));
      c.send("w", P.SET_CLIENT_ID, "worker-1");
      await c.sync();
      await c.admin("workers");
      c.send("w", P.GRAB_JOB_UNIQ);
      await c.sync();
      const handle = c.handle("c");
      c.send("w", P.WORK_DATA, handle, "d1");
      c.send("w", P.WORK_WARNING, handle, "w1");
      c.send("w", P.WORK_STATUS, handle, "1", "4");
      await c.sync();
      c.send("c", P.GET_STATUS, handle);
      c.send("c", P.GET_STATUS_UNIQUE, "u1");
      await c.sync();
      await c.admin("status");
      c.send("w", P.WORK_COMPLETE, handle, "done");
      await c.sync();
      c.send("c", P.GET_STATUS, handle);
      await c.sync();
      await c.admin("status");
    },
  ],
  [
    "NOOP to every sleeper, once; PRE_SLEEP with work queued",
    async (c) => {
      for (const n of ["c", "w1", "w2", "w3"]) c.conn(n);
      c.send("w1", P.CAN_DO, c.f("f"));
      c.send("w2", P.CAN_DO, c.f("f"));
      c.send("w3", P.CAN_DO, c.f("g"));
      for (const n of ["w1", "w2", "w3"]) c.send(n, P.PRE_SLEEP);
      await c.sync();
      c.send("c", P.SUBMIT_JOB_BG, c.f("f"), "", "1");
      await c.sync();
      c.send("c", P.SUBMIT_JOB_BG, c.f("f"), "", "2");
      await c.sync();
      c.send("w1", P.GRAB_JOB);
      await c.sync();
      c.send("w1", P.PRE_SLEEP);
      await c.sync();
      c.send("w2", P.GRAB_JOB);
      await c.sync();
      c.send("w2", P.GRAB_JOB);
      await c.sync();
      c.send("w2", P.PRE_SLEEP);
      await c.sync();
      c.send("c", P.SUBMIT_JOB_BG, c.f("f"), "", "3");
      await c.sync();
    },
  ],
  [
    "coalescing by unique",
    async (c) => {
      for (const n of ["c1", "c2", "w"]) c.conn(n);
      c.send("c1", P.SUBMIT_JOB, c.f("f"), "u", "first");
      await c.sync();
      c.send("c2", P.SUBMIT_JOB, c.f("f"), "u", "second");
      c.send("c2", P.SUBMIT_JOB, c.f("g"), "u", "other fn");
      c.send("c2", P.SUBMIT_JOB_BG, c.f("f"), "", "x");
      c.send("c2", P.SUBMIT_JOB_BG, c.f("f"), "", "x");
      await c.sync();
      c.send("w", P.CAN_DO, c.f("f"));
      c.send("w", P.GRAB_JOB_UNIQ);
      await c.sync();
      c.send("c1", P.SUBMIT_JOB, c.f("f"), "u", "while running");
      await c.sync();
      await c.admin("status");
    },
  ],
  [
    "priorities within a function, newest registered function first",
    async (c) => {
      c.conn("c");
      c.conn("w");
      for (const [t, d] of [
        [P.SUBMIT_JOB_LOW_BG, "low1"],
        [P.SUBMIT_JOB_BG, "n1"],
        [P.SUBMIT_JOB_HIGH_BG, "h1"],
        [P.SUBMIT_JOB_LOW_BG, "low2"],
        [P.SUBMIT_JOB_HIGH_BG, "h2"],
        [P.SUBMIT_JOB_BG, "n2"],
      ] as const) {
        c.send("c", t, c.f("f"), "", d);
      }
      c.send("c", P.SUBMIT_JOB_BG, c.f("g"), "", "g1");
      await c.sync();
      await c.admin("prioritystatus");
      c.send("w", P.CAN_DO, c.f("f"));
      c.send("w", P.CAN_DO, c.f("g"));
      for (let i = 0; i < 8; i++) c.send("w", P.GRAB_JOB);
      await c.sync();
    },
  ],
  [
    "worker disconnect requeues silently; CANT_DO requeues; late WORK_* rejected",
    async (c) => {
      for (const n of ["c", "w1", "w2", "x"]) c.conn(n);
      c.send("c", P.SUBMIT_JOB, c.f("f"), "", "a");
      c.send("c", P.SUBMIT_JOB, c.f("f"), "", "b");
      await c.sync();
      c.send("w1", P.CAN_DO, c.f("f"));
      c.send("w1", P.GRAB_JOB);
      c.send("w1", P.GRAB_JOB);
      await c.sync();
      const handles = [c.handle("w1", 0), c.handle("w1", 1)];
      c.send("x", P.WORK_DATA, handles[0]!, "not yours");
      c.send("w1", P.WORK_STATUS, handles[0]!, "1", "2");
      await c.sync();
      await c.admin("status");
      await c.close("w1");
      await c.sync();
      await c.admin("status");
      c.send("w2", P.CAN_DO, c.f("f"));
      c.send("w2", P.GRAB_JOB);
      await c.sync();
      c.send("w2", P.CANT_DO, c.f("f"));
      await c.sync();
      await c.admin("status");
      c.send("w2", P.WORK_COMPLETE, handles[1]!, "late");
      c.send("w2", P.CAN_DO, c.f("f"));
      c.send("w2", P.GRAB_JOB);
      c.send("w2", P.GRAB_JOB);
      await c.sync();
      c.send("w2", P.RESET_ABILITIES);
      await c.sync();
      await c.admin("status");
    },
  ],
  [
    "WORK_EXCEPTION becomes WORK_FAIL without OPTION_REQ exceptions",
    async (c) => {
      for (const n of ["plain", "opted", "w"]) c.conn(n);
      c.send("opted", P.OPTION_REQ, "exceptions");
      c.send("opted", P.OPTION_REQ, "bogus");
      await c.sync();
      c.send("plain", P.SUBMIT_JOB, c.f("f"), "u", "a");
      await c.sync();
      c.send("opted", P.SUBMIT_JOB, c.f("f"), "u", "a");
      c.send("w", P.CAN_DO, c.f("f"));
      c.send("w", P.GRAB_JOB);
      await c.sync();
      const handle = c.handle("w");
      c.send("w", P.WORK_EXCEPTION, handle, "boom");
      await c.sync();
    },
  ],
  [
    "background jobs; abandoned foreground job dropped lazily; cancel job; maxqueue",
    async (c) => {
      for (const n of ["c", "c2", "w"]) c.conn(n);
      c.send("c", P.SUBMIT_JOB_BG, c.f("f"), "", "bg");
      c.send("c", P.SUBMIT_JOB, c.f("f"), "", "fg");
      await c.sync();
      await c.close("c");
      await c.admin("status");
      c.send("w", P.CAN_DO, c.f("f"));
      c.send("w", P.GRAB_JOB);
      await c.sync();
      const handle = c.handle("w");
      c.send("w", P.WORK_COMPLETE, handle, "");
      c.send("w", P.GRAB_JOB);
      await c.sync();
      await c.admin("status");
      c.send("c2", P.SUBMIT_JOB, c.f("q"), "", "queued");
      await c.sync();
      const queued = c.handle("c2");
      await c.admin(`cancel job ${queued}`);
      await c.admin("cancel job H:nosuch:1");
      await c.sync();
      await c.admin("status");
      await c.close("w");
      await c.admin("status");
      await c.admin(`maxqueue ${c.f("q")} 1`);
      c.send("c2", P.SUBMIT_JOB, c.f("q"), "", "over");
      await c.sync();
    },
  ],
  [
    "misc requests and errors",
    async (c) => {
      c.conn("c");
      c.send("c", P.ECHO_REQ, "hi\0there");
      c.send("c", P.SUBMIT_JOB, c.f("f"), "x".repeat(70), "a");
      c.send("c", P.GET_STATUS, "H:nosuch:1");
      c.send("c", P.GET_STATUS_UNIQUE, "nosuch");
      c.send("c", P.NOOP);
      c.send("c", P.ALL_YOURS);
      c.send("c", P.SUBMIT_JOB_SCHED, c.f("f"), "u", "1", "1", "1", "1", "1", "d");
      await c.sync();
      await c.admin("version");
      await c.admin("bogus command");
      await c.admin("maxqueue");
    },
  ],
];

async function runAll(port: number, tag: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let i = 0;
  for (const [name, run] of SCENARIOS) {
    const ctx = new Ctx(port, `${tag}${i++}_`);
    await run(ctx);
    out.set(name, await ctx.end());
  }
  return out;
}

void describe("embedded server conforms to gearmand 1.1.20", () => {
  let gearmand: Gearmand | undefined;
  const embedded = new GearmanServer();
  let real = new Map<string, string[]>();
  let ours = new Map<string, string[]>();

  before(async () => {
    gearmand = await startGearmand();
    const { port } = await embedded.start();
    real = await runAll(gearmand.port, "s");
    ours = await runAll(port, "s");
  });
  after(async () => {
    await embedded.close();
    await gearmand?.stop();
  });

  for (const [name] of SCENARIOS) {
    void it(name, () => {
      const want = real.get(name);
      assert.ok(want && want.length > 0, "gearmand transcript is empty");
      assert.deepEqual(ours.get(name), want);
    });
  }
});
