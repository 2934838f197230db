/**
 * Job, folder, queue and queue-item beans (kept together: a job shows its queue item, whose task is the job).
 * Queue and queue-item beans (docs/jenkins-rest.md "Queue", `Queue.java:2260-2480`). Queue.Item declares default visibility 999,
 * so an item renders fully wherever it appears; its `url` is relative ("queue/item/42/").
 */
import { type Ctx, type P as Prop, CLS, EMPTY, buildBean, buildRef, buildType, emptyList, paramsDefPropertyType, runActions } from "./beans.js";
import type { Build, Folder, Item, Job, Model, QueueItem } from "./model.js";
import { type Bean, type BeanType, type PropDef, type Value, bean, lazy } from "./render.js";
import { isStuck, whyOf } from "./why.js";

type P = PropDef<QueueItem, Ctx>;
const V = 999;

export const QUEUE_CLS = {
  waiting: "hudson.model.Queue$WaitingItem",
  blocked: "hudson.model.Queue$BlockedItem",
  buildable: "hudson.model.Queue$BuildableItem",
  left: "hudson.model.Queue$LeftItem",
} as const;

const queueProps: P[] = [
  { name: "actions", vis: V, get: (q) => runActions(q.params, q.causes, false) },
  { name: "blocked", vis: V, get: (q) => q.state === "blocked" },
  { name: "buildable", vis: V, get: (q) => q.state === "buildable" },
  { name: "id", vis: V, get: (q) => q.id },
  { name: "inQueueSince", vis: V, get: (q) => q.inQueueSince },
  { name: "params", vis: V, get: (q) => q.params.map((p) => `\n${p.name}=${p.value}`).join("") },
  { name: "stuck", vis: V, get: (q, c) => isStuck(c.m, q) },
  { name: "task", vis: V, get: (q) => jobTaskBean(q.job) },
  { name: "url", vis: V, get: (q) => `queue/item/${q.id}/` },
  { name: "why", vis: V, get: (q, c) => whyOf(c.m, q) },
];

const waitingType: BeanType<QueueItem, Ctx> = {
  cls: () => QUEUE_CLS.waiting,
  props: [...queueProps, { name: "timestamp", vis: V, get: (q) => q.due }],
};
const blockedType: BeanType<QueueItem, Ctx> = {
  cls: () => QUEUE_CLS.blocked,
  props: [...queueProps, { name: "buildableStartMilliseconds", vis: V, get: (q) => q.buildableSince }],
};
const buildableType: BeanType<QueueItem, Ctx> = {
  cls: () => QUEUE_CLS.buildable,
  props: [
    ...queueProps,
    { name: "buildableStartMilliseconds", vis: V, get: (q) => q.buildableSince },
    { name: "pending", vis: V, get: () => false },
  ],
};
const leftType: BeanType<QueueItem, Ctx> = {
  cls: () => QUEUE_CLS.left,
  props: [
    ...queueProps,
    { name: "cancelled", vis: V, get: (q) => q.cancelled },
    {
      // Null during the window between onStartExecuting and setExecutable (`Executor.java:380-396`).
      name: "executable",
      vis: V,
      get: (q, c) => (q.build !== null && c.m.isVisible(q.build) ? buildBean(q.build) : null),
    },
  ],
};

const TYPES = { waiting: waitingType, blocked: blockedType, buildable: buildableType, left: leftType } as const;

export function queueItemBean(_ctx: Ctx, q: QueueItem): Bean {
  return bean(TYPES[q.state], q);
}

/** `Queue.getItems()`: waiting items, then blocked, then buildable ones newest first. */
function liveItems(ctx: Ctx): Value[] {
  const waiting: Value[] = [];
  const blocked: Value[] = [];
  const buildable: Value[] = [];
  for (const q of ctx.m.queue.values()) {
    const b = bean(TYPES[q.state], q);
    if (q.state === "waiting") waiting.push(b);
    else if (q.state === "blocked") blocked.push(b);
    else buildable.push(b);
  }
  return [...waiting, ...blocked, ...buildable.reverse()];
}

const queueType: BeanType<null, Ctx> = {
  cls: () => "hudson.model.Queue",
  props: [
    { name: "discoverableItems", get: () => [] },
    { name: "items", inline: true, get: (_q, c) => liveItems(c) },
  ],
};

export function queueBean(): Bean {
  return bean(queueType, null);
}

// ---- jobs and folders ----

const COLORS = { SUCCESS: "blue", UNSTABLE: "yellow", FAILURE: "red", NOT_BUILT: "notbuilt", ABORTED: "aborted" } as const;

export function jobColor(m: Model, j: Job): string {
  if (j.disabled) return "disabled";
  let building = false;
  const now = m.now();
  for (let i = j.builds.length - 1; i >= 0; i--) {
    const b = j.builds[i] as Build;
    if (b.startedAt > now) continue;
    if (b.building) building = true;
    else return building ? `${COLORS[b.result ?? "NOT_BUILT"]}_anime` : COLORS[b.result ?? "NOT_BUILT"];
  }
  return building ? "notbuilt_anime" : "notbuilt";
}

function lastWhere(ctx: Ctx, j: Job, ok: (b: Build) => boolean): Value {
  const now = ctx.m.now();
  for (let i = j.builds.length - 1; i >= 0; i--) {
    const b = j.builds[i] as Build;
    if (b.startedAt <= now && ok(b)) return bean(buildType(b), b);
  }
  return null;
}

