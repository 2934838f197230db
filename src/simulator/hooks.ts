/**
 * Test hooks under /__sim/ (POST JSON bodies; GET for reads), for the CLI, scripts and other processes:
 * addNode, removeNode, dropAgent, reconnectAgent, setNodeLabels, setNodeOffline, addJob, removeJob,
 * setJobDisabled, setJobLabel, setJobParameters, setJobScript, triggerBuild, finishBuild, abortBuild,
 * setBuildResult, cancelQueueItem, advance, tick, quietDown, cancelQuietDown, builds, runningBuilds,
 * queue, requestLog, clearRequestLog, fault, holdTriggers, cost (GET) and cost/reset. No auth, no faults.
 */
import { type Reply, type SimReq, json } from "./http.js";
import {
  PARAM_TYPES, type SimBuild, type SimCostReport, type SimFault, type SimJobSpec, type SimNodeSpec, type SimParamSpec, type SimParamType,
  type SimQueueItem, type SimRequest, type SimResult, isSimResult,
} from "./types.js";

/** What the hooks drive: the JenkinsSimulator (an interface, so the two files do not import each other). */
export interface HookTarget {
  now(): number;
  addNode(spec: SimNodeSpec): void;
  removeNode(name: string): void;
  dropAgent(name: string): void;
  reconnectAgent(name: string): void;
  setNodeLabels(name: string, labels: string[]): void;
  setNodeOffline(name: string, offline: boolean, message?: string): void;
  addJob(spec: SimJobSpec): void;
  removeJob(fullName: string): void;
  setJobDisabled(fullName: string, disabled: boolean): void;
  setJobLabel(fullName: string, labelExpression: string | null): void;
  setJobParameters(fullName: string, parameters: readonly SimParamSpec[]): void;
  setJobScript(fullName: string, s: { durationMs?: number; result?: SimResult }): void;
  triggerBuild(job: string, params?: Record<string, string>, opts?: { delaySec?: number }): number;
  finishBuild(job: string, number: number, result: SimResult): void;
  abortBuild(job: string, number: number): void;
  setBuildResult(job: string, number: number, result: SimResult): void;
  cancelQueueItem(id: number): void;
  advance(ms: number): void;
  tick(): void;
  quietDown(reason?: string | null): void;
  cancelQuietDown(): void;
  builds(job?: string): SimBuild[];
  runningBuilds(): SimBuild[];
  queueItems(): SimQueueItem[];
  requestLog(): SimRequest[];
  clearRequestLog(): void;
  setFault(f: SimFault | null): Promise<void>;
  holdTriggers(ms: number): void;
  cost(): SimCostReport;
  resetCost(o: { evict?: boolean; buildsInMemory?: number }): void;
}

class HookInputError extends Error {
  override readonly name = "HookInputError";
}

type Body = Record<string, unknown>;

function str(b: Body, k: string): string {
  const v = b[k];
  if (typeof v !== "string") throw new HookInputError(`"${k}" must be a string`);
  return v;
}

function num(b: Body, k: string): number {
  const v = b[k];
  if (typeof v !== "number" || !Number.isFinite(v)) throw new HookInputError(`"${k}" must be a number`);
  return v;
}

function result(b: Body): SimResult {
  const v = b["result"];
  if (!isSimResult(v)) throw new HookInputError(`"result" must be one of SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED`);
  return v;
}

const ok = (extra: Record<string, unknown> = {}): Reply => json(JSON.stringify({ ok: true, ...extra }));

/** `[{name, type, default?, choices?, description?}]` for setJobParameters. */
function paramSpecs(b: Body): SimParamSpec[] {
  const list = b["parameters"];
  if (!Array.isArray(list)) throw new HookInputError(`"parameters" must be a list of {name, type}`);
  return list.map((v: unknown, i): SimParamSpec => {
    const p = (v !== null && typeof v === "object" ? v : {}) as Body;
    const type = p["type"];
    if (typeof type !== "string" || !(PARAM_TYPES as readonly string[]).includes(type)) throw new HookInputError(`parameters[${i}].type must be one of ${PARAM_TYPES.join(", ")}`);
    return {
      name: str(p, "name"), type: type as SimParamType,
      ...(typeof p["default"] === "string" ? { default: p["default"] } : {}),
      ...(Array.isArray(p["choices"]) ? { choices: (p["choices"] as unknown[]).map(String) } : {}),
      ...(typeof p["description"] === "string" ? { description: p["description"] } : {}),
    };
  });
}

/** `{evict?, buildsInMemory?}` for cost/reset. */
function costReset(b: Body): { evict?: boolean; buildsInMemory?: number } {
  return { ...(b["evict"] === true ? { evict: true } : {}), ...(b["buildsInMemory"] !== undefined ? { buildsInMemory: num(b, "buildsInMemory") } : {}) };
}

