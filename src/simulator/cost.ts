/**
 * The cost model (docs/master-cost.md): for every request other than /__sim/, the bytes of the
 * answer body, the values the exporter visited (counted by render.ts), and the build records the
 * request made Jenkins resolve ("touched") and, of those, the ones it had to read from disk
 * ("loaded", per cost-memory.ts). Kept per endpoint class, per query shape and in total.
 */
import { BuildMemory } from "./cost-memory.js";
import { BUILD_CLASSES, JOB_CLASSES, buildOfPath, hiddenTouches, isBuild, isJob } from "./cost-touches.js";
import type { Build, Model } from "./model.js";
import type { RenderMeter } from "./render.js";
import type { SimCostCounters, SimCostEndpoint, SimCostReport } from "./types.js";

/** Bounds on the breakdown, so a client that requests many odd URLs cannot grow it without end. */
const MAX_ENDPOINTS = 500;
const MAX_QUERIES = 100;
const OTHER = "(other)";

/** Default of `SimCostOptions.buildsInMemory`. */
export const DEFAULT_BUILDS_IN_MEMORY = 2000;

/**
 * The endpoint class of a request: `job/<name>` pairs become `job/*`, a build number `N`, a queue
 * item id, a computer name and a label `*`; e.g. "GET /job/*\/N/api/json", "POST /job/*\/buildWithParameters".
 */
export function endpointOf(method: string, segs: readonly string[]): string {
  const out: string[] = [];
  let i = 0;
  if (segs[0] === "job") {
    while (segs[i] === "job" && segs[i + 1] !== undefined) {
      out.push("job", "*");
      i += 2;
    }
    if (segs[i] !== undefined && /^\d+$/.test(segs[i] as string)) {
      out.push("N");
      i++;
    }
  } else if (segs[0] === "queue" && segs[1] === "item" && segs[2] !== undefined) {
    out.push("queue", "item", "*");
    i = 3;
  } else if (segs[0] === "computer" && segs[1] !== undefined && segs[1] !== "api") {
    out.push("computer", "*");
    i = 2;
  } else if (segs[0] === "label" && segs[1] !== undefined) {
    out.push("label", "*");
    i = 2;
  }
  for (; i < segs.length; i++) out.push(segs[i] as string);
  return `${method} /${out.join("/")}`;
}

/** The query shape a breakdown is kept by: the whole tree, else the depth, else "". */
export function queryKey(q: URLSearchParams): string {
  const tree = q.get("tree");
  if (tree !== null) return `tree=${tree}`;
  const depth = q.get("depth");
  return depth !== null ? `depth=${depth}` : "";
}

const zero = (): SimCostCounters => ({ requests: 0, bytes: 0, values: 0, buildsTouched: 0, buildsTouchedRunning: 0, buildsLoaded: 0 });

function add(to: SimCostCounters, from: SimCostCounters): void {
  to.requests += from.requests;
  to.bytes += from.bytes;
  to.values += from.values;
  to.buildsTouched += from.buildsTouched;
  to.buildsTouchedRunning += from.buildsTouchedRunning;
  to.buildsLoaded += from.buildsLoaded;
}

/** One request's counts; the renderer drives it through RenderMeter while the answer is built. */
export class CostMeter implements RenderMeter {
  values = 0;
  touched = 0;
  touchedRunning = 0;
  loaded = 0;
  readonly endpoint: string;
  readonly query: string;
  readonly #model: CostModel;
  readonly #seen = new Set<Build>();
  #done = false;

  constructor(model: CostModel, endpoint: string, query: string) {
    this.#model = model;
    this.endpoint = endpoint;
    this.query = query;
  }

  onBean(cls: string, o: unknown): void {
    if (BUILD_CLASSES.has(cls) && isBuild(o)) this.touch(o);
  }

