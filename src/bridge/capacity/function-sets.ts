/**
 * Which function set each node registers (the plugin's rules in ../functions.ts), computed
 * once per distinct node signature: a node's set depends only on its online and exclusive
 * state and on its labels among those some job names, so 1,000 nodes of 20 label sets cost 20
 * evaluations over the jobs, not 1,000 (at OpenStack scale, 20,000 x 1,000 label checks a poll).
 */
import type { JobInfo, NodeInfo } from "../ports.js";
import { compileJobs, functionsForNode, parseBuildFunction, type CompiledJob } from "../functions.js";

export function isOnline(n: NodeInfo): boolean {
  return !n.offline && !n.temporarilyOffline;
}

export class FunctionSets {
  #compiled: CompiledJob[] = [];
  /** function's job name -> full names of the jobs it may run (several when short names clash across folders). */
  #jobsByName = new Map<string, string[]>();
  #badLabels: { job: string; error: string }[] = [];
  /** Every label atom some job names. */
  #atoms = new Set<string>();
  /** Function sets by (online, exclusive, relevant labels), until the jobs change. Frozen: groups key them by identity. */
  #cache = new Map<string, readonly string[]>();

  setJobs(jobs: Iterable<JobInfo>): void {
    const list = [...jobs];
    this.#compiled = compileJobs(list.map((j) => ({ name: j.name, disabled: j.disabled || !j.buildable, labelExpression: j.labelExpression })));
    this.#badLabels = this.#compiled.flatMap((c) => (c.error !== null ? [{ job: c.name, error: c.error }] : []));
    this.#atoms = new Set(this.#compiled.flatMap((c) => c.atoms));
    this.#cache.clear();
    const byName = new Map<string, string[]>();
    for (const j of list) {
      const names = byName.get(j.name);
      if (names) names.push(j.fullName);
      else byName.set(j.name, [j.fullName]);
    }
    this.#jobsByName = byName;
  }

  /** Full names of the jobs a `build:` function names (short-name clashes give several). */
  jobsFor(fn: string): readonly string[] {
    const parsed = parseBuildFunction(fn);
    return parsed === null ? [] : (this.#jobsByName.get(parsed.job) ?? []);
  }

  /** Short names shared by several jobs in different folders: one function, several jobs. */
  clashes(): { name: string; jobs: string[] }[] {
    return [...this.#jobsByName].filter(([, v]) => v.length > 1).map(([name, jobs]) => ({ name, jobs }));
  }

  get badLabels(): readonly { job: string; error: string }[] {
    return this.#badLabels;
  }

  /** The node's function set: memoised and frozen (callers compare sets by identity). */
  of(n: NodeInfo): readonly string[] {
    const online = isOnline(n);
    const relevant = n.labels.filter((l) => this.#atoms.has(l)).sort();
    const key = `${online ? 1 : 0}${n.exclusive ? 1 : 0}\n${relevant.join("\n")}`;
    let fns = this.#cache.get(key);
    if (fns === undefined) {
      fns = Object.freeze(functionsForNode({ name: n.name, labels: n.labels, exclusive: n.exclusive, online }, this.#compiled));
      this.#cache.set(key, fns);
    }
    return fns;
  }
}
