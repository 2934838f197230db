/**
 * Exported-bean tables for jobs, folders, builds, actions and parameters (docs/jenkins-rest.md "Listing every job", "Builds"), with the
 * visibilities of the Jenkins sources: Job name/url/color and Run number/url are 2, ParameterValue 3
 * (its value 4), ParametersAction.parameters and CauseAction.causes 2, Cause fields 3.
 */
import type { Build, Cause, Job, Model, ParamValue } from "./model.js";
import { type Bean, type BeanType, type PropDef, type Value, bean } from "./render.js";
import type { SimParamSpec, SimParamType } from "./types.js";

export interface Ctx {
  readonly m: Model;
  /** Root URL with a trailing slash. */
  readonly root: string;
  readonly useSecurity: boolean;
  readonly useCrumbs: boolean;
}

export const CLS = {
  freestyle: "hudson.model.FreeStyleProject",
  pipeline: "org.jenkinsci.plugins.workflow.job.WorkflowJob",
  folder: "com.cloudbees.hudson.plugins.folder.Folder",
  freestyleBuild: "hudson.model.FreeStyleBuild",
  pipelineBuild: "org.jenkinsci.plugins.workflow.job.WorkflowRun",
  placeholder: "org.jenkinsci.plugins.workflow.support.steps.ExecutorStepExecution$PlaceholderTask$PlaceholderExecutable",
} as const;

const NODE_PLUGIN = "org.jvnet.jenkins.plugins.nodelabelparameter.";
const DEF_CLASS: Record<SimParamType, string> = {
  string: "hudson.model.StringParameterDefinition",
  text: "hudson.model.TextParameterDefinition",
  choice: "hudson.model.ChoiceParameterDefinition",
  boolean: "hudson.model.BooleanParameterDefinition",
  node: `${NODE_PLUGIN}NodeParameterDefinition`,
  label: `${NODE_PLUGIN}LabelParameterDefinition`,
};
const VALUE_CLASS: Record<SimParamType, string> = {
  string: "hudson.model.StringParameterValue",
  text: "hudson.model.TextParameterValue",
  choice: "hudson.model.StringParameterValue",
  boolean: "hudson.model.BooleanParameterValue",
  node: `${NODE_PLUGIN}NodeParameterValue`,
  label: `${NODE_PLUGIN}LabelParameterValue`,
};

export type P<T> = PropDef<T, Ctx>;
export const EMPTY: Bean = bean<null, Ctx>({ cls: () => null, props: [] }, null);
export const emptyList: readonly Value[] = [];

// ---- parameters ----

const paramValueType: BeanType<ParamValue, Ctx> = {
  cls: (p) => VALUE_CLASS[p.type],
  props: [
    { name: "name", vis: 3, get: (p) => p.name },
    { name: "value", vis: 4, get: (p) => (p.type === "boolean" ? p.value === "true" : p.value) },
  ],
};

export function defaultValue(p: SimParamSpec): string {
  if (p.type === "choice") return p.default ?? p.choices?.[0] ?? "";
  if (p.type === "boolean") return String(p.default === "true");
  return p.default ?? "";
}

const paramDefProps: P<SimParamSpec>[] = [
  { name: "defaultParameterValue", vis: 3, get: (p) => bean(paramValueType, { name: p.name, type: p.type, value: defaultValue(p) }) },
  { name: "description", vis: 3, get: (p) => p.description ?? "" },
  { name: "name", vis: 3, get: (p) => p.name },
  { name: "type", vis: 3, get: (p) => DEF_CLASS[p.type].slice(DEF_CLASS[p.type].lastIndexOf(".") + 1) },
];
const EXTRA_DEF_PROPS: Partial<Record<SimParamType, P<SimParamSpec>[]>> = {
  choice: [{ name: "choices", vis: 3, get: (p) => p.choices ?? [] }],
  node: [
    { name: "allowedSlaves", vis: 3, get: () => emptyList },
    { name: "defaultSlaves", vis: 3, get: (p) => (p.default === undefined ? emptyList : [p.default]) },
  ],
};
const paramDefTypes = new Map<SimParamType, BeanType<SimParamSpec, Ctx>>();
function paramDefType(t: SimParamType): BeanType<SimParamSpec, Ctx> {
  let bt = paramDefTypes.get(t);
  if (bt === undefined) {
    bt = { cls: (p) => DEF_CLASS[p.type], props: [...paramDefProps, ...(EXTRA_DEF_PROPS[t] ?? [])] };
    paramDefTypes.set(t, bt);
  }
  return bt;
}

export const paramsDefPropertyType: BeanType<Job, Ctx> = {
  cls: () => "hudson.model.ParametersDefinitionProperty",
  props: [{ name: "parameterDefinitions", get: (j) => j.params.map((p) => bean(paramDefType(p.type), p)) }],
};

// ---- actions and causes ----

const causeType: BeanType<Cause, Ctx> = {
  cls: (c) => c.cls,
  props: [{ name: "shortDescription", vis: 3, get: (c) => c.shortDescription }],
};
const userCauseType: BeanType<Cause, Ctx> = {
  cls: (c) => c.cls,
  props: [
    { name: "shortDescription", vis: 3, get: (c) => c.shortDescription },
    { name: "userId", vis: 3, get: (c) => c.userId },
    { name: "userName", vis: 3, get: (c) => c.userName },
  ],
};
const parametersActionType: BeanType<readonly ParamValue[], Ctx> = {
  cls: () => "hudson.model.ParametersAction",
  props: [{ name: "parameters", vis: 2, get: (ps) => ps.map((p) => bean(paramValueType, p)) }],
};
const causeActionType: BeanType<readonly Cause[], Ctx> = {
  cls: () => "hudson.model.CauseAction",
  props: [{ name: "causes", vis: 2, get: (cs) => cs.map((c) => bean(c.userId === null ? causeType : userCauseType, c)) }],
};

