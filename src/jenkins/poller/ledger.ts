/**
 * What the poller has reported, kept across restarts (docs/architecture.md
 * "Events across a restart"), so that a restarted sidecar reports the builds that started or
 * ended while it was down, and does not report again what it already had.
 *
 * Per job, a watermark: every build number up to `through` was seen (reported started, or
 * already there when the job was first seen), plus the numbers seen above it (builds of one
 * job start in number order, but may be seen out of order). And the open builds: reported
 * started, not yet finished. A build number no poll saw is `through < n <= nextBuildNumber-1`
 * and not seen: the safety net fetches it. Jenkins numbers builds in start order
 * (Job.assignBuildNumber), so this is exact, and costs no build record.
 *
 * Persisted as an append-only journal of JSON lines through a JournalStore (one line per
 * change; a snapshot rewrite when the journal grows), written in the tick after the change: a
 * crash between a report and its line means that report is made once more by the next process.
 */
import { buildKey, type BuildRef } from "./diff.js";

/** Lines of an append-only journal; rewrite() replaces them all (atomically). */
export interface JournalStore {
  load(): Promise<string[]>;
  append(lines: readonly string[]): Promise<void>;
  rewrite(lines: readonly string[]): Promise<void>;
}

interface JobMark {
  through: number;
  above: Set<number>;
}

type Line =
  | { b: [string, number, ...number[]] } // baseline: job, through, seen numbers above it
  | { s: [string, number, string] } // started: job, number, url
  | { f: [string, number] } // finished (or gone)
  | { n: [string, number] } // settled: a number with no build (404)
  | { d: string }; // job deleted

/** Journal lines appended before the journal is rewritten as a snapshot (and at least 4x the snapshot). */
const COMPACT_AFTER = 50_000;

export class BuildLedger {
  readonly #store: JournalStore | null;
  readonly #jobs = new Map<string, JobMark>();
  readonly #open = new Map<string, BuildRef>();
  #initialized = false;
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #scheduled = false;
  #appended = 0;
  #error: Error | null = null;

  private constructor(store: JournalStore | null) {
    this.#store = store;
  }

  /** A ledger kept in memory only (tests, or no state file). */
  static memory(): BuildLedger {
    return new BuildLedger(null);
  }

  /** Reads the journal; an unreadable line (a crash mid-write) ends the replay there. */
  static async open(store: JournalStore): Promise<BuildLedger> {
    const l = new BuildLedger(store);
    const lines = await store.load();
    for (const text of lines) {
      if (text.trim() === "") continue;
      let line: Line;
      try {
        line = JSON.parse(text) as Line;
      } catch {
        break;
      }
      l.#apply(line);
    }
    l.#initialized = l.#jobs.size > 0 || l.#open.size > 0;
    l.#appended = lines.length;
    return l;
  }

  /** False until the ledger has seen its first job listing: then nothing before it is owed. */
  get initialized(): boolean {
    return this.#initialized;
  }

  /** The last write error, if the journal could not be written (the ledger keeps working in memory). */
  get writeError(): Error | null {
    return this.#error;
  }

  knows(job: string): boolean {
    return this.#jobs.has(job);
  }

