/**
 * Stapler-style JSON rendering: exported-bean tables, `depth` (TreePruner.ByDepth) and `tree=`
 * (NamedPathPruner, with {M,N} ranges and `*`), `_class` when IF_NEEDED, nulls written (docs/jenkins-rest.md "Rendering").
 * While a RenderMeter is active (withMeter), every value written is counted as Stapler visits it
 * (docs/master-cost.md): one per `Property.writeValue` call (an accepted property's value, or one
 * element of an array) and one per `_class` written (`JSONDataWriter.type` + `startObject`).
 */

/** A property of an exported bean. `vis` is @Exported(visibility), default 1; `inline` keeps the depth threshold. */
export interface PropDef<T, C> {
  readonly name: string;
  readonly vis?: number;
  readonly inline?: boolean;
  readonly get: (o: T, ctx: C) => Value;
}

/** An exported bean class. `cls` returns the runtime class, or null where Stapler omits `_class` (same as declared). */
export interface BeanType<T, C> {
  readonly cls: (o: T) => string | null;
  readonly props: readonly PropDef<T, C>[];
}

export interface Bean {
  readonly t: BeanType<unknown, unknown>;
  readonly o: unknown;
}

/** A lazily indexed list, so ranges do not materialise the whole array. */
export interface LazyList {
  readonly size: number;
  at(i: number): Value;
}

export type Value = null | string | number | boolean | Bean | LazyList | readonly Value[];

export function bean<T, C>(t: BeanType<T, C>, o: T): Bean {
  return { t: t as unknown as BeanType<unknown, unknown>, o };
}

export function lazy(size: number, at: (i: number) => Value): LazyList {
  return { size, at };
}

/** A malformed `tree` or `depth`; Stapler throws a ServletException, so the answer is 500. */
export class TreeSyntaxError extends Error {
  override readonly name = "TreeSyntaxError";
  constructor(message: string) {
    super(message);
  }
}

export interface Range {
  readonly min: number;
  readonly max: number;
}

export interface TreeNode {
  readonly children: Map<string, TreeNode>;
  range: Range | null;
}

/**
 * Parses `a,b[c,d[e]]{0,5}`. Names run to the next `,[]{}`; `{M,N}`, `{M,}`, `{,N}`, `{N}` restrict an array.
 */
export function parseTree(src: string): TreeNode {
  let i = 0;
  const fail = (msg: string): never => {
    throw new TreeSyntaxError(`malformed tree "${src}": ${msg} at ${i}`);
  };
  const list = (node: TreeNode, nested: boolean): void => {
    for (;;) {
      const start = i;
      while (i < src.length && !",[]{}".includes(src[i] as string)) i++;
      const name = src.slice(start, i);
      if (name === "") fail("empty name");
      let child = node.children.get(name);
      if (child === undefined) {
        child = { children: new Map(), range: null };
        node.children.set(name, child);
      }
      if (src[i] === "[") {
        i++;
        list(child, true);
        if (src[i] !== "]") fail("missing ']'");
        i++;
      }
      if (src[i] === "{") {
        i++;
        const close = src.indexOf("}", i);
        if (close < 0) fail("missing '}'");
        child.range = parseRange(src.slice(i, close), fail);
        i = close + 1;
      }
      if (src[i] === ",") {
        i++;
        continue;
      }
      if (i === src.length) {
        if (nested) fail("missing ']'");
        return;
      }
      if (src[i] === "]" && nested) return;
      fail(`unexpected '${src[i] as string}'`);
    }
  };
  const root: TreeNode = { children: new Map(), range: null };
  list(root, false);
  return root;
}

function parseRange(s: string, fail: (m: string) => never): Range {
  const num = (x: string): number => {
    if (!/^\d+$/.test(x)) fail(`bad range "{${s}}"`);
    return Number(x);
  };
  const comma = s.indexOf(",");
  if (comma < 0) {
    const n = num(s);
    return { min: n, max: n + 1 };
  }
  const a = s.slice(0, comma);
  const b = s.slice(comma + 1);
  return { min: a === "" ? 0 : num(a), max: b === "" ? Number.MAX_SAFE_INTEGER : num(b) };
}

/** Decides which properties to write, as stapler's TreePruner does. */
export interface Pruner {
  accept(name: string, vis: number, inline: boolean): Pruner | null;
  readonly range: Range | null;
}

const depthPruners: Pruner[] = [];

/** `ByDepth(1 - depth)`: a property is written when its visibility reaches the threshold. */
export function depthPruner(threshold: number): Pruner {
  const key = threshold + 64;
  let p = depthPruners[key];
  if (p === undefined) {
    p = {
      range: null,
      accept(_name, vis, inline) {
        if (vis < threshold) return null;
        return inline ? this : depthPruner(threshold + 1);
      },
    };
    depthPruners[key] = p;
  }
  return p;
}

/** `NamedPathPruner.accept`: the property's subtree, else the `*` subtree, else not written. */
export function treePruner(node: TreeNode): Pruner {
  const kids = new Map<string, Pruner>();
  for (const [k, v] of node.children) kids.set(k, treePruner(v));
  const star = kids.get("*") ?? null;
  return {
    range: node.range,
    accept: (name) => kids.get(name) ?? star,
  };
}

