/**
 * Nodes (computers), docs/jenkins-rest.md "Computers". One GET of the computer tree per call; the node's mode is not
 * exported by Computer (only Node#getMode is @Exported, and a Computer does not export its Node),
 * so EXCLUSIVE is read once per node name from /computer/<name>/config.xml (the built-in node's
 * from the root's `mode`) and cached until the node disappears.
 */
import type { Logger } from "pino";
import { escapeAtom } from "../util/index.js";
import type { HttpCore } from "./http.js";
import PQueue from "p-queue";
import { asObj, buildRef, isObj, optArr, optBool, optNum, optStr, reqArr, reqNum, reqStr, simpleClass, type Ctx, type Obj } from "./parse.js";
import { NODE_MODE, type ExecutorInfo, type NodeInfo, type NodeMode } from "./types.js";

const EXECUTOR_FIELDS = "idle,currentExecutable[number,url]";
/**
 * The full node picture (docs/master-cost.md): read at start, every nodes refresh, and when the
 * executor counts cannot be explained. `mode` is asked for in case a Jenkins (or the simulator)
 * exports it; tree= ignores unknown names.
 */
export const COMPUTER_TREE =
  "computer[displayName,description,offline,temporarilyOffline,offlineCauseReason,numExecutors,mode," +
  `assignedLabels[name],executors[${EXECUTOR_FIELDS}],oneOffExecutors[currentExecutable[number,url]]]`;

/**
 * Busy and total executors of the online computers (ComputerSet.java:203-223): two numbers,
 * whatever the size of the master; the poller's cheap test for "did an executor change?".
 */
export const EXECUTOR_COUNTS_TREE = "busyExecutors,totalExecutors";

/** config.xml reads in flight at once (only on the first listing, or for new nodes). */
const MODE_FETCH_CONCURRENCY = 8;

/** "" (built-in) -> "(built-in)"; others URL-encoded. */
export function computerPath(name: string): string {
  return `computer/${name === "" ? "(built-in)" : encodeURIComponent(name)}/`;
}

/** A computer plus the mode it declared itself, if any. */
interface Parsed {
  node: NodeInfo;
  mode: NodeMode | null;
}

export function parseComputer(ctx: Ctx, raw: unknown, field: string): Parsed {
  const o = asObj(ctx, raw, field);
  const displayName = reqStr(ctx, o, "displayName", `${field}.displayName`);
  const builtIn = simpleClass(optStr(o, "_class")) === "MasterComputer";
  const executors = optArr(o, "executors").map((e, i) => parseExecutor(e, i));
  const oneOffExecutors = optArr(o, "oneOffExecutors").map((e, i) => parseExecutor(e, i));
  const offline = optBool(o, "offline", false);
  const mode = optStr(o, "mode");
  return {
    node: {
      name: builtIn ? "" : displayName,
      displayName,
      labels: optArr(o, "assignedLabels").flatMap((l) => (isObj(l) && typeof l["name"] === "string" ? [l["name"]] : [])),
      offline,
      temporarilyOffline: optBool(o, "temporarilyOffline", false),
      offlineReason: optStr(o, "offlineCauseReason") ?? "",
      exclusive: mode === NODE_MODE.exclusive,
      numExecutors: optNum(o, "numExecutors") ?? executors.length,
      executors,
      oneOffExecutors,
      description: optStr(o, "description"),
      freeExecutors: offline ? 0 : executors.filter((e) => e.idle).length,
    },
    mode: mode === NODE_MODE.exclusive || mode === NODE_MODE.normal ? mode : null,
  };
}

function parseExecutor(raw: unknown, index: number): ExecutorInfo {
  const o: Obj = isObj(raw) ? raw : {};
  const build = buildRef(o["currentExecutable"]);
  // Executors are listed in their number order (Computer.getExecutors); `number` is not asked for.
  return { number: optNum(o, "number") ?? index, idle: optBool(o, "idle", build === null), build };
}

/** `<mode>EXCLUSIVE</mode>` of a node's config.xml (the first `mode` element: the node's own). */
export function modeFromConfigXml(xml: string): NodeMode | null {
  const m = /<mode>\s*(NORMAL|EXCLUSIVE)\s*<\/mode>/.exec(xml);
  return m ? (m[1] as NodeMode) : null;
}

/** Node name -> exclusive, filled lazily; entries of vanished nodes are dropped on every listing. */
export class NodeModeCache {
  readonly #modes = new Map<string, boolean>();
  readonly #http: HttpCore;
  readonly #logger: Logger;
  #warnedForbidden = false;

  constructor(http: HttpCore, logger: Logger) {
    this.#http = http;
    this.#logger = logger;
  }

  /** Forget everything (e.g. after a node's configuration changed). */
  clear(): void {
    this.#modes.clear();
  }

  /** Remember the mode a caller learned elsewhere (the root's `mode` is the built-in node's). */
  set(name: string, exclusive: boolean): void {
    this.#modes.set(name, exclusive);
  }