/** ParametersAction (when there are parameters) and CauseAction, as on queue items and builds. */
export function runActions(params: readonly ParamValue[], causes: readonly Cause[], extra: boolean): Value[] {
  const out: Value[] = [];
  if (params.length > 0) out.push(bean(parametersActionType, params));
  out.push(bean(causeActionType, causes));
  if (extra) out.push(EMPTY);
  return out;
}

// ---- builds ----

export function buildUrl(ctx: Ctx, b: Build): string {
  return ctx.root + b.path;
}

export function buildRef(ctx: Ctx, b: Build | undefined | null): Value {
  return b === undefined || b === null || !ctx.m.isVisible(b) ? null : bean(buildType(b), b);
}

const runProps: P<Build>[] = [
  { name: "actions", get: (b) => runActions(b.params, b.causes, true) },
  { name: "artifacts", get: () => emptyList },
  { name: "building", get: (b) => b.building },
  { name: "description", get: (b) => b.description },
  { name: "displayName", get: (b) => `#${b.number}` },
  { name: "duration", get: (b) => (b.building ? 0 : b.duration) },
  { name: "estimatedDuration", get: (b, c) => c.m.estimatedDuration(b.job) },
  { name: "executor", get: (b) => (!b.building ? null : b.slot < 0 ? oneOffExecutorBean(b) : executorBean(b.slot, b)) },
  { name: "fullDisplayName", get: (b) => `${b.job.fullName.split("/").join(" » ")} #${b.number}` },
  { name: "id", get: (b) => String(b.number) },
  { name: "inProgress", get: (b) => b.building },
  { name: "keepLog", get: () => false },
  { name: "number", vis: 2, get: (b) => b.number },
  { name: "queueId", get: (b) => b.queueId },
  { name: "result", get: (b) => b.result },
  { name: "timestamp", get: (b) => b.startedAt },
  { name: "url", vis: 2, get: (b, c) => buildUrl(c, b) },
];
const emptyChangeSet: Bean = bean<null, Ctx>(
  { cls: () => "hudson.scm.EmptyChangeLogSet", props: [{ name: "items", get: () => emptyList }, { name: "kind", get: () => null }] },
  null,
);
export const freestyleBuildType: BeanType<Build, Ctx> = {
  cls: () => CLS.freestyleBuild,
  props: [
    ...runProps,
    { name: "builtOn", get: (b) => b.node.name },
    { name: "changeSet", get: () => emptyChangeSet },
    { name: "culprits", get: () => emptyList },
  ],
};
const pipelineBuildType: BeanType<Build, Ctx> = {
  cls: () => CLS.pipelineBuild,
  props: [...runProps, { name: "changeSets", get: () => emptyList }, { name: "culprits", get: () => emptyList }],
};
/**
 * What an executor shows while a Pipeline `node {}` block runs on it: the @Exported getters of
 * `PlaceholderExecutable` (workflow-durable-task-step ExecutorStepExecution.java:1220-1272; `url` is the run's absolute URL).
 */
const placeholderType: BeanType<Build, Ctx> = {
  cls: () => CLS.placeholder,
  props: [
    { name: "displayName", get: (b) => `part of ${b.job.fullName.split("/").join(" » ")} #${b.number}` },
    { name: "estimatedDuration", get: (b, c) => c.m.estimatedDuration(b.job) },
    { name: "fullDisplayName", get: (b) => `part of ${b.job.fullName.split("/").join(" » ")} #${b.number}` },
    { name: "number", vis: 2, get: (b) => b.number },
    { name: "timestamp", get: (b) => b.startedAt },
    { name: "url", vis: 2, get: (b, c) => buildUrl(c, b) },
  ],
};

export function buildType(b: Build): BeanType<Build, Ctx> {
  return b.job.type === "pipeline" ? pipelineBuildType : freestyleBuildType;
}

export function buildBean(b: Build): Bean {
  return bean(buildType(b), b);
}

// ---- executors ----

interface ExecutorView {
  readonly index: number;
  readonly build: Build | null;
  /** A one-off executor holding a Pipeline run (the run itself is its executable). */
  readonly oneOff: boolean;
}
const executorType: BeanType<ExecutorView, Ctx> = {
  cls: () => null, // declared type Executor: no _class (docs/jenkins-rest.md "Rendering")
  props: [
    {
      name: "currentExecutable",
      get: (e, c) => {
        if (e.build === null || !c.m.isVisible(e.build)) return null;
        if (e.oneOff) return bean(buildType(e.build), e.build);
        return bean(e.build.job.type === "pipeline" ? placeholderType : freestyleBuildType, e.build);
      },
    },
    { name: "idle", get: (e) => e.build === null },
    { name: "likelyStuck", get: () => false },
    { name: "number", get: (e) => e.index },
    {
      name: "progress",
      get: (e, c) => {
        if (e.build === null || !c.m.isVisible(e.build)) return -1;
        const d = c.m.estimatedDuration(e.build.job);
        if (d <= 0) return -1;
        return Math.min(99, Math.floor(((c.m.now() - e.build.startedAt) * 100) / d));
      },
    },
  ],
};

export function executorBean(index: number, build: Build | null): Bean {
  return bean(executorType, { index, build, oneOff: false });
}

/** `OneOffExecutor`: number -1 (`OneOffExecutor.java:38`). */
export function oneOffExecutorBean(build: Build): Bean {
  return bean(executorType, { index: -1, build, oneOff: true });
}

