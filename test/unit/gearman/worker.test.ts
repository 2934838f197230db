import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { GearmanWorker, PacketType, type WorkerJob } from "../../../src/gearman/index.js";
import { FakeServer, waitFor, type FakeConn } from "./fake-server.js";

const FAST = { backoff: { initialMs: 10, maxMs: 50 }, echoIntervalMs: 0 };

let cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function fake(): Promise<FakeServer> {
  const s = new FakeServer();
  await s.listen();
  cleanups.push(() => s.close());
  return s;
}

function worker(servers: FakeServer[], capacity = 1): GearmanWorker {
  const w = new GearmanWorker({ clientId: "t", servers: servers.map((s) => s.address), capacity, connection: FAST });
  cleanups.push(() => w.close());
  return w;
}

/**
 * Everything the worker decided to send so far (its own counters) has reached the fake servers:
 * after this, a packet the worker must not send would have shown up. Event-driven, no fixed wait.
 */
async function delivered(w: GearmanWorker, servers: FakeServer[]): Promise<void> {
  const sum = (name: string): number => servers.reduce((n, s) => n + s.count(name), 0);
  await waitFor(
    () => {
      const st = w.stats();
      return sum("GRAB_JOB_UNIQ") === st.grabsSent && sum("CAN_DO") === st.canDoSent && sum("CANT_DO") === st.cantDoSent && sum("RESET_ABILITIES") === st.resetSent;
    },
    3000,
    "the worker's packets to reach the servers",
  );
}

/** Fake-server latency without a clock: `f` runs after `hops` turns of the event loop. */
function later(hops: number, f: () => void): void {
  if (hops <= 0) f();
  else setImmediate(() => later(hops - 1, f));
}

let handles = 0;
function assign(c: FakeConn, fn: string): void {
  c.send(PacketType.JOB_ASSIGN_UNIQ, [`H:fake:${++handles}`, fn, `u${handles}`, "payload"]);
}

void describe("GearmanWorker registration diff", () => {
  void it("sends SET_CLIENT_ID, RESET_ABILITIES, one CAN_DO per function, and never a duplicate", async () => {
    const s = await fake();
    s.onPacket = (c, p) => {
      if (p.type === PacketType.GRAB_JOB_UNIQ) c.send(PacketType.NO_JOB);
    };
    const w = worker([s]);
    w.setFunctions(["a", "b"]);
    w.start();
    await waitFor(() => s.count("PRE_SLEEP") === 1, 3000, "first sleep");
    w.setFunctions(["a", "b", "c"]);
    w.setFunctions(["c", "b", "a"]);
    w.setFunctions(["a"]);
    await waitFor(() => s.count("CANT_DO") === 2);
    await delivered(w, [s]);
    const log = s.conns[0]!.log.filter((l) => !/GRAB|SLEEP/.test(l));
    assert.deepEqual(log, ["SET_CLIENT_ID t", "RESET_ABILITIES", "CAN_DO a", "CAN_DO b", "CAN_DO c", "CANT_DO b", "CANT_DO c"]);
    assert.deepEqual([...w.functions], ["a"]);
    const st = w.stats();
    assert.equal(st.canDoSent, 3);
    assert.equal(st.cantDoSent, 2);
  });

  void it("defers CANT_DO for a function with a job running on that connection until the job ends", async () => {
    // docs/contract.md "CANT_DO and RESET_ABILITIES requeue a running job": CANT_DO mid-job makes gearmand requeue the job
    const s = await fake();
    let given = false;
    s.onPacket = (c, p) => {
      if (p.type !== PacketType.GRAB_JOB_UNIQ) return;
      if (!given) {
        given = true;
        assign(c, "a");
      } else c.send(PacketType.NO_JOB);
    };
    const w = worker([s], 2);
    const jobs: WorkerJob[] = [];
    w.on("job", (j) => jobs.push(j));
    w.setFunctions(["a"]);
    w.start();
    await waitFor(() => jobs.length === 1);
    w.setFunctions(["b"]);
    await waitFor(() => s.count("CAN_DO b") === 1);
    await delivered(w, [s]);
    assert.equal(s.count("CANT_DO a"), 0, "CANT_DO a must wait for the running job");
    assert.ok(jobs[0]!.complete("ok"));
    await waitFor(() => s.count("CANT_DO a") === 1);
    const log = s.conns[0]!.log;
    assert.ok(log.indexOf(`WORK_COMPLETE ${jobs[0]!.handle} ok`) < log.indexOf("CANT_DO a"));
    assert.equal(w.serverStatus()[0]!.functions, 1);
  });

  void it("sends one RESET_ABILITIES when the set becomes empty and nothing runs", async () => {
    const s = await fake();
    s.onPacket = (c, p) => {
      if (p.type === PacketType.GRAB_JOB_UNIQ) c.send(PacketType.NO_JOB);
    };
    const w = worker([s]);
    w.setFunctions(["a", "b", "c"]);
    w.start();
    await waitFor(() => s.count("PRE_SLEEP") === 1);
    w.setFunctions([]);
    await waitFor(() => s.count("RESET_ABILITIES") === 2);
    assert.equal(s.count("CANT_DO"), 0);
  });
});

