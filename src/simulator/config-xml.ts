/**
 * config.xml of jobs and folders: what the simulator reads from it, and how it writes it back
 * (docs/simulator-jobs.md). The posted document is kept as a DOM (@xmldom/xmldom), so every element
 * the simulator does not model (builders, publishers, SCM, wrappers...) is written back unchanged;
 * the fields the REST API can change (`disabled`, `description`) are updated in place.
 *
 * Read, after the XStream forms Jenkins and Jenkins Job Builder write:
 * - FreeStyle (`<project>`): `assignedNode` + `canRoam` (`AbstractProject.getAssignedLabelString`,
 *   `AbstractProject.java:416-425`), `disabled`, `concurrentBuild`, `description`;
 * - Pipeline (`<flow-definition>`): `disabled`, `description`, `definition/script`, and
 *   `DisableConcurrentBuildsJobProperty` for concurrency;
 * - Folder (`com.cloudbees.hudson.plugins.folder.Folder`): `description`;
 * - parameter definitions under `properties/hudson.model.ParametersDefinitionProperty`: String, Text,
 *   Boolean, Choice, and the NodeLabel Parameter plugin's Node and Label parameters.
 */
import { DOMParser, type Document, type Element, XMLSerializer } from "@xmldom/xmldom";
import { escapeAtom, parseLabelExpression } from "../util/label-expr.js";
import type { SimParamSpec, SimParamType } from "./types.js";

export type ItemKind = "freestyle" | "pipeline" | "folder";

/** What the simulator models of an item's config.xml. */
export interface ItemConfig {
  readonly kind: ItemKind;
  readonly description: string | null;
  readonly disabled: boolean;
  readonly concurrent: boolean;
  /** `labelExpression` as Jenkins exports it: null when the job may roam. */
  readonly labelExpression: string | null;
  readonly parameters: SimParamSpec[];
  /** Pipeline: the inline script of a CpsFlowDefinition; null otherwise (or a script from SCM). */
  readonly script: string | null;
}

/** A config.xml that Jenkins would not load: `status` and `message` are what it answers. */
export class ConfigXmlError extends Error {
  override readonly name = "ConfigXmlError";
  readonly status: number;
  constructor(message: string, status = 500, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** XStream aliases and class names of the item types the simulator models. */
const ROOTS: Record<string, ItemKind> = {
  project: "freestyle",
  "hudson.model.FreeStyleProject": "freestyle",
  "flow-definition": "pipeline",
  "org.jenkinsci.plugins.workflow.job.WorkflowJob": "pipeline",
  "com.cloudbees.hudson.plugins.folder.Folder": "folder",
};

const NODE_PLUGIN = "org.jvnet.jenkins.plugins.nodelabelparameter.";
const PARAM_TAGS: Record<string, SimParamType> = {
  "hudson.model.StringParameterDefinition": "string",
  "hudson.model.TextParameterDefinition": "text",
  "hudson.model.BooleanParameterDefinition": "boolean",
  "hudson.model.ChoiceParameterDefinition": "choice",
  [`${NODE_PLUGIN}NodeParameterDefinition`]: "node",
  [`${NODE_PLUGIN}LabelParameterDefinition`]: "label",
};
const PARAM_CLASS = Object.fromEntries(Object.entries(PARAM_TAGS).map(([k, v]) => [v, k])) as Record<SimParamType, string>;
const NO_CONCURRENT = "org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty";

/** Parses a document; a malformed one is the TransformerException Jenkins wraps (`ItemGroupMixIn.java:313-315`). */
export function parseXml(text: string, what: string): Document {
  try {
    return new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") throw new ConfigXmlError(msg);
      },
    }).parseFromString(text, "text/xml");
  } catch (e) {
    const detail = e instanceof Error ? e.message.split("\n")[0] : String(e);
    throw new ConfigXmlError(`java.io.IOException: ${what}: ${detail ?? ""}`, 500, { cause: e });
  }
}

export function childElements(e: Element): Element[] {
  const out: Element[] = [];
  for (let n = e.firstChild; n !== null; n = n.nextSibling) if (n.nodeType === 1) out.push(n as Element);
  return out;
}

