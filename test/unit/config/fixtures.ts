/** Temporary files for config tests, removed by `cleanup()`. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  readonly dir: string;
  write(name: string, content: string): string;
  cleanup(): void;
}

export function tempDir(): TempDir {
  const dir = mkdtempSync(join(tmpdir(), "jgs-config-"));
  return {
    dir,
    write(name, content) {
      const p = join(dir, name);
      writeFileSync(p, content);
      return p;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const URL_FLAG = { jenkinsUrl: "https://jenkins.example.org/ci" } as const;
