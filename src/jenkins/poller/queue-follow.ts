/**
 * The one follower of queue items (docs/architecture.md "Polling"): the queue snapshot of each
 * cycle, the items the sidecar triggered (follow()), and the items that left the queue, looked
 * up one by one (a LeftItem stays readable for 5 minutes, Queue.java:225; after that the build is
 * found by its queueId, Run.java:453). What a lookup finds is either a start (the build's URL) or
 * the end of the item (cancelled, or forgotten without a build).
 */
import type { Logger } from "pino";
import PQueue from "p-queue";

import { coerceError } from "../../util/index.js";
import type { QueueItem } from "../types.js";
import { buildRefFromUrl, jobFullNameFromUrl, type BuildRef } from "./diff.js";
import type { PollerClient } from "./types.js";

export interface QueueFollowDeps {
  client: Pick<PollerClient, "listQueue" | "getQueueItem" | "findBuildByQueueId">;
  /** A build with this queue id was already reported: no need to look its item up. */
  knownQueueId(id: number): boolean;
  isPipeline(job: string): boolean;
  /** A followed item changed. */
  changed(item: QueueItem): void;
  /** A followed item is gone, with no build. */
  gone(id: number, job: string): void;
  error(e: Error): void;
  logger: Logger;
  concurrency: number;
  /**
   * Beyond the first MIN_LOOKUPS_PER_CYCLE items, a cycle starts no new look-up once it has spent
   * this long on them, so that a burst of starts cannot stretch a cycle past its interval.
   * @default 1000
   */
  lookupBudgetMs?: number;
  now?: () => number;
}

interface Followed {
  readonly job: string;
  /** The number of the queue GET that started after the follow began: an absence before it says nothing. */
  readonly after: number;
  item: QueueItem | null;
}

interface Lookup {
  readonly id: number;
  readonly job: string;
  attempts: number;
}

/** A build that started from a queue item; `item`: the LeftItem, when the look-up found one (not when the build was found by its queue id). */
export interface QueueStart {
  ref: BuildRef;
  ours: boolean;
  item: QueueItem | null;
}

/** A LeftItem whose executable is still null is read again this many cycles (Executor.java:380-396) before it is given up. */
const MAX_LOOKUP_ATTEMPTS = 30;
/**
 * Items looked up per cycle: at least the first MIN (each is one small GET, and each is a build
 * start), then more while the cycle's look-up budget lasts, up to MAX. With 50 alone, starts were
 * capped at 50 a cycle: 100 builds/s at a 500 ms poll whatever the sidecar's CPU (bench ceiling).
 */
const MIN_LOOKUPS_PER_CYCLE = 50;
const MAX_LOOKUPS_PER_CYCLE = 1000;

export class QueueFollow {
  readonly #d: QueueFollowDeps;
  #snapshot = new Map<number, QueueItem>();
  readonly #followed = new Map<number, Followed>();
  readonly #lookups = new Map<number, Lookup>();
  #fetches = 0;
  #unplaced = 0;

  constructor(d: QueueFollowDeps) {
    this.#d = d;
  }

  /** The live items of the last snapshot. */
  get snapshot(): ReadonlyMap<number, QueueItem> {
    return this.#snapshot;
  }

  /**
   * Items that left the queue for a regular executor whose build does not exist yet (the
   * executable:null window): they hold a busy executor the picture does not show.
   */
  get unplaced(): number {
    return this.#unplaced;
  }