export function child(e: Element | null | undefined, tag: string): Element | null {
  if (e === null || e === undefined) return null;
  return childElements(e).find((c) => c.tagName === tag) ?? null;
}

function text(e: Element | null): string | null {
  return e === null ? null : (e.textContent ?? "");
}

function bool(e: Element | null, dflt: boolean): boolean {
  const t = text(e)?.trim();
  return t === undefined || t === "" ? dflt : t === "true";
}

function parameter(def: Element): SimParamSpec | null {
  // A definition class the simulator does not model is read as a string parameter (docs/simulator-jobs.md).
  const type = PARAM_TAGS[def.tagName] ?? "string";
  const name = text(child(def, "name"))?.trim() ?? "";
  if (name === "") return null;
  const description = text(child(def, "description"));
  const spec: SimParamSpec = { name, type, ...(description !== null && description !== "" ? { description } : {}) };
  if (type === "choice") {
    const strings = child(def, "choices")?.getElementsByTagName("string") ?? [];
    spec.choices = Array.from(strings, (s) => s.textContent ?? "");
    if (spec.choices.length === 0) spec.choices = [""];
    return spec;
  }
  if (type === "node") {
    const first = child(def, "defaultSlaves")?.getElementsByTagName("string")[0];
    if (first !== undefined) spec.default = first.textContent ?? "";
    return spec;
  }
  const d = text(child(def, "defaultValue"));
  if (d !== null) spec.default = type === "boolean" ? String(d.trim() === "true") : d;
  return spec;
}

function parameters(root: Element): SimParamSpec[] {
  const defs = child(child(child(root, "properties"), "hudson.model.ParametersDefinitionProperty"), "parameterDefinitions");
  if (defs === null) return [];
  const seen = new Set<string>();
  const out: SimParamSpec[] = [];
  for (const d of childElements(defs)) {
    const p = parameter(d);
    // A repeated name keeps its first definition: `ParametersDefinitionProperty.getParameterDefinition` returns the first.
    if (p === null || seen.has(p.name)) continue;
    seen.add(p.name);
    out.push(p);
  }
  return out;
}

/** `AbstractProject.getAssignedLabelString`: null when roaming; an expression that does not parse becomes a quoted atom. */
function assignedLabel(root: Element): string | null {
  const node = text(child(root, "assignedNode"));
  if (bool(child(root, "canRoam"), node === null) || node === null || node.trim() === "") return null;
  try {
    parseLabelExpression(node);
    return node;
  } catch {
    return escapeAtom(node);
  }
}

/** Reads an item's config.xml. `what` names it in errors (Jenkins names the file). */
export function readConfig(doc: Document, what: string): ItemConfig {
  const root = doc.documentElement;
  if (root === null) throw new ConfigXmlError(`java.io.IOException: ${what}: no root element`);
  const kind = ROOTS[root.tagName];
  // XStream cannot resolve the class: XmlFile.read → IOException "Unable to read" (`ItemGroupMixIn.java:292,316-318`).
  if (kind === undefined) throw new ConfigXmlError(`java.io.IOException: Unable to read ${what}: com.thoughtworks.xstream.mapper.CannotResolveClassException: ${root.tagName}`);
  const description = text(child(root, "description"));
  const script = kind === "pipeline" ? text(child(child(root, "definition"), "script")) : null;
  const props = child(root, "properties");
  return {
    kind,
    description: description === "" ? null : description,
    disabled: kind !== "folder" && bool(child(root, "disabled"), false),
    concurrent: kind === "pipeline" ? child(props, NO_CONCURRENT) === null : bool(child(root, "concurrentBuild"), false),
    labelExpression: kind === "freestyle" ? assignedLabel(root) : null,
    parameters: kind === "folder" ? [] : parameters(root),
    script,
  };
}

/** Sets (or adds) a direct child's text, as XStream re-serialising the changed field would. */
export function setChildText(doc: Document, parent: Element, tag: string, value: string): void {
  let e = child(parent, tag);
  if (e === null) {
    e = doc.createElement(tag);
    parent.appendChild(e);
  }
  while (e.firstChild !== null) e.removeChild(e.firstChild);
  if (value !== "") e.appendChild(doc.createTextNode(value));
}