  /** First sight of a job: builds up to `through` are owed nothing. */
  baseline(job: string, through: number): void {
    if (this.#jobs.has(job)) return;
    this.#write({ b: [job, through] });
  }

  /** Call once every job of the first listing has a baseline. */
  markInitialized(): void {
    this.#initialized = true;
  }

  started(ref: BuildRef): void {
    if (this.#open.has(ref.key) && this.seen(ref.jobFullName, ref.number)) return;
    this.#write({ s: [ref.jobFullName, ref.number, ref.url] });
  }

  finished(ref: { jobFullName: string; number: number; key: string }): void {
    if (!this.#open.has(ref.key) && this.seen(ref.jobFullName, ref.number)) return;
    this.#write({ f: [ref.jobFullName, ref.number] });
  }

  /** A build number that has no build (deleted, or skipped by Jenkins): owed nothing. */
  settle(job: string, number: number): void {
    if (this.seen(job, number)) return;
    this.#write({ n: [job, number] });
  }

  forget(job: string): void {
    if (!this.#jobs.has(job)) return;
    this.#write({ d: job });
  }

  isOpen(key: string): boolean {
    return this.#open.has(key);
  }

  seen(job: string, number: number): boolean {
    const m = this.#jobs.get(job);
    return m !== undefined && (number <= m.through || m.above.has(number));
  }

  /** Reported started, not yet finished: to be followed to their end by a new process. */
  openBuilds(): BuildRef[] {
    return [...this.#open.values()];
  }

  /** Build numbers up to `last` never seen, the newest `cap` of them. */
  missing(job: string, last: number, cap: number): number[] {
    const m = this.#jobs.get(job);
    if (m === undefined) return [];
    const out: number[] = [];
    for (let n = last; n > m.through && out.length < cap; n--) if (!m.above.has(n)) out.push(n);
    return out.reverse();
  }

  /** Resolves once every change so far is in the journal. */
  async flush(): Promise<void> {
    for (;;) {
      // Lines still pending are handed to the store on the next macrotask (scheduleWrite).
      if (this.#pending.length > 0 || this.#scheduled) await new Promise<void>((r) => setImmediate(r));
      const w = this.#writing;
      await w;
      if (w === this.#writing && this.#pending.length === 0 && !this.#scheduled) return;
    }
  }

  #write(line: Line): void {
    this.#apply(line);
    if (this.#store === null) return;
    this.#pending.push(JSON.stringify(line));
    this.#scheduleWrite();
  }

  #apply(line: Line): void {
    if ("b" in line) {
      const [job, through, ...above] = line.b;
      this.#jobs.set(job, { through, above: new Set(above) });
    } else if ("s" in line) {
      const [job, number, url] = line.s;
      this.#mark(job, number);
      this.#open.set(buildKey(job, number), { key: buildKey(job, number), url, jobFullName: job, number });
    } else if ("f" in line) {
      const [job, number] = line.f;
      this.#mark(job, number);
      this.#open.delete(buildKey(job, number));
    } else if ("n" in line) {
      this.#mark(line.n[0], line.n[1]);
    } else if ("d" in line) {
      this.#jobs.delete(line.d);
      for (const [k, r] of this.#open) if (r.jobFullName === line.d) this.#open.delete(k);
    }
  }

  /** Marks a number seen and moves the watermark over every contiguous seen number. */
  #mark(job: string, number: number): void {
    let m = this.#jobs.get(job);
    if (m === undefined) {
      // A job first seen through one of its builds (created after the last listing): every
      // build before it is owed, and the safety net fetches them.
      m = { through: 0, above: new Set() };
      this.#jobs.set(job, m);
    }
    if (number <= m.through) return;
    m.above.add(number);
    while (m.above.delete(m.through + 1)) m.through++;
  }

  #scheduleWrite(): void {
    if (this.#scheduled || this.#store === null || this.#pending.length === 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      const store = this.#store;
      const lines = this.#pending;
      this.#pending = [];
      if (store === null || lines.length === 0) return;
      this.#writing = this.#writing
        .then(async () => {
          this.#appended += lines.length;
          if (this.#appended > COMPACT_AFTER && this.#appended > 4 * (this.#jobs.size + this.#open.size)) {
            const snap = this.#snapshot();
            await store.rewrite(snap);
            this.#appended = snap.length;
          } else await store.append(lines);
          this.#error = null;
        })
        .catch((e: unknown) => {
          this.#error = e instanceof Error ? e : new Error(String(e));
        });
    });
  }

  #snapshot(): string[] {
    const out: string[] = [];
    for (const [job, m] of this.#jobs) out.push(JSON.stringify({ b: [job, m.through, ...m.above] }));
    for (const r of this.#open.values()) out.push(JSON.stringify({ s: [r.jobFullName, r.number, r.url] }));
    return out;
  }
}