void describe("GearmanWorker capacity", () => {
  void it("holds outstanding grabs + running jobs to capacity across 2 servers", async () => {
    const a = await fake();
    const b = await fake();
    const grabs = [0, 0];
    for (const [i, s] of [a, b].entries()) {
      s.onPacket = (c, p) => {
        if (p.type === PacketType.GRAB_JOB_UNIQ) {
          grabs[i]!++;
          later(5, () => assign(c, "f"));
        }
      };
    }
    const w = worker([a, b], 3);
    const jobs: WorkerJob[] = [];
    let maxInUse = 0;
    const check = (): void => {
      maxInUse = Math.max(maxInUse, w.outstandingGrabs + w.running);
    };
    w.on("job", (j) => {
      jobs.push(j);
      check();
    });
    w.setFunctions(["f"]);
    w.start();
    await waitFor(() => jobs.length === 3);
    await delivered(w, [a, b]);
    // Saturated: no further grab reaches either server.
    assert.equal(grabs[0]! + grabs[1]!, 3);
    assert.equal(w.running, 3);
    assert.equal(w.outstandingGrabs, 0);
    // Each completion frees exactly one slot.
    for (let round = 0; round < 20; round++) {
      const j = jobs.find((x) => !x.done)!;
      j.complete();
      check();
      await waitFor(() => jobs.length === 4 + round, 3000, `job ${4 + round}`);
      await delivered(w, [a, b]);
      assert.equal(grabs[0]! + grabs[1]!, 4 + round);
      check();
    }
    assert.ok(maxInUse <= 3, `in use peaked at ${maxInUse}`);
    assert.ok(grabs[0]! > 0 && grabs[1]! > 0, `both servers grabbed: ${grabs.join(",")}`);
  });

  void it("never exceeds capacity with random NO_JOB/NOOP/assign on 2 servers; setCapacity applies", async () => {
    const servers = [await fake(), await fake()];
    let seed = 7;
    const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    // Answers, wake-ups and job ends come after a random number of event-loop turns: their
    // order is shuffled (seeded), with no clock. `pending` counts those not run yet.
    let pending = 0;
    const w = worker(servers, 2);
    let peak = 0;
    const sample = (): void => {
      peak = Math.max(peak, w.outstandingGrabs + w.running);
    };
    const soon = (hops: number, f: () => void): void => {
      pending++;
      later(hops, () => {
        pending--;
        sample();
        f();
      });
    };
    for (const s of servers) {
      s.onPacket = (c, p) => {
        if (p.type === PacketType.GRAB_JOB_UNIQ) {
          soon(Math.floor(rnd() * 5), () => (rnd() < 0.5 ? assign(c, "f") : c.send(PacketType.NO_JOB)));
        } else if (p.type === PacketType.PRE_SLEEP) {
          soon(Math.floor(rnd() * 10), () => c.send(PacketType.NOOP));
        }
      };
    }
    let done = 0;
    w.on("job", (j) => {
      sample();
      soon(Math.floor(rnd() * 10), () => {
        j.complete();
        done++;
      });
    });
    w.setFunctions(["f"]);
    w.start();
    await waitFor(() => done >= 60, 5000, "60 jobs");
    w.setCapacity(0);
    // Counted where the decision is made: a GRAB written just before setCapacity(0) may still be
    // on its way to the fake server, and a grab already outstanding cannot be recalled.
    const before = w.stats().grabsSent;
    await waitFor(() => w.running === 0 && w.outstandingGrabs === 0, 3000, "drain");
    // Every answer and wake-up the fake servers still owed has been sent, and what the worker
    // sent in return has arrived.
    await waitFor(() => pending === 0, 3000, "the fake servers' pending answers");
    await delivered(w, servers);
    const after = w.stats().grabsSent;
    assert.ok(peak <= 2, `in use peaked at ${peak}`);
    assert.ok(after - before <= 0, "no grab after setCapacity(0)");
  });

  void it("remembers a NOOP that came while capacity was full and grabs there when a slot frees", async () => {
    const a = await fake();
    const b = await fake();
    let bGives = true;
    a.onPacket = (c, p) => {
      if (p.type === PacketType.GRAB_JOB_UNIQ) c.send(PacketType.NO_JOB);
    };
    b.onPacket = (c, p) => {
      if (p.type !== PacketType.GRAB_JOB_UNIQ) return;
      if (bGives) {
        bGives = false;
        assign(c, "f");
      } else c.send(PacketType.NO_JOB);
    };
    const w = worker([a, b], 1);
    const jobs: WorkerJob[] = [];
    w.on("job", (j) => jobs.push(j));
    const errors: string[] = [];
    w.on("error", (e) => errors.push(e.message));
    w.setFunctions(["f"]);
    w.start();
    await waitFor(() => jobs.length === 1, 3000, "job from b");
    await waitFor(() => a.count("PRE_SLEEP") >= 1, 3000, "a asleep");
    const aGrabs = a.count("GRAB_JOB_UNIQ");
    a.conns[0]!.send(PacketType.NOOP); // capacity full: must be remembered, not answered
    // An ERROR after it on the same connection: once the worker reports it, the NOOP was handled.
    a.conns[0]!.send(PacketType.ERROR, ["BARRIER", "after the NOOP"]);
    await waitFor(() => errors.some((m) => m.includes("BARRIER")), 3000, "the NOOP handled");
    await delivered(w, [a, b]);
    assert.equal(a.count("GRAB_JOB_UNIQ"), aGrabs);
    jobs[0]!.complete();
    await waitFor(() => a.count("GRAB_JOB_UNIQ") === aGrabs + 1, 3000, "grab on a after the slot freed");
  });
});

