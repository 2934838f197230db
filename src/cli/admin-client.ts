/** Talks to a running sidecar's admin API for `drain`, `resume` and `status`. */
import { readFile } from "node:fs/promises";

import type { DrainStatus, SidecarStatus } from "../bridge/index.js";
import { isDrainStatus, isSidecarStatus } from "./admin-answers.js";
import { CliError, EXIT } from "./exit.js";

export interface AdminTarget {
  url: string;
  token: string | null;
}

export async function adminTarget(o: { admin: string; adminTokenFile?: string }): Promise<AdminTarget> {
  let url = o.admin.includes("://") ? o.admin : `http://${o.admin}`;
  if (!url.endsWith("/")) url += "/";
  let token: string | null = null;
  if (o.adminTokenFile) {
    try {
      token = (await readFile(o.adminTokenFile, "utf8")).trim();
    } catch (e) {
      throw new CliError(`cannot read the admin token file ${o.adminTokenFile}: ${(e as NodeJS.ErrnoException).code ?? "error"}`, EXIT.USAGE, { cause: e });
    }
  }
  return { url, token };
}

export async function adminRequest(t: AdminTarget, method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (t.token) headers["authorization"] = `Bearer ${t.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(new URL(path, t.url), {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new CliError(`cannot reach the sidecar's admin API at ${t.url}: is it running, and is --admin right?`, EXIT.UNREACHABLE, { cause: e });
  }
  const text = await res.text();
  if (res.status === 401) throw new CliError(`the admin API at ${t.url} refused the request: pass --admin-token-file with its bearer token`, EXIT.USAGE);
  if (!res.ok && res.status !== 503) throw new CliError(`the admin API answered ${res.status} for ${method} ${path}: ${text.slice(0, 200)}`, EXIT.FAILURE);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(`the admin API at ${t.url} did not answer JSON for ${path}`, EXIT.FAILURE);
  }
}

function unexpected(t: AdminTarget, what: string): CliError {
  return new CliError(`the admin API at ${t.url} answered ${what} with something this command does not understand; is it a sidecar of the same version?`, EXIT.FAILURE);
}

/** GET /status. */
export async function getStatus(t: AdminTarget): Promise<SidecarStatus> {
  const s = await adminRequest(t, "GET", "status");
  if (!isSidecarStatus(s)) throw unexpected(t, "GET /status");
  return s;
}

/** POST /drain: starts draining (idempotent); answers the drain state. */
export async function postDrain(t: AdminTarget, quietDown: boolean): Promise<DrainStatus> {
  const d = await adminRequest(t, "POST", "drain", { quietDown });
  if (!isDrainStatus(d)) throw unexpected(t, "POST /drain");
  return d;
}

/** POST /resume: takes work again; answers the drain state. */
export async function postResume(t: AdminTarget): Promise<DrainStatus> {
  const d = await adminRequest(t, "POST", "resume", {});
  if (!isDrainStatus(d)) throw unexpected(t, "POST /resume");
  return d;
}