  async resolve(parsed: Parsed[]): Promise<void> {
    const names = new Set(parsed.map((p) => p.node.name));
    for (const name of [...this.#modes.keys()]) if (!names.has(name)) this.#modes.delete(name);
    const missing: NodeInfo[] = [];
    for (const p of parsed) {
      if (p.mode !== null) {
        this.#modes.set(p.node.name, p.mode === NODE_MODE.exclusive);
      } else {
        const known = this.#modes.get(p.node.name);
        if (known === undefined) missing.push(p.node);
        else p.node.exclusive = known;
      }
    }
    const q = new PQueue({ concurrency: MODE_FETCH_CONCURRENCY });
    await q.addAll(missing.map((n) => async () => (n.exclusive = await this.#fetch(n.name))));
  }

  async #fetch(name: string): Promise<boolean> {
    if (name === "") {
      const r = await this.#http.request({ method: "GET", path: "api/json", query: { tree: "mode" }, expect: "json" });
      const exclusive = isObj(r.body) && r.body["mode"] === NODE_MODE.exclusive;
      this.#modes.set(name, exclusive);
      return exclusive;
    }
    const r = await this.#http.request({ method: "GET", path: `${computerPath(name)}config.xml`, expect: "text", accept: [403, 404] });
    if (r.status === 404) return false; // deleted since the listing; not cached
    if (r.status === 403) {
      if (!this.#warnedForbidden) {
        this.#warnedForbidden = true;
        this.#logger.warn({ node: name }, "cannot read node config.xml (403: needs Computer/ExtendedRead); treating nodes as NORMAL mode");
      }
      this.#modes.set(name, false);
      return false;
    }
    const mode = modeFromConfigXml(typeof r.body === "string" ? r.body : "");
    const exclusive = mode === NODE_MODE.exclusive;
    this.#modes.set(name, exclusive);
    return exclusive;
  }
}

export async function listNodes(http: HttpCore, modes: NodeModeCache): Promise<NodeInfo[]> {
  const r = await http.request({ method: "GET", path: "computer/api/json", query: { tree: COMPUTER_TREE }, expect: "json", bulk: true });
  const ctx: Ctx = { url: r.url };
  const parsed = reqArr(ctx, asObj(ctx, r.body, "(root)"), "computer", "computer").map((c, i) => parseComputer(ctx, c, `computer[${i}]`));
  await modes.resolve(parsed);
  return parsed.map((p) => p.node);
}

/** Takes a node offline with a reason; idempotent (changeOfflineCause always sets offline). */
export async function setNodeOffline(http: HttpCore, name: string, reason: string): Promise<void> {
  await http.request({ method: "POST", path: `${computerPath(name)}changeOfflineCause`, query: { offlineMessage: reason }, expect: "none" });
}

/** Brings a node back online if it was taken offline temporarily (toggleOffline is not idempotent, so look first). */
export async function setNodeOnline(http: HttpCore, name: string): Promise<void> {
  const r = await http.request({ method: "GET", path: `${computerPath(name)}api/json`, query: { tree: "temporarilyOffline" }, expect: "json" });
  const ctx: Ctx = { url: r.url };
  if (!optBool(asObj(ctx, r.body, "(computer)"), "temporarilyOffline", false)) return;
  await http.request({ method: "POST", path: `${computerPath(name)}toggleOffline`, expect: "none" });
}

export interface ExecutorCounts {
  /** Busy executors of online computers (one-off executors not included: Computer.countBusy). */
  busy: number;
  /** Executors of online computers. */
  total: number;
}

export async function executorCounts(http: HttpCore): Promise<ExecutorCounts> {
  const r = await http.request({ method: "GET", path: "computer/api/json", query: { tree: EXECUTOR_COUNTS_TREE }, expect: "json" });
  const ctx: Ctx = { url: r.url };
  const o = asObj(ctx, r.body, "(root)");
  return { busy: reqNum(ctx, o, "busyExecutors", "busyExecutors"), total: reqNum(ctx, o, "totalExecutors", "totalExecutors") };
}

/** `label/NAME/` of one label atom: quoted when it holds characters the expression grammar reserves (LabelAtom.escape). */
export function labelPath(atom: string): string {
  return `label/${encodeURIComponent(escapeAtom(atom))}/`;
}

/** Executors of the online nodes that carry a label (`Label.getTotalExecutors`, docs/jenkins-rest.md "Labels"). */
export async function labelExecutors(http: HttpCore, atom: string): Promise<number> {
  const r = await http.request({ method: "GET", path: `${labelPath(atom)}api/json`, query: { tree: "totalExecutors" }, expect: "json" });
  const ctx: Ctx = { url: r.url };
  return reqNum(ctx, asObj(ctx, r.body, "(label)"), "totalExecutors", "totalExecutors");
}

/** The builds on the built-in node's one-off executors: where Pipeline runs hold their flyweight. */
export async function builtInOneOffBuilds(http: HttpCore): Promise<{ number: number; url: string }[]> {
  const r = await http.request({ method: "GET", path: `${computerPath("")}api/json`, query: { tree: "oneOffExecutors[currentExecutable[number,url]]" }, expect: "json" });
  const ctx: Ctx = { url: r.url };
  return optArr(asObj(ctx, r.body, "(computer)"), "oneOffExecutors").flatMap((e) => {
    const b = isObj(e) ? buildRef(e["currentExecutable"]) : null;
    return b === null ? [] : [b];
  });
}