  /** Follow an item the sidecar just triggered, even if no snapshot ever shows it. */
  follow(id: number, job: string): void {
    if (this.#followed.has(id)) return;
    this.#followed.set(id, { job, after: this.#fetches + 1, item: this.#snapshot.get(id) ?? null });
  }

  unfollow(id: number): void {
    this.#followed.delete(id);
  }

  /** One cycle: the snapshot, then the items that left it; returns the builds that started (`ours`: a followed item's). */
  async cycle(): Promise<QueueStart[]> {
    const fetchNo = ++this.#fetches;
    const list = await this.#d.client.listQueue();
    const next = new Map(list.map((q) => [q.id, q]));
    for (const [id, item] of this.#snapshot) {
      if (!next.has(id) && !this.#lookups.has(id) && !this.#d.knownQueueId(id)) this.#lookups.set(id, { id, job: jobOf(item), attempts: 0 });
    }
    for (const [id, f] of this.#followed) {
      const item = next.get(id);
      if (item !== undefined) {
        if (f.item === null || f.item.why !== item.why || f.item.state !== item.state) this.#d.changed(item);
        f.item = item;
      } else if (f.after <= fetchNo && !this.#lookups.has(id)) {
        // Watched while this snapshot's GET was in flight: the trigger may have landed after
        // Jenkins answered it, so only a snapshot that started after the follow decides.
        this.#lookups.set(id, { id, job: f.job, attempts: 0 });
      }
    }
    this.#snapshot = next;
    return this.#lookUp();
  }

  /**
   * Looks up the followed items not seen leaving yet (the sidecar's own triggers, which may
   * have started since the snapshot): the poller asks when the executor counts are higher than
   * its picture, before listing every node. Returns the builds that started.
   */
  async lookUpFollowed(): Promise<QueueStart[]> {
    for (const [id, f] of this.#followed) if (!this.#lookups.has(id)) this.#lookups.set(id, { id, job: f.job, attempts: 0 });
    return this.#lookUp();
  }

  /** Followed items whose start is not known yet. */
  get followedCount(): number {
    return this.#followed.size;
  }

  async #lookUp(): Promise<QueueStart[]> {
    // A foreign item whose build was already reported (seen on an executor) needs no look-up;
    // the sidecar's own items are always resolved, as the bridge waits for their start.
    for (const l of [...this.#lookups.values()]) if (!this.#followed.has(l.id) && this.#d.knownQueueId(l.id)) this.#drop(l.id);
    const batch = [...this.#lookups.values()].slice(0, MAX_LOOKUPS_PER_CYCLE);
    const starts: QueueStart[] = [];
    let unplaced = 0;
    const now = this.#d.now ?? Date.now;
    const t0 = now();
    const budgetMs = this.#d.lookupBudgetMs ?? 1000;
    const q = new PQueue({ concurrency: this.#d.concurrency });
    await q.addAll(
      batch.map((l, i) => async () => {
        // Left for the next cycle: the lookup stays in #lookups.
        if (i >= MIN_LOOKUPS_PER_CYCLE && now() - t0 > budgetMs) return;
        try {
          const ours = this.#followed.has(l.id);
          const r = await this.#lookUpOne(l);
          if (r === "unplaced") unplaced++;
          else if (r !== null) starts.push({ ...r, ours });
        } catch (e) {
          this.#d.error(coerceError(e));
        }
      }),
    );
    this.#unplaced = unplaced;
    return starts;
  }

  async #lookUpOne(l: Lookup): Promise<{ ref: BuildRef; item: QueueItem | null } | "unplaced" | null> {
    const item = await this.#d.client.getQueueItem(l.id);
    const ours = this.#followed.has(l.id);
    if (item === null) {
      // Forgotten (5 minutes after it left): find the build through its queue id.
      const b = l.job === "" ? null : await this.#d.client.findBuildByQueueId(l.job, l.id);
      this.#drop(l.id);
      const ref = b === null ? null : buildRefFromUrl(b.url, b.number);
      if (ref !== null) return { ref, item: null };
      if (ours) this.#d.gone(l.id, l.job);
      return null;
    }
    if (ours) {
      const f = this.#followed.get(l.id);
      if (f !== undefined && (f.item === null || f.item.state !== item.state || f.item.why !== item.why || f.item.cancelled !== item.cancelled || f.item.executable?.url !== item.executable?.url)) {
        f.item = item;
        this.#d.changed(item);
      }
    }
    if (item.state !== "left") {
      // Still queued after all (a snapshot race): the next snapshot shows it again.
      this.#lookups.delete(l.id);
      return null;
    }
    if (item.cancelled) {
      this.#drop(l.id);
      return null;
    }
    if (item.executable === null) {
      // Started, build not created yet (Executor.java:380-396): read it again next cycle.
      if (++l.attempts >= MAX_LOOKUP_ATTEMPTS) {
        this.#d.logger.warn({ queueId: l.id }, "a queue item left the queue but its build never appeared; giving it up");
        this.#drop(l.id);
        return null;
      }
      return this.#d.isPipeline(l.job) ? null : "unplaced";
    }
    this.#drop(l.id);
    const ref = buildRefFromUrl(item.executable.url, item.executable.number);
    return ref === null ? null : { ref, item };
  }

  #drop(id: number): void {
    this.#lookups.delete(id);
    this.#followed.delete(id);
  }
}

/** The job of a queue item, from its task URL. */
function jobOf(item: QueueItem): string {
  return jobFullNameFromUrl(item.jobUrl) ?? "";
}
