/**
 * A JSON-lines journal on disk: appended line by line, replaced atomically (temp file +
 * rename). A line cut by a crash is the last one; readers stop there.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

export class JournalFile {
  readonly path: string;
  #dirReady = false;

  constructor(path: string) {
    this.path = path;
  }

  /** The lines, or none when the file does not exist. */
  async load(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
    return text.split("\n").filter((l) => l !== "");
  }

  async append(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    await this.#dir();
    await appendFile(this.path, `${lines.join("\n")}\n`);
  }

  async rewrite(lines: readonly string[]): Promise<void> {
    await this.#dir();
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, lines.length === 0 ? "" : `${lines.join("\n")}\n`);
    await rename(tmp, this.path);
  }

  async #dir(): Promise<void> {
    if (this.#dirReady) return;
    await mkdir(dirname(this.path), { recursive: true });
    this.#dirReady = true;
  }
}
