/**
 * Computer, ComputerSet, root (Hudson) and label beans (docs/jenkins-rest.md "Root", "Computers", "Labels"). Computers have no `name`: use
 * `displayName`; executors and assignedLabels carry no `_class`; the self-label is included.
 */
import { type Ctx, executorBean, oneOffExecutorBean } from "./beans.js";
import { allView, jobsOf } from "./beans-jobs.js";
import type { OfflineCause, SimNode } from "./model.js";
import { type Bean, type BeanType, type Value, bean } from "./render.js";
import { nodeDisplayName } from "./why.js";
import { type LabelExpr, parseLabelExpression } from "../util/label-expr.js";

const labelAtomType: BeanType<string, Ctx> = {
  cls: () => null,
  props: [{ name: "name", vis: 2, get: (l) => l }],
};

function labelBeans(n: SimNode): Value[] {
  return [...n.labelSet].sort().map((l) => bean(labelAtomType, l));
}

const offlineCauseType: BeanType<OfflineCause, Ctx> = {
  cls: (o) => o.cls,
  props: [
    { name: "description", get: (o) => o.description },
    { name: "timestamp", get: (o) => o.timestamp },
  ],
};

const plain = (cls: string | null): Bean => bean<null, Ctx>({ cls: () => cls, props: [] }, null);

const computerProps: BeanType<SimNode, Ctx>["props"] = [
  { name: "actions", get: () => [] },
  { name: "assignedLabels", get: (n) => labelBeans(n) },
  { name: "description", get: (n) => n.description },
  { name: "displayName", get: (n) => nodeDisplayName(n) },
  { name: "executors", get: (n) => n.slots.map((b, i) => executorBean(i, b)) },
  { name: "icon", get: (n, c) => (c.m.isOnline(n) ? "symbol-computer" : "symbol-computer-offline") },
  { name: "iconClassName", get: (n, c) => (c.m.isOnline(n) ? "symbol-computer" : "symbol-computer-offline") },
  // Computer.isIdle: every executor, one-off executors included.
  { name: "idle", get: (n) => n.busy === 0 && n.oneOff.length === 0 },
  { name: "jnlpAgent", get: (n) => !n.builtIn },
  { name: "launchSupported", get: (n) => n.builtIn },
  { name: "loadStatistics", get: () => plain("hudson.model.Label$1") },
  { name: "manualLaunchAllowed", get: () => true },
  { name: "monitorData", get: () => plain(null) },
  { name: "numExecutors", get: (n) => n.slots.length },
  { name: "offline", get: (n, c) => !c.m.isOnline(n) },
  { name: "offlineCause", get: (n) => (n.offlineCause === null ? null : bean(offlineCauseType, n.offlineCause)) },
  // IOfflineCause.getOfflineCauseReason: the user's message for a UserCause, else the cause's text, else "".
  { name: "offlineCauseReason", get: (n) => n.offlineCause?.reason ?? "" },
  { name: "oneOffExecutors", get: (n) => n.oneOff.map(oneOffExecutorBean) },
  { name: "temporarilyOffline", get: (n) => n.temporarilyOffline },
];

const masterComputerType: BeanType<SimNode, Ctx> = { cls: () => "hudson.model.Hudson$MasterComputer", props: computerProps };
const slaveComputerType: BeanType<SimNode, Ctx> = {
  cls: () => "hudson.slaves.SlaveComputer",
  props: [...computerProps, { name: "absoluteRemotePath", get: () => null }],
};

export function computerBean(n: SimNode): Bean {
  return bean(n.builtIn ? masterComputerType : slaveComputerType, n);
}

function executorCounts(ctx: Ctx): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const n of ctx.m.nodes.values()) {
    if (!ctx.m.isOnline(n)) continue;
    busy += n.busy;
    total += n.slots.length;
  }
  return { busy, total };
}

const computerSetType: BeanType<null, Ctx> = {
  cls: () => "hudson.model.ComputerSet",
  props: [
    { name: "busyExecutors", get: (_x, c) => executorCounts(c).busy },
    { name: "computer", inline: true, get: (_x, c) => c.m.computers().map(computerBean) },
    { name: "displayName", get: () => "Nodes" },
    { name: "totalExecutors", get: (_x, c) => executorCounts(c).total },
  ],
};

