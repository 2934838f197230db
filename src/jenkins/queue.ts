/**
 * The build queue (docs/jenkins-rest.md "Queue"): the live items, one item (live, or left for 5 minutes), cancel.
 * A LeftItem with `executable: null` and `cancelled: false` is about to start (Executor.run
 * creates the LeftItem before the build): keep polling it, it is not cancelled.
 */
import type { HttpCore } from "./http.js";
import { actionParameters, asObj, buildRef, optBool, optNum, optStr, reqArr, reqNum, reqStr, simpleClass, type Ctx } from "./parse.js";
import { QUEUE_STATE, type QueueItem, type QueueItemState } from "./types.js";

export const QUEUE_ITEM_FIELDS =
  "id,why,blocked,buildable,stuck,cancelled,inQueueSince,task[name,url],actions[parameters[name,value]],executable[number,url]";

const STATE_BY_CLASS: Record<string, QueueItemState> = {
  WaitingItem: QUEUE_STATE.waiting,
  BlockedItem: QUEUE_STATE.blocked,
  BuildableItem: QUEUE_STATE.buildable,
  LeftItem: QUEUE_STATE.left,
};

export function parseQueueItem(ctx: Ctx, raw: unknown, field: string): QueueItem {
  const o = asObj(ctx, raw, field);
  const task = asObj(ctx, o["task"], `${field}.task`);
  let state = STATE_BY_CLASS[simpleClass(optStr(o, "_class"))];
  // Without _class, fall back on the fields: only a LeftItem has `cancelled`/`executable`.
  state ??= "cancelled" in o || "executable" in o
    ? QUEUE_STATE.left
    : optBool(o, "blocked")
      ? QUEUE_STATE.blocked
      : optBool(o, "buildable")
        ? QUEUE_STATE.buildable
        : QUEUE_STATE.waiting;
  return {
    id: reqNum(ctx, o, "id", `${field}.id`),
    state,
    why: optStr(o, "why"),
    stuck: optBool(o, "stuck", false),
    cancelled: optBool(o, "cancelled", false),
    executable: buildRef(o["executable"]),
    jobName: reqStr(ctx, task, "name", `${field}.task.name`),
    jobUrl: optStr(task, "url") ?? "",
    params: actionParameters(o["actions"]),
    inQueueSince: optNum(o, "inQueueSince") ?? 0,
  };
}

export async function listQueue(http: HttpCore): Promise<QueueItem[]> {
  const r = await http.request({ method: "GET", path: "queue/api/json", query: { tree: `items[${QUEUE_ITEM_FIELDS}]` }, expect: "json" });
  const ctx: Ctx = { url: r.url };
  return reqArr(ctx, asObj(ctx, r.body, "(root)"), "items", "items").map((it, i) => parseQueueItem(ctx, it, `items[${i}]`));
}

/** The item, live or left; null once Jenkins forgot it (404, 5 minutes after it left). */
export async function getQueueItem(http: HttpCore, id: number): Promise<QueueItem | null> {
  const r = await http.request({ method: "GET", path: `queue/item/${id}/api/json`, query: { tree: QUEUE_ITEM_FIELDS }, expect: "json", accept: [404] });
  if (r.status === 404) return null;
  return parseQueueItem({ url: r.url }, r.body, "(item)");
}

/** POST /queue/cancelItem?id=N: 204 (302 before 2.211) -> true; 404 (unknown or already left) -> false. */
export async function cancelQueueItem(http: HttpCore, id: number): Promise<boolean> {
  const r = await http.request({ method: "POST", path: "queue/cancelItem", query: { id }, expect: "none", accept: [404] });
  return r.status !== 404;
}
