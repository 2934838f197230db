/** Reads secret files. Errors name the file and the key, never the content. */
import { readFile } from "node:fs/promises";

import { ConfigError } from "./errors.js";

const WHY: Record<string, string> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EISDIR: "it is a directory",
};

export async function readSecretFile(key: string, path: string, source: string | null): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(key, `${key}: cannot read "${path}": ${WHY[code] ?? code}`, { cause: e, source });
  }
  const secret = text.trim();
  if (secret === "") throw new ConfigError(key, `${key}: "${path}" is empty`, { source });
  if (/[\r\n]/.test(secret)) throw new ConfigError(key, `${key}: "${path}" must hold the secret on one line`, { source });
  return secret;
}
