/** Keeps secrets out of printed configuration, and freezes it. */
import { inspect } from "node:util";

import type { Config } from "./types.js";

export const REDACTED = "[redacted]";

const hide = (v: string | null): string | null => (v === null ? null : REDACTED);

/** A plain deep copy of the config with every secret replaced by "[redacted]" (null stays null), for printing. */
export function redactConfig(c: Config): unknown {
  const copy = JSON.parse(JSON.stringify(plain(c))) as Config;
  copy.jenkins.token = hide(c.jenkins.token);
  copy.jenkins.password = hide(c.jenkins.password);
  copy.admin.token = hide(c.admin.token);
  return copy;
}

/** The enumerable data of the config, without the redacting hooks (which would recurse). */
function plain(c: Config): Config {
  return {
    ...c,
    jenkins: { ...c.jenkins },
    gearman: { ...c.gearman, servers: c.gearman.servers.map((s) => ({ ...s, tls: s.tls ? { ...s.tls } : null })) },
    zmq: { ...c.zmq },
    admin: { ...c.admin, listen: { ...c.admin.listen } },
    drain: { ...c.drain },
    log: { ...c.log },
  };
}

function hook<T extends object>(target: T, view: () => unknown): void {
  Object.defineProperty(target, "toJSON", { value: view, enumerable: false });
  Object.defineProperty(target, inspect.custom, {
    value: (_depth: number, options: object) => inspect(view(), options),
    enumerable: false,
  });
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * Adds redacting toJSON / util.inspect hooks (on the root and on the objects that hold secrets, so a
 * logged `config.jenkins` is safe too), then freezes the whole tree.
 */
export function sealConfig(c: Config): Readonly<Config> {
  hook(c, () => redactConfig(c));
  hook(c.jenkins, () => ({ ...c.jenkins, token: hide(c.jenkins.token), password: hide(c.jenkins.password) }));
  hook(c.admin, () => ({ ...c.admin, token: hide(c.admin.token) }));
  return deepFreeze(c);
}
