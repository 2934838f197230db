/**
 * Plays Nodepool, and does better: a ZeroMQ subscriber per sidecar (the project's subscribe() helper)
 * that receives events live, plus the admin API's `GET /events?since=N` every second to fill what the
 * live stream missed (a slow joiner after a restart, a drop). Each sidecar process has its own run id and
 * sequence, so the replay cursor is kept per run and starts again at 0 when the run id changes.
 */
import { subscribe, type Subscription } from "../../src/events/index.js";
import type { SidecarProcess } from "./sidecar-process.js";
import type { EventRecord } from "./types.js";

interface ReplayAnswer {
  events?: { topic?: unknown; event?: { name?: unknown; build?: { number?: unknown }; sequence?: unknown; run_id?: unknown } }[];
  runId?: unknown;
  gap?: unknown;
}

const REPLAY_LIMIT = 10_000;

export class EventCollector {
  readonly #sidecars: readonly SidecarProcess[];
  readonly #records = new Map<string, EventRecord>();
  readonly #subs: Subscription[] = [];
  readonly #cursor = new Map<string, { runId: string | null; since: number }>();
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  #closed = false;
  /** Replay answers that said `gap: true`: events that fell out of a ring before we fetched them. */
  gaps = 0;
  /** Received frames that did not carry a run id and sequence (not ours to count). */
  unsequenced = 0;
  readonly #loops: Promise<void>[] = [];
  /** A subscriber loop that ended with an error (it then receives nothing live; replay still runs). */
  readonly errors: string[] = [];

  constructor(sidecars: readonly SidecarProcess[]) {
    this.#sidecars = sidecars;
  }

  start(pollEveryMs = 1000): void {
    for (const s of this.#sidecars) {
      const sub = subscribe({ connect: s.zmqEndpoint });
      this.#subs.push(sub);
      this.#loops.push(this.#consume(s.spec.master, sub));
      this.#cursor.set(s.spec.master, { runId: null, since: 0 });
    }
    this.#timer = setInterval(() => {
      this.#polling ??= this.pollOnce().finally(() => (this.#polling = null));
    }, pollEveryMs);
  }

  async #consume(master: string, sub: Subscription): Promise<void> {
    try {
      for await (const e of sub) {
        const seq = e.event.sequence;
        const runId = e.event.run_id;
        if (typeof seq !== "number" || typeof runId !== "string") {
          this.unsequenced++;
          continue;
        }
        this.#add({ master, runId, seq, topic: e.topic, job: e.event.name, number: e.event.build.number, seenAt: Date.now(), via: "live" });
      }
    } catch (e) {
      if (!this.#closed) this.errors.push(`${master}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  #add(r: EventRecord): void {
    const k = `${r.master}\u0000${r.runId}\u0000${r.seq}`;
    if (!this.#records.has(k)) this.#records.set(k, r);
  }

  /** One replay round over every sidecar that answers. */
  async pollOnce(fromZero = false): Promise<void> {
    await Promise.all(this.#sidecars.map((s) => this.#replay(s, fromZero)));
  }

  async #replay(s: SidecarProcess, fromZero: boolean): Promise<void> {
    const master = s.spec.master;
    const cur = this.#cursor.get(master) ?? { runId: null, since: 0 };
    let since = fromZero ? 0 : cur.since;
    for (let round = 0; round < 20; round++) {
      const a = (await s.events(since, REPLAY_LIMIT)) as ReplayAnswer | null;
      if (a === null || typeof a.runId !== "string") return;
      if (a.runId !== cur.runId) {
        // A new process: its sequence starts at 1 again.
        if (since !== 0) {
          since = 0;
          cur.runId = a.runId;
          continue;
        }
        cur.runId = a.runId;
      }
      if (a.gap === true) this.gaps++;
      const list = a.events ?? [];
      for (const item of list) {
        const ev = item.event;
        const seq = ev?.sequence;
        const job = ev?.name;
        const number = ev?.build?.number;
        if (typeof seq !== "number" || typeof job !== "string" || typeof number !== "number" || typeof item.topic !== "string") continue;
        this.#add({ master, runId: typeof ev?.run_id === "string" ? ev.run_id : a.runId, seq, topic: item.topic, job, number, seenAt: Date.now(), via: "replay" });
        since = Math.max(since, seq);
      }
      cur.since = since;
      this.#cursor.set(master, cur);
      if (list.length < REPLAY_LIMIT) return;
    }
  }

  records(): EventRecord[] {
    return [...this.#records.values()];
  }

  /** Run ids seen per master, with the first and last time an event of that run was seen (to tie runs to processes). */
  runIds(): Map<string, { master: string; first: number; last: number }> {
    const m = new Map<string, { master: string; first: number; last: number }>();
    for (const r of this.#records.values()) {
      const x = m.get(r.runId);
      if (!x) m.set(r.runId, { master: r.master, first: r.seenAt, last: r.seenAt });
      else {
        x.first = Math.min(x.first, r.seenAt);
        x.last = Math.max(x.last, r.seenAt);
      }
    }
    return m;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#polling;
    for (const s of this.#subs) s.close();
    await Promise.allSettled(this.#loops);
  }
}
