/**
 * `/pluginManager/api/json` and `/me/api/json`. The plugin list holds the plugins whose behaviour the simulator
 * models, with the @Exported getters of `hudson.PluginWrapper` (PluginWrapper.java:577-1180) and its Dependency
 * (PluginWrapper.java:454-462); python-jenkins' get_plugins() keys them by shortName and longName (jenkins/__init__.py
 * 1.4 get_plugins), which JJB reads for plugin versions (jenkins_jobs/registry.py 3.11 _get_plugins_info_dict).
 */
import type { Ctx } from "./beans.js";
import { type Bean, type BeanType, type Value, bean } from "./render.js";

export interface SimPlugin {
  readonly shortName: string;
  readonly longName: string;
  readonly version: string;
  readonly url: string;
  readonly dependencies: readonly { readonly shortName: string; readonly version: string; readonly optional: boolean }[];
}

/** The plugins behind what the simulator models: node/label parameters, folders, Pipeline jobs and `node` steps. */
export const SIM_PLUGINS: readonly SimPlugin[] = [
  { shortName: "cloudbees-folder", longName: "Folders", version: "6.999.v42253c105443", url: "https://plugins.jenkins.io/cloudbees-folder", dependencies: [] },
  {
    shortName: "nodelabelparameter", longName: "Node and Label parameter plugin", version: "1.13.0", url: "https://plugins.jenkins.io/nodelabelparameter",
    dependencies: [{ shortName: "jquery", version: "1.12.4-1", optional: false }],
  },
  { shortName: "workflow-api", longName: "Pipeline: API", version: "1336.vee415d95c521", url: "https://plugins.jenkins.io/workflow-api", dependencies: [] },
  {
    shortName: "workflow-cps", longName: "Pipeline: Groovy", version: "4007.vd705fc76a_34e", url: "https://plugins.jenkins.io/workflow-cps",
    dependencies: [{ shortName: "workflow-api", version: "1336.vee415d95c521", optional: false }],
  },
  {
    shortName: "workflow-durable-task-step", longName: "Pipeline: Nodes and Processes", version: "1378.v6a_3e903058a_3", url: "https://plugins.jenkins.io/workflow-durable-task-step",
    dependencies: [{ shortName: "workflow-api", version: "1336.vee415d95c521", optional: false }],
  },
  {
    shortName: "workflow-job", longName: "Pipeline: Job", version: "1468.vcf4f5ee92395", url: "https://plugins.jenkins.io/workflow-job",
    dependencies: [{ shortName: "workflow-api", version: "1336.vee415d95c521", optional: false }],
  },
];

const dependencyType: BeanType<SimPlugin["dependencies"][number], Ctx> = {
  cls: () => null,
  props: [
    { name: "optional", get: (d) => d.optional },
    { name: "shortName", get: (d) => d.shortName },
    { name: "version", get: (d) => d.version },
  ],
};

// Declared type PluginWrapper (PluginManager.getPlugins, PluginManager.java:1271-1274): no `_class`.
const pluginType: BeanType<SimPlugin, Ctx> = {
  cls: () => null,
  props: [
    { name: "active", get: () => true },
    { name: "backupVersion", get: () => null },
    { name: "bundled", get: () => false },
    { name: "deleted", get: () => false },
    { name: "dependencies", get: (p) => p.dependencies.map((d): Value => bean(dependencyType, d)) },
    { name: "detached", get: () => false },
    { name: "downgradable", get: () => false },
    { name: "enabled", get: () => true },
    { name: "hasUpdate", get: () => false },
    { name: "longName", get: (p) => p.longName },
    { name: "pinned", get: () => false },
    { name: "requiredCoreVersion", get: () => "2.479.1" },
    { name: "shortName", get: (p) => p.shortName },
    { name: "supportsDynamicLoad", get: () => "MAYBE" },
    { name: "url", get: (p) => p.url },
    { name: "version", get: (p) => p.version },
  ],
};

const pluginManagerType: BeanType<null, Ctx> = {
  cls: () => "hudson.LocalPluginManager",
  props: [{ name: "plugins", get: () => SIM_PLUGINS.map((p): Value => bean(pluginType, p)) }],
};

export function pluginManagerBean(): Bean {
  return bean(pluginManagerType, null);
}

interface UserView {
  readonly id: string;
  readonly fullName: string;
}

/** `hudson.model.User`'s @Exported getters (User.java:282-393). */
const userType: BeanType<UserView, Ctx> = {
  cls: () => "hudson.model.User",
  props: [
    { name: "absoluteUrl", get: (u, c) => `${c.root}user/${encodeURIComponent(u.id.toLowerCase())}` },
    { name: "description", get: () => null },
    { name: "fullName", get: (u) => u.fullName },
    { name: "id", get: (u) => u.id },
    { name: "property", get: () => [] },
  ],
};

export function userBean(id: string, fullName: string): Bean {
  return bean(userType, { id, fullName });
}