void describe("GearmanWorker reconnect", () => {
  void it("re-registers after the server drops the socket, and marks the running job lost", async () => {
    const s = await fake();
    let first = true;
    s.onPacket = (c, p) => {
      if (p.type !== PacketType.GRAB_JOB_UNIQ) return;
      if (first) {
        first = false;
        assign(c, "a");
      } else c.send(PacketType.NO_JOB);
    };
    const w = worker([s], 1);
    const jobs: WorkerJob[] = [];
    w.on("job", (j) => jobs.push(j));
    w.setFunctions(["a", "b"]);
    w.start();
    await waitFor(() => jobs.length === 1);
    let lost = 0;
    jobs[0]!.on("lost", () => lost++);
    s.conns[0]!.socket.destroy();
    await waitFor(() => s.conns.length === 2 && s.conns[1]!.log.includes("CAN_DO b"), 3000, "re-registration");
    assert.deepEqual(s.conns[1]!.log.slice(0, 4), ["SET_CLIENT_ID t", "RESET_ABILITIES", "CAN_DO a", "CAN_DO b"]);
    assert.equal(lost, 1);
    assert.equal(jobs[0]!.lost, true);
    assert.equal(jobs[0]!.sendData("x"), false, "a lost job's sends are no-ops");
    assert.equal(jobs[0]!.complete(), false);
    await waitFor(() => s.conns[1]!.log.includes("GRAB_JOB_UNIQ"), 3000, "grab after reconnect");
    assert.equal(w.running, 0);
    assert.equal(w.stats().reconnects, 1);
  });
});
