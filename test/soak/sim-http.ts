/** The soak's small HTTP and TCP probes: the simulator's /__sim/ hooks, and whether a port accepts connections. */
import { connect } from "node:net";

import type { SimProcess } from "./procs.js";

export interface SimBuildJson {
  job: string;
  number: number;
  queueId: number;
  node: string;
  building: boolean;
  result: string | null;
  startedAt: number;
  duration: number;
  parameters: Record<string, string>;
}

/** POST a /__sim/ hook; throws on no answer within the bound (a stopped simulator). */
export async function simHook(sim: SimProcess, name: string, body: unknown, timeoutMs = 3000): Promise<unknown> {
  const res = await fetch(new URL(`__sim/${name}`, sim.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  const out: unknown = await res.json();
  if (!res.ok) throw new Error(`/__sim/${name} answered ${res.status}: ${JSON.stringify(out)}`);
  return out;
}

export async function simBuilds(sim: SimProcess, timeoutMs = 5000): Promise<SimBuildJson[]> {
  const res = await fetch(new URL("__sim/builds", sim.url), { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`/__sim/builds answered ${res.status}`);
  return (await res.json()) as SimBuildJson[];
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}
