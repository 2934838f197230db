/** Shared helpers for the simulator's integration tests: a token-authenticated fetch over real HTTP. */
import { type JenkinsSimulator, type SimulatorOptions, startSimulator } from "../../src/simulator/index.js";

export const USER = "sidecar";
export const TOKEN = "11aa22bb33cc";
export const PASSWORD = "s3cret";
export const TOKEN_AUTH = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString("base64")}`;
export const PASSWORD_AUTH = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString("base64")}`;

export interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

/** A simulator with one token+password user and the manual clock, unless overridden. */
export function start(opts: SimulatorOptions = {}): Promise<JenkinsSimulator> {
  return startSimulator({ users: [{ user: USER, token: TOKEN, password: PASSWORD }], clock: "manual", ...opts });
}

export async function call(sim: JenkinsSimulator, method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Res> {
  const r = await fetch(sim.url + path.replace(/^\//, ""), {
    method,
    redirect: "manual",
    headers: { Authorization: TOKEN_AUTH, ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const text = await r.text();
  let json: Record<string, unknown> = {};
  if ((r.headers.get("content-type") ?? "").startsWith("application/json") && text !== "") json = JSON.parse(text) as Record<string, unknown>;
  return { status: r.status, headers: r.headers, text, json };
}

export const get = (sim: JenkinsSimulator, path: string, headers: Record<string, string> = {}): Promise<Res> => call(sim, "GET", path, { headers });
export const post = (sim: JenkinsSimulator, path: string, headers: Record<string, string> = {}, body?: string): Promise<Res> =>
  call(sim, "POST", path, body === undefined ? { headers } : { headers, body });

/** The queue id from a trigger's Location header. */
export function queueId(res: Res): number {
  const m = /\/queue\/item\/(\d+)\/$/.exec(res.headers.get("location") ?? "");
  if (m === null) throw new Error(`no queue item location in ${res.status} ${res.headers.get("location") ?? "(none)"}`);
  return Number(m[1]);
}

/** Lets the setImmediate scheduler tick that follows a change run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
