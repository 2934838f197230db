/**
 * Zuul's job arguments -> Jenkins build parameters, as the plugin decoded them
 * (docs/contract.md "Arguments": Gson Map<String,String>; numbers and booleans become
 * strings; nested objects or arrays are an error reported as WORK_EXCEPTION).
 */
import { BadArgumentsError } from "./errors.js";

/** Arguments larger than this are refused: Zuul sends a few KiB. @default 1 MiB */
export const MAX_ARGUMENT_BYTES = 1024 * 1024;
/** More keys than this are refused. */
export const MAX_ARGUMENT_KEYS = 1000;
/** Jenkins parameter names: printable, no '=' (the queue's `params` text is NAME=value lines). */
const PARAM_NAME = /^[^\s=\p{Cc}][^=\p{Cc}]{0,254}$/u;

export function parseArguments(data: Buffer): Record<string, string> {
  if (data.length === 0) return {};
  if (data.length > MAX_ARGUMENT_BYTES) {
    throw new BadArgumentsError(`arguments are ${data.length} bytes; at most ${MAX_ARGUMENT_BYTES} are accepted`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch (e) {
    throw new BadArgumentsError("arguments are not valid UTF-8", { cause: e });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BadArgumentsError(`arguments are not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new BadArgumentsError(`arguments must be a JSON object of parameters, got ${Array.isArray(value) ? "an array" : typeof value}`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ARGUMENT_KEYS) {
    throw new BadArgumentsError(`arguments have ${entries.length} keys; at most ${MAX_ARGUMENT_KEYS} are accepted`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!PARAM_NAME.test(k)) throw new BadArgumentsError(`argument name ${JSON.stringify(k.slice(0, 80))} is not a valid Jenkins parameter name`);
    if (v === null) out[k] = "";
    else if (typeof v === "string") out[k] = v;
    else if (typeof v === "number" || typeof v === "boolean") out[k] = String(v);
    else throw new BadArgumentsError(`argument ${k} is a nested ${Array.isArray(v) ? "array" : "object"}; only flat string values are accepted`);
  }
  return out;
}

/** OFFLINE_NODE_WHEN_COMPLETE counts as true for 1, true, True, TRUE (docs/contract.md "OFFLINE_NODE_WHEN_COMPLETE"). */
export function wantsOfflineWhenComplete(params: Record<string, string>): boolean {
  const v = params["OFFLINE_NODE_WHEN_COMPLETE"];
  return v === "1" || v === "true" || v === "True" || v === "TRUE";
}

/** stop: and set_description: arguments: {name, number[, html_description]}. */
export function parseBuildRef(data: Buffer, needDescription: boolean): { name: string; number: number; html: string } {
  let value: unknown;
  try {
    value = JSON.parse(data.toString("utf8"));
  } catch (e) {
    throw new BadArgumentsError(`arguments are not JSON: ${(e as Error).message}`, { cause: e });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new BadArgumentsError("arguments must be a JSON object");
  const o = value as Record<string, unknown>;
  if (typeof o["name"] !== "string" || o["name"] === "") throw new BadArgumentsError("missing `name` (the job name)");
  const n = typeof o["number"] === "string" ? Number(o["number"]) : o["number"];
  if (typeof n !== "number" || !Number.isInteger(n) || n <= 0) throw new BadArgumentsError("missing or invalid `number` (the build number)");
  const html = o["html_description"];
  if (needDescription && typeof html !== "string") throw new BadArgumentsError("missing `html_description`");
  return { name: o["name"], number: n, html: typeof html === "string" ? html : "" };
}