  onProperty(cls: string, o: unknown, name: string): void {
    if (!JOB_CLASSES.has(cls) || !isJob(o)) return;
    for (const b of hiddenTouches(this.#model.m, o, name)) this.touch(b);
  }

  /** Jenkins resolves this build's record; each build counts once per request. */
  touch(b: Build): void {
    if (this.#seen.has(b)) return;
    this.#seen.add(b);
    this.touched++;
    if (b.building) this.touchedRunning++;
    if (this.#model.memory.touch(b)) this.loaded++;
  }

  /** The answer was built; adds this request to the model's counters (once). */
  finish(bodyBytes: number): void {
    if (this.#done) return;
    this.#done = true;
    this.#model.record(this, { requests: 1, bytes: bodyBytes, values: this.values, buildsTouched: this.touched, buildsTouchedRunning: this.touchedRunning, buildsLoaded: this.loaded });
  }
}

export class CostModel {
  readonly m: Model;
  readonly memory: BuildMemory;
  #since: number;
  #total = zero();
  readonly #endpoints = new Map<string, { counters: SimCostCounters; byQuery: Map<string, SimCostCounters> }>();

  constructor(o: { model: Model; leftItemTtlMs: number; manualClock: boolean; buildsInMemory?: number }) {
    this.m = o.model;
    this.memory = new BuildMemory({ model: o.model, leftItemTtlMs: o.leftItemTtlMs, manualClock: o.manualClock, capacity: o.buildsInMemory ?? DEFAULT_BUILDS_IN_MEMORY });
    this.#since = o.model.now();
  }

  /** Starts counting a request; the build its URL names, if any, is touched first. */
  begin(method: string, segs: readonly string[], query: URLSearchParams): CostMeter {
    this.memory.sweep();
    const meter = new CostMeter(this, endpointOf(method, segs), queryKey(query));
    if (segs[0] === "job") {
      const b = buildOfPath(this.m, segs);
      if (b !== undefined) meter.touch(b);
    }
    return meter;
  }

  record(meter: CostMeter, c: SimCostCounters): void {
    add(this.#total, c);
    let ep = this.#endpoints.get(meter.endpoint);
    if (ep === undefined) {
      const key = this.#endpoints.size < MAX_ENDPOINTS ? meter.endpoint : `${meter.endpoint.split(" ")[0] ?? ""} ${OTHER}`;
      ep = this.#endpoints.get(key);
      if (ep === undefined) {
        ep = { counters: zero(), byQuery: new Map() };
        this.#endpoints.set(key, ep);
      }
    }
    add(ep.counters, c);
    let q = ep.byQuery.get(meter.query);
    if (q === undefined) {
      const key = ep.byQuery.size < MAX_QUERIES ? meter.query : OTHER;
      q = ep.byQuery.get(key);
      if (q === undefined) {
        q = zero();
        ep.byQuery.set(key, q);
      }
    }
    add(q, c);
  }

  report(): SimCostReport {
    const endpoints: Record<string, SimCostEndpoint> = {};
    const sorted = [...this.#endpoints.entries()].sort((a, b) => b[1].counters.bytes - a[1].counters.bytes);
    for (const [name, ep] of sorted) {
      endpoints[name] = { ...ep.counters, byQuery: Object.fromEntries([...ep.byQuery.entries()].map(([k, v]) => [k, { ...v }])) };
    }
    return { since: this.#since, now: this.m.now(), buildsInMemory: this.memory.capacity, lruSize: this.memory.size, total: { ...this.#total }, endpoints };
  }

  /**
   * Clears the counters. `evict`: as after a restart, nothing but running builds stays in memory.
   * `buildsInMemory`: a new LRU size.
   */
  reset(o: { evict?: boolean; buildsInMemory?: number } = {}): void {
    this.#total = zero();
    this.#endpoints.clear();
    this.#since = this.m.now();
    if (o.buildsInMemory !== undefined) this.memory.capacity = o.buildsInMemory;
    if (o.evict === true) this.memory.evict();
  }
}
