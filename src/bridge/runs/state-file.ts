/**
 * What the sidecar keeps on disk across restarts (docs/architecture.md "State file"): the
 * in-flight builds, so that a restarted sidecar adopts a build it already started instead of
 * triggering it again when gearmand hands it the requeued job; the drain state, so that a
 * drain survives a restart; and the ZUUL_UUIDs of jobs failed while their trigger's outcome was
 * unknown, so that a build Jenkins queued anyway is cancelled. Written atomically (temp file +
 * rename); writes that arrive together are coalesced into one.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { StateFileError } from "../errors.js";

export interface InFlightRecord {
  /** Gearman unique id (Zuul's ZUUL_UUID). */
  readonly unique: string;
  /** The ZUUL_UUID build parameter, to find the build in Jenkins. */
  readonly uuid: string | null;
  readonly fn: string;
  /** Full name of the Jenkins job. */
  readonly job: string;
  readonly node: string;
  readonly grabbedAt: number;
  /** triggering: the POST may have been sent, no queue id known. */
  readonly phase: "triggering" | "queued" | "running";
  readonly queueId: number | null;
  readonly buildUrl: string | null;
  readonly number: number | null;
}

export interface DrainRecord {
  readonly quietDown: boolean;
  readonly since: number;
}

/** A job failed while Jenkins may have queued its build: such a build is cancelled when it shows up. */
export interface Tombstone {
  readonly uuid: string;
  readonly job: string;
  readonly at: number;
}

interface StateFileV2 {
  version: 2;
  builds: InFlightRecord[];
  drain: DrainRecord | null;
  tombstones: Tombstone[];
}

export class StateStore {
  readonly #path: string;
  readonly #records = new Map<string, InFlightRecord>();
  #drain: DrainRecord | null = null;
  #tombstones: Tombstone[] = [];
  #writing: Promise<void> | null = null;
  #dirty = false;

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** Reads the file (version 1 or 2); a missing file is an empty state. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw new StateFileError(this.#path, "read", { cause: e });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new StateFileError(this.#path, "parse (it is not JSON; move it aside to start empty)", { cause: e });
    }
    const o = typeof parsed === "object" && parsed !== null ? (parsed as Partial<StateFileV2>) : {};
    for (const b of Array.isArray(o.builds) ? o.builds : []) {
      if (typeof b.unique !== "string" || b.unique === "") continue;
      // Version 1 had no phase: a record without a queue id was written just before a trigger.
      const phase = b.phase ?? (b.buildUrl ? "running" : b.queueId !== null && b.queueId !== undefined ? "queued" : "triggering");
      this.#records.set(b.unique, { ...b, uuid: b.uuid ?? null, phase });
    }
    this.#drain = o.drain ?? null;
    this.#tombstones = Array.isArray(o.tombstones) ? o.tombstones : [];
  }

  get(unique: string): InFlightRecord | undefined {
    return this.#records.get(unique);
  }

  all(): InFlightRecord[] {
    return [...this.#records.values()];
  }

  get size(): number {
    return this.#records.size;
  }

  get drain(): DrainRecord | null {
    return this.#drain;
  }

  get tombstones(): readonly Tombstone[] {
    return this.#tombstones;
  }

  /** Records (or updates) a build and resolves once it is on disk. */
  async put(r: InFlightRecord): Promise<void> {
    this.#records.set(r.unique, r);
    await this.#flush();
  }

  async delete(unique: string): Promise<void> {
    if (this.#records.delete(unique)) await this.#flush();
  }

  async setDrain(d: DrainRecord | null): Promise<void> {
    this.#drain = d;
    await this.#flush();
  }

  async setTombstones(t: readonly Tombstone[]): Promise<void> {
    this.#tombstones = [...t];
    await this.#flush();
  }

  /** Resolves once no write is in progress or pending (close() waits for it, so nothing is written after stop). */
  async settled(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
  }

  /** Writes now if anything is pending; resolves when the disk holds the current state. */
  async #flush(): Promise<void> {
    this.#dirty = true;
    while (this.#dirty) {
      if (this.#writing) {
        await this.#writing;
        continue;
      }
      this.#dirty = false;
      this.#writing = this.#write().finally(() => {
        this.#writing = null;
      });
      await this.#writing;
    }
  }

  async #write(): Promise<void> {
    const body: StateFileV2 = { version: 2, builds: [...this.#records.values()], drain: this.#drain, tombstones: this.#tombstones };
    const tmp = `${this.#path}.${process.pid}.tmp`;
    try {
      await mkdir(dirname(this.#path), { recursive: true });
      await writeFile(tmp, JSON.stringify(body));
      await rename(tmp, this.#path);
    } catch (e) {
      throw new StateFileError(this.#path, "write", { cause: e });
    }
  }
}