export async function handleHook(sim: HookTarget, req: SimReq): Promise<Reply> {
  const name = req.segs[0] ?? "";
  let body: Body = {};
  if (req.method === "POST" && req.rawBody.trim() !== "") {
    try {
      const parsed: unknown = JSON.parse(req.rawBody);
      body = parsed !== null && typeof parsed === "object" ? (parsed as Body) : {};
    } catch {
      return json(JSON.stringify({ error: "body is not JSON" }), 400);
    }
  }
  try {
    if (req.method === "GET") {
      switch (name) {
        case "requestLog":
          return json(JSON.stringify(sim.requestLog()));
        case "builds":
          return json(JSON.stringify(sim.builds(req.query.get("job") ?? undefined)));
        case "runningBuilds":
          return json(JSON.stringify(sim.runningBuilds()));
        case "cost":
          return json(JSON.stringify(sim.cost()));
        case "queue":
          return json(JSON.stringify(sim.queueItems()));
      }
      return json(JSON.stringify({ error: `no GET hook "${name}"` }), 404);
    }
    if (req.method !== "POST") return json(JSON.stringify({ error: "use POST" }), 405);
    switch (name) {
      case "addNode":
        sim.addNode(body as unknown as SimNodeSpec);
        return ok();
      case "removeNode":
        sim.removeNode(str(body, "name"));
        return ok();
      case "dropAgent":
        sim.dropAgent(str(body, "name"));
        return ok();
      case "reconnectAgent":
        sim.reconnectAgent(str(body, "name"));
        return ok();
      case "setNodeLabels":
        sim.setNodeLabels(str(body, "name"), Array.isArray(body["labels"]) ? (body["labels"] as unknown[]).map(String) : []);
        return ok();
      case "setNodeOffline":
        sim.setNodeOffline(str(body, "name"), body["offline"] !== false, typeof body["message"] === "string" ? body["message"] : "");
        return ok();
      case "addJob":
        sim.addJob(body as unknown as SimJobSpec);
        return ok();
      case "removeJob":
        sim.removeJob(str(body, "name"));
        return ok();
      case "setJobDisabled":
        sim.setJobDisabled(str(body, "name"), body["disabled"] === true);
        return ok();
      case "setJobLabel":
        sim.setJobLabel(str(body, "name"), typeof body["labelExpression"] === "string" ? body["labelExpression"] : null);
        return ok();
      case "setJobParameters":
        sim.setJobParameters(str(body, "name"), paramSpecs(body));
        return ok();
      case "setJobScript":
        sim.setJobScript(str(body, "name"), {
          ...(typeof body["durationMs"] === "number" ? { durationMs: body["durationMs"] } : {}),
          ...(body["result"] !== undefined ? { result: result(body) } : {}),
        });
        return ok();
      case "triggerBuild": {
        const params = (body["params"] ?? {}) as Record<string, unknown>;
        const p = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
        const id = sim.triggerBuild(str(body, "job"), p, typeof body["delaySec"] === "number" ? { delaySec: body["delaySec"] } : {});
        return ok({ queueId: id });
      }
      case "finishBuild":
        sim.finishBuild(str(body, "job"), num(body, "number"), result(body));
        return ok();
      case "abortBuild":
        sim.abortBuild(str(body, "job"), num(body, "number"));
        return ok();
      case "setBuildResult":
        sim.setBuildResult(str(body, "job"), num(body, "number"), result(body));
        return ok();
      case "cancelQueueItem":
        sim.cancelQueueItem(num(body, "id"));
        return ok();
      case "advance":
        sim.advance(num(body, "ms"));
        return ok({ now: sim.now() });
      case "tick":
        sim.tick();
        return ok();
      case "quietDown":
        sim.quietDown(typeof body["reason"] === "string" ? body["reason"] : null);
        return ok();
      case "cancelQuietDown":
        sim.cancelQuietDown();
        return ok();
      case "clearRequestLog":
        sim.clearRequestLog();
        return ok();
      case "requestLog":
        return json(JSON.stringify(sim.requestLog()));
      case "fault":
        return await fault(sim, body);
      case "holdTriggers":
        sim.holdTriggers(num(body, "ms"));
        return ok();
      case "cost":
        if (req.segs[1] !== "reset") break;
        sim.resetCost(costReset(body));
        return ok();
    }
    return json(JSON.stringify({ error: `no hook "${name}"` }), 404);
  } catch (e) {
    const status = e instanceof HookInputError || (e instanceof Error && e.name === "SimulatorSpecError") ? 400 : e instanceof Error && /^Unknown/.test(e.name) ? 404 : 500;
    return json(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }), status);
  }
}

/**
 * `{status?, html?, latencyMs?, down?, hang?, upAfterMs?}`, or `{}` to clear. `upAfterMs` reopens after a
 * down, or ends a hang.
 */
async function fault(sim: HookTarget, body: Body): Promise<Reply> {
  const f: SimFault = {};
  if (typeof body["status"] === "number") f.status = body["status"];
  if (body["html"] === true) f.html = true;
  if (typeof body["latencyMs"] === "number") f.latencyMs = body["latencyMs"];
  if (body["down"] === true) f.down = true;
  if (body["hang"] === true) f.hang = true;
  const clear = Object.keys(f).length === 0;
  if (f.hang === true && f.down !== true && typeof body["upAfterMs"] === "number") {
    await sim.setFault(f);
    const t = setTimeout(() => sim.setFault(null).catch(() => undefined), body["upAfterMs"]);
    t.unref();
    return ok({ hang: true });
  }
  if (f.down === true) {
    const up = typeof body["upAfterMs"] === "number" ? body["upAfterMs"] : null;
    // Answer first, then go down; the listener cannot answer once closed.
    setImmediate(() => {
      sim.setFault(f).catch(() => undefined);
      if (up !== null) {
        const t = setTimeout(() => sim.setFault(null).catch(() => undefined), up);
        t.unref();
      }
    });
    return ok({ down: true });
  }
  await sim.setFault(clear ? null : f);
  return ok();
}