export function computerSetBean(): Bean {
  return bean(computerSetType, null);
}

const rootType: BeanType<null, Ctx> = {
  cls: () => "hudson.model.Hudson",
  props: [
    { name: "assignedLabels", get: (_x, c) => labelBeans(c.m.builtIn) },
    { name: "mode", get: (_x, c) => (c.m.builtIn.exclusive ? "EXCLUSIVE" : "NORMAL") },
    { name: "nodeDescription", get: (_x, c) => c.m.builtIn.description },
    { name: "nodeName", get: () => "" },
    { name: "numExecutors", get: (_x, c) => c.m.builtIn.slots.length },
    { name: "description", get: () => null },
    { name: "jobs", get: (_x, c) => jobsOf(c, c.m.root) },
    { name: "overallLoad", get: () => plain(null) },
    { name: "primaryView", get: (_x, c) => allView(c) },
    { name: "quietDownReason", get: (_x, c) => c.m.quietDownReason },
    { name: "quietingDown", get: (_x, c) => c.m.quietingDown },
    { name: "slaveAgentPort", get: () => -1 },
    { name: "unlabeledLoad", get: () => plain("jenkins.model.UnlabeledLoadStatistics") },
    { name: "url", get: (_x, c) => c.root },
    { name: "useCrumbs", get: (_x, c) => c.useCrumbs },
    { name: "useSecurity", get: (_x, c) => c.useSecurity },
    { name: "views", get: (_x, c) => [allView(c)] },
  ],
};

export function rootBean(): Bean {
  return bean(rootType, null);
}

const LABEL_CLASSES: Record<LabelExpr["op"], string> = {
  atom: "hudson.model.labels.LabelAtom",
  not: "hudson.model.labels.LabelExpression$Not",
  and: "hudson.model.labels.LabelExpression$And",
  or: "hudson.model.labels.LabelExpression$Or",
  implies: "hudson.model.labels.LabelExpression$Implies",
  iff: "hudson.model.labels.LabelExpression$Iff",
};

interface LabelView {
  readonly name: string;
  readonly expr: LabelExpr;
}

/** Online nodes' executors of the label (`Label.getTotalExecutors`, `getBusyExecutors`, `getIdleExecutors`, Label.java:299-339). */
function labelCounts(c: Ctx, l: LabelView): { total: number; busy: number } {
  let total = 0;
  let busy = 0;
  for (const n of c.m.nodesFor(l.name, l.expr)) {
    if (!c.m.isOnline(n)) continue;
    total += n.slots.length;
    busy += n.busy;
  }
  return { total, busy };
}

/** `hudson.model.Label`'s @Exported getters that the sidecar may read (Label.java:102-395); `nodes`, `clouds`, `tiedJobs` are not modelled. */
const labelType: BeanType<LabelView, Ctx> = {
  cls: (l) => LABEL_CLASSES[l.expr.op],
  props: [
    { name: "busyExecutors", get: (l, c) => labelCounts(c, l).busy },
    { name: "idleExecutors", get: (l, c) => labelCounts(c, l).total - labelCounts(c, l).busy },
    { name: "name", vis: 2, get: (l) => l.name },
    { name: "offline", get: (l, c) => c.m.nodesFor(l.name, l.expr).every((n) => !c.m.isOnline(n)) },
    { name: "totalExecutors", get: (l, c) => labelCounts(c, l).total },
  ],
};

/** `/label/EXPR/` (`Jenkins.getLabel`, Jenkins.java:2006-2025): an expression that does not parse is taken as one atom. */
export function labelBean(raw: string): Bean {
  // QuotedStringTokenizer.unquote: "a b" names the atom a b.
  const name = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
  let expr: LabelExpr;
  try {
    expr = parseLabelExpression(name);
  } catch {
    expr = { op: "atom", name };
  }
  return bean(labelType, { name, expr });
}
