/**
 * Relabels between node listings (docs/architecture.md "Polling"). A relabel changes neither
 * ComputerSet count, so each label atom the jobs' expressions use is asked for its executors
 * (`label/ATOM/api/json?tree=totalExecutors`, about 60 bytes) and compared with the picture: a
 * node that gained or lost an atom changes that atom's total, and every node is listed. Up to
 * `maxPerCycle` atoms a cycle, in turn. Node names (self-labels) are not asked for: a node's name
 * cannot change. An atom that still disagrees after the listing (Jenkins counts it differently)
 * is not asked for again until its figures change, so it cannot make every cycle list every node.
 */
import type { Logger } from "pino";
import PQueue from "p-queue";

import { labelAtoms, parseLabelExpression } from "../../util/index.js";
import type { JobInfo } from "../types.js";
import type { ExecutorModel } from "./executor-model.js";
import type { PollerClient } from "./types.js";

export class LabelWatch {
  readonly #client: Pick<PollerClient, "labelExecutors">;
  readonly #model: ExecutorModel;
  readonly #log: Logger;
  readonly #concurrency: number;
  readonly #maxPerCycle: number;
  #atoms: string[] = [];
  #jobsSeen: ReadonlyMap<string, JobInfo> | null = null;
  #next = 0;
  /** Atoms whose disagreement a listing did not explain: the figures ("jenkins/picture") it had. */
  readonly #unexplained = new Map<string, string>();
  /** The disagreements that asked for the last listing. */
  #asked = new Map<string, string>();

  constructor(o: { client: Pick<PollerClient, "labelExecutors">; model: ExecutorModel; logger: Logger; concurrency: number; maxPerCycle: number }) {
    this.#client = o.client;
    this.#model = o.model;
    this.#log = o.logger;
    this.#concurrency = o.concurrency;
    this.#maxPerCycle = o.maxPerCycle;
  }

  /** The atoms of the jobs' label expressions (recomputed when the job map changes). */
  follow(jobs: ReadonlyMap<string, JobInfo>): void {
    if (jobs === this.#jobsSeen) return;
    this.#jobsSeen = jobs;
    const atoms = new Set<string>();
    for (const j of jobs.values()) {
      const e = j.labelExpression?.trim() ?? "";
      if (e === "") continue;
      try {
        for (const a of labelAtoms(parseLabelExpression(e))) atoms.add(a);
      } catch {
        // A job Jenkins cannot schedule: its label counts nothing.
      }
    }
    this.#atoms = [...atoms].sort();
  }

  /** A listing happened: disagreements that asked for it and remain are not asked about again. */
  listed(): void {
    this.#unexplained.clear();
    for (const [a, v] of this.#asked) this.#unexplained.set(a, v);
    this.#asked = new Map();
  }

  /** Reads this cycle's atoms; returns the first disagreement with the picture, or null. */
  async changed(): Promise<string | null> {
    const names = new Set(this.#model.nodes.keys());
    const atoms = this.#atoms.filter((a) => !names.has(a) && a !== "built-in");
    if (atoms.length === 0) return null;
    const turn = atoms.length <= this.#maxPerCycle ? atoms : Array.from({ length: this.#maxPerCycle }, (_, i) => atoms[(this.#next + i) % atoms.length] as string);
    this.#next = (this.#next + turn.length) % atoms.length;
    const q = new PQueue({ concurrency: this.#concurrency });
    const totals = await q.addAll(turn.map((a) => () => this.#client.labelExecutors(a)));
    const mine = this.#model.labelTotals(turn);
    let why: string | null = null;
    turn.forEach((a, i) => {
      const seen = `${totals[i] ?? 0}/${mine.get(a) ?? 0}`;
      if (totals[i] === mine.get(a)) {
        this.#unexplained.delete(a);
        return;
      }
      if (this.#unexplained.get(a) === seen) return;
      this.#asked.set(a, seen);
      why ??= `label ${JSON.stringify(a)}: Jenkins counts ${totals[i] ?? 0} executors, the picture ${mine.get(a) ?? 0}`;
    });
    if (why !== null) this.#log.debug({ why }, "a label's executors changed (a relabel): listing every node");
    return why;
  }
}
