/**
 * The package's own version, read once from its package.json. This file sits two levels below the
 * package root both as source (src/util/version.ts, run through tsx in a checkout) and compiled
 * (dist/util/version.js, in the installed package), so one relative URL finds package.json in both.
 */
import { readFileSync } from "node:fs";

/** Thrown when package.json cannot be read or has no version: a broken install, not a user error. */
export class PackageVersionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PackageVersionError";
  }
}

const PACKAGE_JSON = new URL("../../package.json", import.meta.url);

function readVersion(): string {
  let text: string;
  try {
    text = readFileSync(PACKAGE_JSON, "utf8");
  } catch (e) {
    throw new PackageVersionError(`cannot read ${PACKAGE_JSON.pathname}: the package is incomplete; reinstall it`, { cause: e });
  }
  const parsed: unknown = JSON.parse(text);
  const v = typeof parsed === "object" && parsed !== null ? (parsed as { version?: unknown }).version : undefined;
  if (typeof v !== "string" || v === "") throw new PackageVersionError(`${PACKAGE_JSON.pathname} has no "version"`);
  return v;
}

let cached: string | undefined;

/** The version in package.json, e.g. "0.1.0". @throws PackageVersionError */
export function packageVersion(): string {
  cached ??= readVersion();
  return cached;
}
