/**
 * Defensive readers for Jenkins JSON: unknown `_class` values and extra fields are tolerated,
 * missing optional fields become null or a default, a missing required field throws a
 * JenkinsResponseError that names the field.
 */
import { JenkinsResponseError } from "./errors.js";

export type Obj = Record<string, unknown>;

/** Where a value came from, for error messages. */
export interface Ctx {
  url: string;
}

export function fail(ctx: Ctx, field: string, what: string): never {
  throw new JenkinsResponseError(
    `GET ${ctx.url}: field "${field}" ${what}; is this a supported Jenkins version, or a proxy rewriting answers?`,
    { url: ctx.url, field },
  );
}

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asObj(ctx: Ctx, v: unknown, field: string): Obj {
  if (!isObj(v)) fail(ctx, field, v === undefined ? "is missing" : "is not an object");
  return v;
}

export function reqArr(ctx: Ctx, o: Obj, key: string, field: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(ctx, field, v === undefined ? "is missing" : "is not an array");
  return v as unknown[];
}

export function optArr(o: Obj, key: string): unknown[] {
  const v = o[key];
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function reqStr(ctx: Ctx, o: Obj, key: string, field: string): string {
  const v = o[key];
  if (typeof v !== "string") fail(ctx, field, v === undefined ? "is missing" : "is not a string");
  return v;
}

export function optStr(o: Obj, key: string): string | null {
  const v = o[key];
  return typeof v === "string" ? v : null;
}

export function reqNum(ctx: Ctx, o: Obj, key: string, field: string): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isFinite(v)) fail(ctx, field, v === undefined ? "is missing" : "is not a number");
  return v;
}

export function optNum(o: Obj, key: string): number | null {
  const v = o[key];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function optBool(o: Obj, key: string, fallback = false): boolean {
  const v = o[key];
  return typeof v === "boolean" ? v : fallback;
}

/** A parameter value as a string: booleans and numbers stringified, arrays joined with ",". */
export function valueString(v: unknown): string | null {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.map((x) => valueString(x) ?? "").join(",");
  return null;
}

/** `{number, url}` of a build reference (executable, currentExecutable, lastBuild), or null. */
export function buildRef(v: unknown): { number: number; url: string } | null {
  if (!isObj(v)) return null;
  const number = optNum(v, "number");
  const url = optStr(v, "url");
  return number !== null && url !== null ? { number, url } : null;
}

/** Parameter values from `actions[].parameters[]{name,value}` (ParametersAction). */
export function actionParameters(actions: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(actions)) return out;
  for (const a of actions as unknown[]) {
    if (!isObj(a)) continue;
    for (const p of optArr(a, "parameters")) {
      if (!isObj(p)) continue;
      const name = optStr(p, "name");
      if (name === null) continue;
      out[name] = valueString(p["value"]) ?? "";
    }
  }
  return out;
}

/** The simple class name of a `_class` value ("hudson.model.Queue$LeftItem" -> "LeftItem"). */
export function simpleClass(cls: string | null): string {
  if (cls === null) return "";
  const dot = cls.slice(cls.lastIndexOf(".") + 1);
  return dot.slice(dot.lastIndexOf("$") + 1);
}

/** Splits "/job/a/job/b%20c/12/" style paths: the job's full name and the build number, if any. */
export function parseJobPath(url: string): { fullName: string; number: number | null } | null {
  let path: string;
  try {
    path = new URL(url, "http://x/").pathname;
  } catch {
    return null;
  }
  const segs = path.split("/").filter((s) => s !== "");
  const first = segs.indexOf("job");
  if (first < 0) return null;
  const names: string[] = [];
  let i = first;
  while (i + 1 < segs.length && segs[i] === "job") {
    names.push(decodeURIComponent(segs[i + 1] ?? ""));
    i += 2;
  }
  if (names.length === 0) return null;
  const rest = segs[i];
  const number = rest !== undefined && /^\d+$/.test(rest) ? Number(rest) : null;
  return { fullName: names.join("/"), number };
}

/** The part of an absolute Jenkins URL from the first "job/" on (builds are rebased onto our base URL). */
export function jobRelativePath(url: string): string | null {
  let path: string;
  try {
    path = new URL(url, "http://x/").pathname;
  } catch {
    return null;
  }
  const i = path.indexOf("/job/");
  return i < 0 ? null : path.slice(i + 1);
}