/** The answer of GET config.xml: XStream2.toXMLUTF8's declaration (`XStream2.java:383-387`), then the document. */
export function writeConfig(doc: Document): string {
  const root = doc.documentElement;
  return `<?xml version="1.1" encoding="UTF-8"?>\n${root === null ? "" : new XMLSerializer().serializeToString(root)}`;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function paramXml(p: SimParamSpec): string {
  const cls = PARAM_CLASS[p.type];
  const head = `        <${cls}>\n          <name>${esc(p.name)}</name>\n          <description>${esc(p.description ?? "")}</description>\n`;
  let body: string;
  if (p.type === "choice") body = `          <choices class="java.util.Arrays$ArrayList">\n            <a class="string-array">\n${(p.choices ?? []).map((c) => `              <string>${esc(c)}</string>\n`).join("")}            </a>\n          </choices>\n`;
  else if (p.type === "node") body = `          <defaultSlaves>${p.default === undefined || p.default === "" ? "" : `<string>${esc(p.default)}</string>`}</defaultSlaves>\n          <allowedSlaves/>\n`;
  else body = `          <defaultValue>${esc(p.default ?? (p.type === "boolean" ? "false" : ""))}</defaultValue>\n`;
  return `${head}${body}        </${cls}>\n`;
}

/** What the simulator knows of an item made without a config.xml (addJob, a scenario), written as Jenkins would. */
export interface ConfigSource {
  readonly kind: ItemKind;
  readonly description: string | null;
  readonly disabled: boolean;
  readonly concurrent: boolean;
  readonly labelExpression: string | null;
  readonly parameters: readonly SimParamSpec[];
  readonly script: string | null;
}

export function renderConfig(s: ConfigSource): string {
  const desc = `  <description>${esc(s.description ?? "")}</description>\n`;
  if (s.kind === "folder") {
    return `<com.cloudbees.hudson.plugins.folder.Folder plugin="cloudbees-folder">\n  <actions/>\n${desc}  <properties/>\n  <views/>\n</com.cloudbees.hudson.plugins.folder.Folder>`;
  }
  const params = s.parameters.length === 0 ? "" : `    <hudson.model.ParametersDefinitionProperty>\n      <parameterDefinitions>\n${s.parameters.map(paramXml).join("")}      </parameterDefinitions>\n    </hudson.model.ParametersDefinitionProperty>\n`;
  if (s.kind === "pipeline") {
    const props = `${s.concurrent ? "" : `    <${NO_CONCURRENT}/>\n`}${params}`;
    return [
      '<flow-definition plugin="workflow-job">',
      "  <actions/>",
      desc.trimEnd(),
      "  <keepDependencies>false</keepDependencies>",
      props === "" ? "  <properties/>" : `  <properties>\n${props}  </properties>`,
      '  <definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps">',
      `    <script>${esc(s.script ?? "")}</script>`,
      "    <sandbox>true</sandbox>",
      "  </definition>",
      "  <triggers/>",
      `  <disabled>${s.disabled}</disabled>`,
      "</flow-definition>",
    ].join("\n");
  }
  return [
    "<project>",
    "  <actions/>",
    desc.trimEnd(),
    "  <keepDependencies>false</keepDependencies>",
    params === "" ? "  <properties/>" : `  <properties>\n${params}  </properties>`,
    '  <scm class="hudson.scm.NullSCM"/>',
    ...(s.labelExpression === null ? ["  <canRoam>true</canRoam>"] : [`  <assignedNode>${esc(s.labelExpression)}</assignedNode>`, "  <canRoam>false</canRoam>"]),
    `  <disabled>${s.disabled}</disabled>`,
    "  <blockBuildWhenDownstreamBuilding>false</blockBuildWhenDownstreamBuilding>",
    "  <blockBuildWhenUpstreamBuilding>false</blockBuildWhenUpstreamBuilding>",
    "  <triggers/>",
    `  <concurrentBuild>${s.concurrent}</concurrentBuild>`,
    "  <builders/>",
    "  <publishers/>",
    "  <buildWrappers/>",
    "</project>",
  ].join("\n");
}
