#!/usr/bin/env -S node --optimize-for-size
// The installed command: runs the compiled CLI, or the TypeScript sources through tsx in a checkout.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

process.env.JGS_CLI_MAIN = "1";
const dist = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (existsSync(dist)) {
  await import(dist);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli.ts", import.meta.url).href);
}
