/**
 * Reads the sidecars' JSON log files (pino lines, plus the soak's own start/exit markers) so the report
 * can show, next to each failing item, what the sidecar said about that job: the lines naming its
 * Gearman unique (ZUUL_UUID), or its job and build number.
 */
import { readFileSync } from "node:fs";

import type { FailLogRecord } from "./types.js";

export interface LogLine {
  master: string;
  time: number;
  level: number;
  pid: number | null;
  msg: string;
  unique: string | null;
  job: string | null;
  number: number | null;
  /** The `reason` field (why a job was failed), when there is one. */
  reason: string | null;
  queueId: number | null;
  /** The Gearman function, on lines about a job the sidecar refused before it became a build. */
  fn: string | null;
  detail: string;
}

const LEVEL_NAMES: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };

export function levelName(n: number): string {
  return LEVEL_NAMES[n] ?? String(n);
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

/** Fields worth showing beside the message (the reason, an error's message, a queue id, a node). */
function detailOf(o: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const k of ["reason", "node", "queueId", "state", "result", "fn"]) if (o[k] !== undefined) parts.push(`${k}=${JSON.stringify(o[k])}`);
  const err = o["err"];
  if (err !== null && typeof err === "object") {
    const m = (err as Record<string, unknown>)["message"];
    if (typeof m === "string") parts.push(`err=${JSON.stringify(m.slice(0, 200))}`);
  }
  return parts.join(" ");
}

/** Every pino line of one master's log file; lines that are not JSON are skipped. */
export function readSidecarLog(master: string, file: string): LogLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const out: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (typeof o["level"] !== "number" || typeof o["time"] !== "number") continue;
    out.push({
      master,
      time: o["time"],
      level: o["level"],
      pid: typeof o["pid"] === "number" ? o["pid"] : null,
      msg: str(o["msg"]) ?? "",
      unique: str(o["unique"]),
      job: str(o["job"]),
      number: typeof o["number"] === "number" ? o["number"] : null,
      reason: str(o["reason"]),
      queueId: typeof o["queueId"] === "number" ? o["queueId"] : null,
      fn: str(o["fn"]),
      detail: detailOf(o),
    });
  }
  return out;
}

export class LogIndex {
  readonly lines: LogLine[];
  readonly #byUnique = new Map<string, LogLine[]>();

  constructor(lines: LogLine[]) {
    this.lines = lines;
    for (const l of lines) {
      if (l.unique === null) continue;
      const xs = this.#byUnique.get(l.unique) ?? [];
      xs.push(l);
      this.#byUnique.set(l.unique, xs);
    }
  }

  /** Lines about one Gearman unique, or about one build (master, job, number), at info level and above. */
  about(o: { uuid?: string | null; master?: string; job?: string; number?: number }, max = 8): string[] {
    const hits = new Set<LogLine>();
    if (o.uuid) for (const l of this.#byUnique.get(o.uuid) ?? []) hits.add(l);
    if (o.master !== undefined && o.job !== undefined && o.number !== undefined) {
      for (const l of this.lines) if (l.master === o.master && l.number === o.number && l.job !== null && (l.job === o.job || l.job.endsWith(`/${o.job}`))) hits.add(l);
    }
    return [...hits]
      .filter((l) => l.level >= 30)
      .sort((a, b) => a.time - b.time)
      .slice(0, max)
      .map((l) => `${new Date(l.time).toISOString().slice(11, 23)} ${l.master} pid ${l.pid ?? "?"} ${levelName(l.level)}: ${l.msg}${l.detail ? ` (${l.detail})` : ""}`);
  }

  /** Every "failing the job so that Zuul retries it" line that names a job (the dispatcher's, dispatcher.ts). */
  failLines(): FailLogRecord[] {
    return this.lines
      .filter((l) => l.reason !== null && l.job !== null && l.msg.startsWith("failing the job"))
      .map((l) => ({ master: l.master, pid: l.pid, time: l.time, job: l.job ?? "", queueId: l.queueId, reason: l.reason ?? "" }));
  }

  /**
   * Why the sidecar failed a launch: the `reason` of a line naming its unique, or else (the "failing the job"
   * lines carry the job, or for a job refused on arrival its function, not the unique) of a line about the
   * same job or function within `windowMs` of when Zuul saw the failure. The second is a guess and says so.
   */
  failReason(uuid: string, job: string, at: number, windowMs = 1500, fn: string | null = null): { master: string; reason: string; exact: boolean } | null {
    const own = (this.#byUnique.get(uuid) ?? []).find((l) => l.reason !== null);
    if (own) return { master: own.master, reason: own.reason ?? "", exact: true };
    let best: LogLine | null = null;
    for (const l of this.lines) {
      if (l.reason === null) continue;
      const sameJob = l.job !== null && (l.job === job || l.job.endsWith(`/${job}`));
      const sameFn = fn !== null && l.fn === fn && l.job === null;
      if (!sameJob && !sameFn) continue;
      if (Math.abs(l.time - at) > windowMs) continue;
      if (best === null || Math.abs(l.time - at) < Math.abs(best.time - at)) best = l;
    }
    return best ? { master: best.master, reason: best.reason ?? "", exact: false } : null;
  }

  /** How often each warn-or-worse message was logged (numbers and URLs folded), most frequent first. */
  warnings(): { msg: string; level: string; count: number }[] {
    const m = new Map<string, { msg: string; level: string; count: number }>();
    for (const l of this.lines) {
      if (l.level < 40) continue;
      const msg = foldMessage(l.msg);
      const k = `${l.level} ${msg}`;
      const x = m.get(k) ?? { msg, level: levelName(l.level), count: 0 };
      x.count++;
      m.set(k, x);
    }
    return [...m.values()].sort((a, b) => b.count - a.count);
  }
}

/** A message with its URLs and numbers folded, so that one kind of line is counted once. */
export function foldMessage(s: string): string {
  return s
    .replace(/https?:\/\/\S+/g, "URL")
    .replace(/\d+/g, "N")
    .slice(0, 160);
}
