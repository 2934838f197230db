/**
 * Keeping the executor picture true (docs/architecture.md "Polling"): the full node listing, and
 * between listings the two executor counts of ComputerSet against the picture and the Pipeline
 * flyweights on the built-in node. Each reads little and lists every node only when the picture
 * cannot explain what Jenkins says.
 */
import type { Logger } from "pino";

import type { BuildTracker, Tracked } from "./build-tracker.js";
import { buildRefFromUrl } from "./diff.js";
import type { ExecutorModel } from "./executor-model.js";
import type { LabelWatch } from "./label-watch.js";
import type { NodeInfo } from "../types.js";
import type { PollerClient } from "./types.js";

export interface PictureDeps {
  client: Pick<PollerClient, "executorCounts" | "builtInOneOffBuilds">;
  model: ExecutorModel;
  tracker: BuildTracker;
  /** Items that left the queue for a regular executor whose build does not exist yet. */
  unplaced(): number;
  /** Every node (the poller notes when it listed them). */
  listNodes(): Promise<NodeInfo[]>;
  /** Emits the node picture's changes. */
  emitNodes(): void;
  /** Lists every node and reports what the listing shows (fullListing, as the poller runs it). */
  fullListing(): Promise<void>;
  /** Queue items of ours followed until their build starts. */
  followedCount(): number;
  /** Looks each followed item up once and reports the builds that started. */
  lookUpFollowed(): Promise<void>;
  log: Logger;
  /**
   * Ended builds the probes did not find: since when (null: none), and how long the picture may
   * owe them before every node is listed. They are looked for again each cycle meanwhile: a
   * listing costs as much as a hundred probes, and the likeliest builds change as time passes.
   */
  owed: { since: number | null; graceMs: number };
  /** Relabels between listings (label-watch.ts). */
  labels: LabelWatch;
}

/** Lists every node; reports the builds it shows that nobody reported, then the picture, then the builds it no longer shows. */
export async function fullListing(d: PictureDeps): Promise<void> {
  const nodes = await d.listNodes();
  d.owed.since = null;
  d.labels.listed();
  d.model.replace(nodes);
  // Builds the listing shows that nobody reported: they started unseen.
  const onExecutors = [...d.model.builds().keys()].flatMap((url) => {
    const ref = buildRefFromUrl(url);
    return ref !== null && !d.tracker.has(ref.key) ? [ref] : [];
  });
  await d.tracker.learn(onExecutors);
  // The node picture goes out after the new builds (a listener counting free executors knows
  // which busy executor runs which build) and before the ends: a build whose agent was lost
  // is failed as lost before its FAILURE is seen.
  d.emitNodes();
  // Builds reported running that no executor holds: they may have ended.
  const gone = [...d.tracker.tracked()].filter((t) => d.model.holderOf(t.ref.url) === null);
  if (gone.length > 0) await d.tracker.probe(gone);
}

/**
 * The executor counts against the picture: equal, nothing to do; lower, some builds ended
 * (read the likeliest until the fall is explained); anything else, list every node.
 */
export async function reconcile(d: PictureDeps, full: boolean): Promise<void> {
  if (full) return d.fullListing();
  const counts = await d.client.executorCounts();
  let mine = d.model.counts();
  let expected = mine.busy + d.unplaced();
  const rise = counts.busy - expected;
  if (counts.total === mine.total && rise > 0 && d.followedCount() > 0 && d.followedCount() <= 4 * rise + 8) {
    // Our own triggers may have started since the queue snapshot: look them up (one small read
    // each, owed anyway) before listing every node.
    await d.lookUpFollowed();
    mine = d.model.counts();
    expected = mine.busy + d.unplaced();
  }
  if (counts.total !== mine.total || counts.busy > expected) {
    d.log.debug({ busy: counts.busy, expected, total: counts.total, pictureTotal: mine.total }, "executor counts not explained by the picture: listing every node");
    return d.fullListing();
  }
  // The counts say nothing of a relabel: the label atoms' totals do.
  if ((await d.labels.changed()) !== null) return d.fullListing();
  let owed = expected - counts.busy;
  if (owed <= 0) {
    d.owed.since = null;
    return;
  }
  const candidates = rankEndCandidates([...d.tracker.tracked()].filter((t) => !t.pipeline && d.model.agentOf(t.ref.url) !== null), Date.now());
  // A state read is about 200 bytes, a listing of every node 400 KB at 1,000 nodes: read more
  // candidates before listing, but not so many that the requests cost Jenkins more than it.
  const budget = Math.min(100, Math.max(8, 5 * owed));
  let i = 0;
  while (owed > 0 && i < candidates.length && i < budget) {
    const batch = candidates.slice(i, i + owed + 1);
    i += batch.length;
    owed -= await d.tracker.probe(batch);
  }
  if (owed <= 0) {
    d.owed.since = null;
    return;
  }
  const now = Date.now();
  d.owed.since ??= now;
  if (now - d.owed.since < d.owed.graceMs) return;
  d.log.debug({ owed, probed: i, candidates: candidates.length, tracked: d.tracker.size, busy: counts.busy, expected, unplaced: d.unplaced(), owedMs: now - d.owed.since }, "ended builds not found among the likeliest: listing every node");
  await d.fullListing();
}

/** Pipeline runs hold a flyweight on the built-in node: one small read says which are still there. */
export async function checkFlyweights(d: PictureDeps): Promise<void> {
  const held = new Set((await d.client.builtInOneOffBuilds()).map((b) => b.url));
  const gone = [...d.tracker.tracked()].filter((t) => t.pipeline && !held.has(t.ref.url) && d.model.agentOf(t.ref.url) === null);
  if (gone.length > 0) await d.tracker.probe(gone);
  const fresh = [...held].flatMap((url) => {
    const ref = buildRefFromUrl(url);
    return ref !== null && !d.tracker.has(ref.key) ? [ref] : [];
  });
  if (fresh.length > 0) await d.tracker.learn(fresh);
}

/**
 * Running builds by how likely they are to have ended: elapsed time over the expected duration,
 * highest first. The expected duration is Jenkins' estimate (the mean of the job's last good
 * builds), or the median estimate of the others for a build without one; and a build a probe
 * found still running at age `a` is not expected to end before `a` plus a tenth of the larger of
 * `a` and its estimate, so that the same survivors are not read again every cycle while builds
 * that did end wait behind them.
 */
export function rankEndCandidates(list: readonly Tracked[], now: number): Tracked[] {
  const known = list.map((t) => t.info.estimatedDuration).filter((e) => e > 0).sort((a, b) => a - b);
  const fallback = known.length > 0 ? (known[Math.floor(known.length / 2)] ?? 60_000) : 60_000;
  const score = (t: Tracked): number => {
    const estimate = t.info.estimatedDuration > 0 ? t.info.estimatedDuration : fallback;
    const age = t.probedAt - t.info.timestamp;
    const survived = t.probedAt > 0 ? age + 0.1 * Math.max(age, estimate) : 0;
    return (now - t.info.timestamp) / Math.max(1, estimate, survived);
  };
  return [...list].sort((a, b) => score(b) - score(a));
}