export function itemUrl(ctx: Ctx, it: Item): string {
  return ctx.root + it.path;
}

const itemProps: Prop<Item>[] = [
  { name: "description", get: (i) => (i.kind === "job" ? i.description : null) },
  { name: "displayName", get: (i) => i.name },
  { name: "displayNameOrNull", get: () => null },
  { name: "fullDisplayName", get: (i) => i.fullName.split("/").join(" » ") },
  { name: "fullName", get: (i) => i.fullName },
  { name: "name", vis: 2, get: (i) => i.name },
  { name: "url", vis: 2, get: (i, c) => itemUrl(c, i) },
];

const jobProps: Prop<Job>[] = [
  { name: "actions", get: (j) => (j.params.length > 0 ? [bean(paramsDefPropertyType, j), EMPTY] : [EMPTY]) },
  ...(itemProps as Prop<Job>[]),
  { name: "buildable", get: (j) => !j.disabled },
  {
    name: "builds",
    get: (j, c) => {
      const list = c.m.visibleBuilds(j);
      return lazy(Math.min(100, list.length), (i) => buildBean(list[i] as Build));
    },
  },
  { name: "color", vis: 2, get: (j, c) => jobColor(c.m, j) },
  { name: "firstBuild", get: (j, c) => buildRef(c, j.builds[0]) },
  { name: "healthReport", get: () => emptyList },
  { name: "inQueue", get: (j) => j.queued.size > 0 },
  { name: "keepDependencies", get: () => false },
  { name: "lastBuild", get: (j, c) => lastWhere(c, j, () => true) },
  { name: "lastCompletedBuild", get: (j, c) => lastWhere(c, j, (b) => !b.building) },
  { name: "lastFailedBuild", get: (j, c) => lastWhere(c, j, (b) => !b.building && b.result === "FAILURE") },
  { name: "lastStableBuild", get: (j, c) => lastWhere(c, j, (b) => !b.building && b.result === "SUCCESS") },
  { name: "lastSuccessfulBuild", get: (j, c) => lastWhere(c, j, (b) => !b.building && (b.result === "SUCCESS" || b.result === "UNSTABLE")) },
  { name: "lastUnstableBuild", get: (j, c) => lastWhere(c, j, (b) => !b.building && b.result === "UNSTABLE") },
  { name: "lastUnsuccessfulBuild", get: (j, c) => lastWhere(c, j, (b) => !b.building && b.result !== "SUCCESS") },
  { name: "nextBuildNumber", get: (j) => j.nextBuildNumber },
  { name: "property", inline: true, get: (j) => (j.params.length > 0 ? [bean(paramsDefPropertyType, j)] : emptyList) },
  {
    name: "queueItem",
    get: (j, c) => {
      const first = j.queued.values().next();
      return first.done === true ? null : queueItemBean(c, first.value);
    },
  },
  {
    name: "allBuilds",
    vis: -2,
    get: (j, c) => {
      const list = c.m.visibleBuilds(j);
      return lazy(list.length, (i) => buildBean(list[i] as Build));
    },
  },
  { name: "concurrentBuild", get: (j) => j.concurrent },
  { name: "disabled", get: (j) => j.disabled },
];

const freestyleType: BeanType<Job, Ctx> = {
  cls: () => CLS.freestyle,
  props: [
    ...jobProps,
    { name: "downstreamProjects", get: () => emptyList },
    { name: "labelExpression", get: (j) => j.labelExpression },
    { name: "scm", get: () => bean<null, Ctx>({ cls: () => "hudson.scm.NullSCM", props: [] }, null) },
    { name: "upstreamProjects", get: () => emptyList },
  ],
};
const pipelineType: BeanType<Job, Ctx> = {
  cls: () => CLS.pipeline,
  props: [...jobProps, { name: "resumeBlocked", get: () => false }],
};

export const allView = (ctx: Ctx): Bean =>
  bean<null, Ctx>(
    {
      cls: () => "hudson.model.AllView",
      props: [
        { name: "name", vis: 2, get: () => "all" },
        { name: "url", vis: 2, get: () => ctx.root },
      ],
    },
    null,
  );

/** Children of a folder (or the root), sorted as Jenkins keeps them. */
export function jobsOf(ctx: Ctx, f: Folder): Value {
  const kids = ctx.m.children(f);
  return lazy(kids.length, (i) => itemBean(kids[i] as Item));
}

const folderType: BeanType<Folder, Ctx> = {
  cls: () => CLS.folder,
  props: [
    { name: "actions", get: () => [EMPTY] },
    ...(itemProps as Prop<Folder>[]),
    { name: "healthReport", get: () => emptyList },
    { name: "jobs", get: (f, c) => jobsOf(c, f) },
    { name: "primaryView", get: (_f, c) => allView(c) },
    { name: "views", get: (_f, c) => [allView(c)] },
  ],
};

export function itemBean(it: Item): Bean {
  if (it.kind === "folder") return bean(folderType, it);
  return bean(it.type === "pipeline" ? pipelineType : freestyleType, it);
}

export function jobTaskBean(j: Job): Bean {
  return bean(j.type === "pipeline" ? pipelineType : freestyleType, j);
}
