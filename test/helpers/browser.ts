/**
 * Headless Chromium for page tests: Debian's `chromium` (scripts/ensure-chromium.sh installs it in
 * CI), driven by playwright-core, which never downloads a browser of its own. A missing browser is
 * a failed test, never a skipped one. The flags keep Chromium from reaching for the network at start
 * (this machine has none beyond loopback), and each launch gets a fresh profile directory.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function chromiumPath(): string {
  const p = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
  if (spawnSync("test", ["-x", p]).status !== 0) {
    throw new Error(`Chromium is not installed at ${p}: run \`apt-get install -y chromium\` (or \`bash scripts/ensure-chromium.sh\`), or set CHROMIUM_PATH`);
  }
  return p;
}

export interface Browser {
  context: BrowserContext;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "jgs-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_FLAGS,
      timeout: 30_000,
    });
    return {
      context,
      async close() {
        await context.close().catch(() => undefined);
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}
