/** Merges the layers (file < env < flags) into one raw object, keeping the origin of every value. */
import { getPath, type Layer, leafPaths, type Plain } from "./sources.js";

/**
 * Keys that replace each other: a higher layer that sets one of a group drops the whole group from the lower
 * layers (a token file given as a flag overrides JENKINS_TOKEN; `--gearman` overrides `gearman.embedded`).
 */
const GROUPS: readonly (readonly string[])[] = [
  ["jenkins.token", "jenkins.tokenFile"],
  ["jenkins.password", "jenkins.passwordFile"],
  ["gearman.servers", "gearman.embedded"],
];

export interface Merged {
  data: Plain;
  origins: Map<string, string>;
}

function isPlain(v: unknown): v is Plain {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepMerge(base: Plain, over: Plain): Plain {
  const out: Plain = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const b = out[k];
    out[k] = isPlain(b) && isPlain(v) ? deepMerge(b, v) : v;
  }
  return out;
}

function deletePath(obj: Plain, path: string): void {
  const parts = path.split(".");
  const parent = getPath(obj, parts.slice(0, -1).join("."));
  const last = parts[parts.length - 1];
  if (isPlain(parent) && last !== undefined) delete parent[last];
}

export function mergeLayers(layers: readonly Layer[]): Merged {
  let data: Plain = {};
  const origins = new Map<string, string>();
  for (const layer of layers) {
    data = structuredClone(data);
    for (const group of GROUPS) {
      if (group.some((k) => getPath(layer.data, k) !== undefined)) {
        for (const k of group) {
          deletePath(data, k);
          for (const o of [...origins.keys()]) if (o === k || o.startsWith(`${k}.`)) origins.delete(o);
        }
      }
    }
    data = deepMerge(data, layer.data);
    for (const p of leafPaths(layer.data)) {
      // A leaf replaces anything recorded below it (an object replaced by a string, say).
      for (const o of [...origins.keys()]) if (o.startsWith(`${p}.`)) origins.delete(o);
      origins.set(p, layer.origins.get(p) ?? layer.name);
    }
  }
  return { data, origins };
}

/** Where the value at `path` (or the nearest enclosing key) came from. */
export function originOf(origins: ReadonlyMap<string, string>, path: string): string | null {
  const parts = path.split(".");
  for (let n = parts.length; n > 0; n--) {
    const o = origins.get(parts.slice(0, n).join("."));
    if (o !== undefined) return o;
  }
  // A key below the path (e.g. an object whose leaves came from the file).
  for (const [k, o] of origins) if (k.startsWith(`${path}.`)) return o;
  return null;
}
