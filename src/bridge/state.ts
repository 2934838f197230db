/**
 * In-flight builds kept on disk, so that a restarted sidecar adopts a build it already started
 * instead of triggering it again when gearmand hands it the requeued job (DESIGN.md,
 * "A build is never started twice for one Gearman job"). Written atomically (temp file +
 * rename); writes that arrive together are coalesced into one.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import { StateFileError } from "./errors.js";

export interface InFlightRecord {
  /** Gearman unique id (Zuul's ZUUL_UUID). */
  readonly unique: string;
  readonly fn: string;
  /** Full name of the Jenkins job. */
  readonly job: string;
  readonly node: string;
  readonly grabbedAt: number;
  queueId: number | null;
  buildUrl: string | null;
  number: number | null;
}

interface StateFileV1 {
  version: 1;
  builds: InFlightRecord[];
}

export class StateStore {
  readonly #path: string;
  readonly #records = new Map<string, InFlightRecord>();
  #writing: Promise<void> | null = null;
  #dirty = false;

  constructor(path: string) {
    this.#path = path;
  }

  get path(): string {
    return this.#path;
  }

  /** Reads the file; a missing file is an empty state. */
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
    const builds = (parsed as Partial<StateFileV1>).builds;
    if (!Array.isArray(builds)) return;
    for (const b of builds) {
      if (typeof b.unique === "string" && b.unique !== "") this.#records.set(b.unique, { ...b });
    }
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

  /** Records (or updates) a build and resolves once it is on disk. */
  async put(r: InFlightRecord): Promise<void> {
    this.#records.set(r.unique, r);
    await this.#flush();
  }

  async delete(unique: string): Promise<void> {
    if (this.#records.delete(unique)) await this.#flush();
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
    const body: StateFileV1 = { version: 1, builds: [...this.#records.values()] };
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
