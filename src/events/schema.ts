/**
 * The ZMQ event publisher's wire format (docs/contract.md "Events"): one frame
 * "<topic> <json>", the JSON written by Gson (lower_case_with_underscores, nulls omitted,
 * fields in declaration order of JobState/BuildState). We add `sequence` and `run_id` at the end.
 */
import { MalformedFrameError } from "./errors.js";

export const EVENT_TOPICS = ["onStarted", "onCompleted", "onFinalized"] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** Phase per topic, as the plugin's `Phase` enum names them. */
export const PHASE_OF_TOPIC = { onStarted: "STARTED", onCompleted: "COMPLETED", onFinalized: "FINISHED" } as const;
export type EventPhase = (typeof PHASE_OF_TOPIC)[EventTopic];
const PHASES: readonly string[] = Object.values(PHASE_OF_TOPIC);

export function isEventTopic(s: string): s is EventTopic {
  return (EVENT_TOPICS as readonly string[]).includes(s);
}

/** What the caller knows about a build; buildEvent() turns it into the plugin's JSON. */
export interface BuildEventInput {
  /** The job's short name (`job.getName()`), e.g. "gate-nova-pep8". */
  jobName: string;
  /** Relative job URL, e.g. "job/folder/job/x/". */
  jobUrl: string;
  number: number;
  /** Relative build URL, e.g. "job/x/42/". */
  buildUrl: string;
  /** Root URL + build URL; null when Jenkins has no root URL (then `full_url` is omitted). */
  fullUrl: string | null;
  /** Jenkins result ("SUCCESS", "FAILURE", …). Ignored for onStarted, where the plugin's result is still null. */
  status: string | null;
  /** Non-sensitive build parameters; null or empty when the build has none (then omitted). */
  parameters: Record<string, string> | null;
  /** `computer.getName()`: "" for the built-in node; null when the run had no executor (then omitted). */
  nodeName: string | null;
  nodeDescription: string | null;
  /** The master's host name. */
  hostName: string | null;
}

/** The `build` object, keys in the plugin's order. */
export interface BuildStateJson {
  full_url?: string;
  number: number;
  phase: EventPhase;
  status?: string;
  url: string;
  parameters?: Record<string, string>;
  node_name?: string;
  node_description?: string;
  host_name?: string;
}

/** Exactly what the Java plugin sends (JobState). */
export interface PluginEventJson {
  name: string;
  url: string;
  build: BuildStateJson;
}

/** What we send: the plugin's JSON plus a per-run sequence number and the run id. */
export interface BuildEventJson extends PluginEventJson {
  sequence: number;
  run_id: string;
}

/** What a subscriber can receive: ours, or the Java plugin's (no sequence, no run_id). */
export type ReceivedEventJson = PluginEventJson & { sequence?: number; run_id?: string };

/**
 * Java's String.CASE_INSENSITIVE_ORDER, which EnvVars' TreeMap uses: char by char,
 * toUpperCase then toLowerCase, then by length.
 */
export function compareCaseInsensitive(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let c1 = a.charCodeAt(i);
    let c2 = b.charCodeAt(i);
    if (c1 === c2) continue;
    c1 = upper(c1);
    c2 = upper(c2);
    if (c1 === c2) continue;
    c1 = lower(c1);
    c2 = lower(c2);
    if (c1 !== c2) return c1 - c2;
  }
  return a.length - b.length;
}

function upper(c: number): number {
  if (c < 0x80) return c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
  const s = String.fromCharCode(c).toUpperCase();
  return s.length === 1 ? s.charCodeAt(0) : c;
}

function lower(c: number): number {
  if (c < 0x80) return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  const s = String.fromCharCode(c).toLowerCase();
  return s.length === 1 ? s.charCodeAt(0) : c;
}

/**
 * Parameters as EnvVars holds them: a TreeMap with the case-insensitive order, where a key
 * equal to an earlier one ignoring case keeps the first spelling and takes the later value.
 * (JS objects list integer-like keys first; Jenkins parameter names are never plain integers.)
 */
export function sortParameters(params: Record<string, string>): Record<string, string> {
  const keys: string[] = [];
  const values = new Map<string, string>();
  for (const [k, v] of Object.entries(params)) {
    const existing = keys.find((x) => compareCaseInsensitive(x, k) === 0);
    if (existing === undefined) keys.push(k);
    values.set(existing ?? k, v);
  }
  keys.sort(compareCaseInsensitive);
  const out: Record<string, string> = {};
  for (const k of keys) out[k] = values.get(k) ?? "";
  return out;
}