/** The pruner for a request's query: `tree` overrides `depth`; both malformed → TreeSyntaxError. */
export function prunerFor(tree: string | null, depth: string | null): Pruner {
  if (tree !== null) return treePruner(parseTree(tree));
  if (depth === null || depth === "") return depthPruner(1);
  if (!/^-?\d+$/.test(depth)) throw new TreeSyntaxError(`depth "${depth}" is not a number`);
  return depthPruner(1 - Number(depth));
}

function isBean(v: object): v is Bean {
  return "t" in v && "o" in v;
}

function isLazy(v: object): v is LazyList {
  return "size" in v && "at" in v;
}

/**
 * Counts what the exporter does for one request. `values` is incremented by the renderer; the
 * callbacks let the cost model see which objects (builds) Jenkins had to resolve.
 */
export interface RenderMeter {
  /** Values visited so far: property values, array elements and `_class` attributes. */
  values: number;
  /** A bean is about to be written; `cls` is its `_class`, or "" where Stapler omits it (same as declared). */
  onBean(cls: string, o: unknown): void;
  /** The pruner accepted a property of a bean of class `cls`: Stapler calls its getter. */
  onProperty(cls: string, o: unknown, name: string): void;
}

/** The meter of the request being rendered; rendering is synchronous, so one slot is enough. */
let activeMeter: RenderMeter | null = null;

/** Runs `fn` (which renders) with `meter` counting; restores the previous meter afterwards. */
export function withMeter<T>(meter: RenderMeter, fn: () => T): T {
  const previous = activeMeter;
  activeMeter = meter;
  try {
    return fn();
  } finally {
    activeMeter = previous;
  }
}

/** Output buffer: V8 string ropes make `+=` cheaper than many array pushes and a join. */
interface Out {
  s: string;
}

type Selected = readonly (readonly [PropDef<unknown, unknown>, Pruner, string])[];
const selections = new WeakMap<Pruner, Map<BeanType<unknown, unknown>, Selected>>();

/** The properties of a bean type this pruner writes, with their child pruners; cached per (pruner, type). */
function select(pr: Pruner, t: BeanType<unknown, unknown>): Selected {
  let byType = selections.get(pr);
  if (byType === undefined) {
    byType = new Map();
    selections.set(pr, byType);
  }
  let sel = byType.get(t);
  if (sel === undefined) {
    const list: (readonly [PropDef<unknown, unknown>, Pruner, string])[] = [];
    for (const p of t.props) {
      const child = pr.accept(p.name, p.vis ?? 1, p.inline ?? false);
      if (child !== null) list.push([p, child, `${JSON.stringify(p.name)}:`]);
    }
    sel = list;
    byType.set(t, sel);
  }
  return sel;
}

function writeList(out: Out, v: Value, pr: Pruner, ctx: unknown, range: Range | null): void {
  const meter = activeMeter;
  out.s += "[";
  if (Array.isArray(v)) {
    const arr = v as readonly Value[];
    const lo = range === null ? 0 : Math.min(range.min, arr.length);
    const hi = range === null ? arr.length : Math.min(range.max, arr.length);
    if (meter !== null) meter.values += Math.max(0, hi - lo);
    for (let i = lo; i < hi; i++) {
      if (i > lo) out.s += ",";
      writeValue(out, arr[i] as Value, pr, ctx);
    }
  } else {
    const l = v as LazyList;
    const lo = range === null ? 0 : Math.min(range.min, l.size);
    const hi = range === null ? l.size : Math.min(range.max, l.size);
    if (meter !== null) meter.values += Math.max(0, hi - lo);
    for (let i = lo; i < hi; i++) {
      if (i > lo) out.s += ",";
      writeValue(out, l.at(i), pr, ctx);
    }
  }
  out.s += "]";
}

function writeValue(out: Out, v: Value, pr: Pruner, ctx: unknown, range: Range | null = null): void {
  if (v === null) out.s += "null";
  else if (typeof v === "string") out.s += JSON.stringify(v);
  else if (typeof v === "number") out.s += Number.isFinite(v) ? String(v) : "null";
  else if (typeof v === "boolean") out.s += v ? "true" : "false";
  else if (Array.isArray(v) || isLazy(v)) writeList(out, v, pr, ctx, range);
  else if (isBean(v)) writeBean(out, v, pr, ctx);
  else out.s += "null";
}

function writeBean(out: Out, b: Bean, pr: Pruner, ctx: unknown): void {
  const meter = activeMeter;
  out.s += "{";
  let first = true;
  const cls = b.t.cls(b.o);
  if (cls !== null) {
    out.s += `"_class":${JSON.stringify(cls)}`;
    first = false;
  }
  const seenAs = cls ?? "";
  if (meter !== null) {
    if (cls !== null) meter.values++;
    meter.onBean(seenAs, b.o);
  }
  for (const [p, child, key] of select(pr, b.t)) {
    if (!first) out.s += ",";
    first = false;
    out.s += key;
    if (meter !== null) {
      meter.values++;
      meter.onProperty(seenAs, b.o, p.name);
    }
    writeValue(out, p.get(b.o, ctx), child, ctx, child.range);
  }
  out.s += "}";
}

/** Renders a root bean: `_class` is always written on the root object. */
export function renderJson(b: Bean, pr: Pruner, ctx: unknown): string {
  const out: Out = { s: "" };
  writeBean(out, b, pr, ctx);
  return out.s;
}
