/**
 * Reads a directory of job XML as `jenkins-jobs test -o DIR` writes it (jenkins_jobs/builder.py 3.11
 * `_setup_output`): a file per job named after it (`DIR/folder/job`), or with `--config-xml`
 * `DIR/folder/job/config.xml`. Folders are sub-directories; a folder's own XML (Folder project type) is
 * loaded before its children, and a sub-directory without one is a plain folder.
 */
import { readFile, readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { SimulatorSpecError } from "./errors.js";

export interface ItemXml {
  /** "folder/job" */
  readonly fullName: string;
  readonly xml: string;
  /** Where it was read, for error messages. */
  readonly file: string;
}

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new SimulatorSpecError(`cannot read the job directory ${dir}`, { cause: e });
  }
  for (const e of entries) {
    if (e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** Every item of the directory, parents before children. */
export async function readJobsDir(dir: string): Promise<ItemXml[]> {
  const files: string[] = [];
  await walk(dir, files);
  const items: ItemXml[] = [];
  for (const file of files) {
    const parts = relative(dir, file).split(sep);
    if (parts[parts.length - 1] === "config.xml") parts.pop();
    else if (parts.length > 0) parts[parts.length - 1] = (parts[parts.length - 1] as string).replace(/\.xml$/, "");
    if (parts.length === 0) throw new SimulatorSpecError(`${file}: a config.xml at the top of the job directory names no job`);
    items.push({ fullName: parts.join("/"), xml: await readFile(file, "utf8"), file });
  }
  const seen = new Map<string, string>();
  for (const it of items) {
    const had = seen.get(it.fullName);
    if (had !== undefined) throw new SimulatorSpecError(`${it.file} and ${had} both define "${it.fullName}"`);
    seen.set(it.fullName, it.file);
  }
  const depth = (s: string): number => s.split("/").length;
  return items.sort((a, b) => depth(a.fullName) - depth(b.fullName) || (a.fullName < b.fullName ? -1 : a.fullName > b.fullName ? 1 : 0));
}
