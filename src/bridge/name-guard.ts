/**
 * Two masters, one name (docs/contract.md "The management functions"): Zuul routes `stop:NAME` and `set_description:NAME` by
 * the master name it read from WORK_DATA, so two sidecars under one name abort and describe
 * each other's builds. Before registering the management functions, every Gearman server is
 * asked (admin `workers`) whether another worker already holds `stop:NAME`; if one does, the
 * functions are not registered, and the sidecar says so until the other goes away. Two
 * sidecars starting at once both register; the one whose client id sorts last withdraws.
 */
import type { Logger } from "pino";

import { stopFunction } from "./functions.js";
import type { GearmanAdminPort } from "./ports.js";

export interface NameConflict {
  server: string;
  clientId: string;
  ip: string;
}

export class NameGuard {
  readonly #admin: GearmanAdminPort | null;
  readonly #fn: string;
  readonly #own: string;
  readonly #log: Logger;
  #conflicts: NameConflict[] = [];

  constructor(o: { admin: GearmanAdminPort | null; master: string; ownClientId: string; logger: Logger }) {
    this.#admin = o.admin;
    this.#fn = stopFunction(o.master);
    this.#own = o.ownClientId;
    this.#log = o.logger;
  }

  get conflicts(): readonly NameConflict[] {
    return this.#conflicts;
  }

  /**
   * Other workers holding `stop:NAME`. `registered`: ours is registered too, so only a holder
   * whose client id sorts before ours wins (the later one withdraws). A server that cannot be
   * asked is skipped: a down server cannot hold a registration.
   */
  async check(registered: boolean): Promise<readonly NameConflict[]> {
    if (this.#admin === null) return [];
    const found: NameConflict[] = [];
    for (const server of this.#admin.servers) {
      let workers: { clientId: string; ip: string; functions: string[] }[];
      try {
        workers = await this.#admin.workers(server);
      } catch (e) {
        this.#log.debug({ err: e, server }, "cannot list the workers of a Gearman server; skipping it in the name check");
        continue;
      }
      for (const w of workers) {
        if (w.clientId === this.#own || !w.functions.includes(this.#fn)) continue;
        if (registered && w.clientId > this.#own) continue;
        found.push({ server, clientId: w.clientId, ip: w.ip });
      }
    }
    if (found.length > 0 && this.#conflicts.length === 0) {
      const c = found[0];
      this.#log.error(
        { function: this.#fn, other: found },
        `another worker (${c?.clientId ?? "?"} at ${c?.ip ?? "?"} on ${c?.server ?? "?"}) already registers ${this.#fn}: Zuul would send this master's stop and set_description to it. Give each master its own --master-name; not registering them meanwhile`,
      );
    } else if (found.length === 0 && this.#conflicts.length > 0) this.#log.info({ function: this.#fn }, "the other holder of the master name is gone: registering the management functions");
    this.#conflicts = found;
    return found;
  }
}