/** Builds the event JSON with the plugin's field order; null fields are left out, like Gson does. */
export function buildEvent(topic: EventTopic, input: BuildEventInput, seq: number, runId: string): BuildEventJson {
  const params = input.parameters !== null && Object.keys(input.parameters).length > 0 ? sortParameters(input.parameters) : null;
  // Spreads keep insertion order, which is the order JSON.stringify writes.
  const build: BuildStateJson = {
    ...(input.fullUrl !== null ? { full_url: input.fullUrl } : {}),
    number: input.number,
    phase: PHASE_OF_TOPIC[topic],
    ...(topic !== "onStarted" && input.status !== null ? { status: input.status } : {}),
    url: input.buildUrl,
    ...(params !== null ? { parameters: params } : {}),
    ...(input.nodeName !== null ? { node_name: input.nodeName } : {}),
    ...(input.nodeDescription !== null ? { node_description: input.nodeDescription } : {}),
    ...(input.hostName !== null ? { host_name: input.hostName } : {}),
  };
  return { name: input.jobName, url: input.jobUrl, build, sequence: seq, run_id: runId };
}

/** Gson's default (HTML-safe) escapes, applied after JSON.stringify so our bytes match the plugin's. */
const GSON_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "=": "\\u003d",
  "'": "\\u0027",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * JSON text as the plugin's `new GsonBuilder()...create()` writes it: compact, and with
 * `< > & = '` escaped as \u00XX (Gson is HTML-safe by default). These characters only ever
 * occur inside strings in our JSON, so replacing them in the whole text is safe.
 */
export function toGsonJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&='\u2028\u2029]/g, (c) => GSON_ESCAPES[c] ?? c);
}

/** One single-part ZeroMQ message: topic, one space, JSON. */
export function formatFrame(topic: EventTopic, json: BuildEventJson): string {
  return `${topic} ${toGsonJson(json)}`;
}

/** Python 2's `str.split(None, 1)` whitespace, which Nodepool splits on. */
const FRAME_RE = /^[ \t\n\v\f\r]*([^ \t\n\v\f\r]+)[ \t\n\v\f\r]+([\s\S]*)$/;

/**
 * Parses a frame the way Nodepool does (split on the first run of whitespace, JSON-decode the
 * rest), then checks the fields the plugin always sends. Extra fields are kept.
 * @throws MalformedFrameError
 */
export function parseFrame(frame: string | Buffer): { topic: string; event: ReceivedEventJson } {
  const text = typeof frame === "string" ? frame : frame.toString("utf8");
  const m = FRAME_RE.exec(text);
  if (!m) throw new MalformedFrameError("no whitespace between topic and JSON", text);
  const topic = m[1] ?? "";
  let body: unknown;
  try {
    body = JSON.parse(m[2] ?? "");
  } catch (e) {
    throw new MalformedFrameError("body is not JSON", text, { cause: e });
  }
  const problem = checkEvent(body);
  if (problem !== null) throw new MalformedFrameError(problem, text);
  return { topic, event: body as ReceivedEventJson };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const OPTIONAL_BUILD_STRINGS = ["full_url", "status", "node_name", "node_description", "host_name"] as const;

/** Returns what is wrong with a decoded event, or null. */
function checkEvent(body: unknown): string | null {
  if (!isObject(body)) return "JSON is not an object";
  if (typeof body["name"] !== "string") return "name is not a string";
  if (typeof body["url"] !== "string") return "url is not a string";
  const b = body["build"];
  if (!isObject(b)) return "build is not an object";
  if (typeof b["number"] !== "number" || !Number.isInteger(b["number"])) return "build.number is not an integer";
  if (typeof b["phase"] !== "string" || !PHASES.includes(b["phase"])) return "build.phase is not STARTED/COMPLETED/FINISHED";
  if (typeof b["url"] !== "string") return "build.url is not a string";
  for (const k of OPTIONAL_BUILD_STRINGS) {
    if (b[k] !== undefined && typeof b[k] !== "string") return `build.${k} is not a string`;
  }
  const p = b["parameters"];
  if (p !== undefined && (!isObject(p) || Object.values(p).some((v) => typeof v !== "string"))) {
    return "build.parameters is not an object of strings";
  }
  const seq = body["sequence"];
  if (seq !== undefined && (typeof seq !== "number" || !Number.isInteger(seq))) return "sequence is not an integer";
  if (body["run_id"] !== undefined && typeof body["run_id"] !== "string") return "run_id is not a string";
  return null;
}
