/**
 * Items made and changed by config.xml: `createItem` (ItemGroupMixIn.createTopLevelItem / createProjectFromXML),
 * `config.xml` GET and POST (AbstractItem.doConfigDotXml / updateByXml), `mode=copy`, and name checks
 * (Jenkins.checkGoodName). Paths are jenkinsci/jenkins at ff9430ee1d; behaviours in docs/simulator-jobs.md.
 */
import type { Document } from "@xmldom/xmldom";
import { parseLabelExpression } from "../util/label-expr.js";
import { type ConfigSource, ConfigXmlError, type ItemConfig, type ItemKind, child, parseXml, readConfig, renderConfig, setChildText, writeConfig } from "./config-xml.js";
import type { SimCore } from "./core.js";
import type { Folder, Item, Job } from "./model.js";
import { nodeStepOf } from "./pipeline.js";
import type { SimJobSpec } from "./types.js";

export const ITEM_CLASS: Record<ItemKind, string> = {
  freestyle: "hudson.model.FreeStyleProject",
  pipeline: "org.jenkinsci.plugins.workflow.job.WorkflowJob",
  folder: "com.cloudbees.hudson.plugins.folder.Folder",
};

/** A `hudson.model.Failure`: 400, its message in the page and in `X-Error` (AbstractModelObject/error.jelly). */
export class ItemFailure extends Error {
  override readonly name = "ItemFailure";
}

/** `Character.isISOControl`. */
const isControl = (code: number): boolean => code < 0x20 || (code >= 0x7f && code <= 0x9f);

/** `Jenkins.toPrintableName`: control characters as `\uXXXX`. */
function printable(name: string): string {
  return [...name].map((c) => (isControl(c.codePointAt(0) ?? 0) ? `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}` : c)).join("");
}

/** `Jenkins.checkGoodName` (Jenkins.java:4268-4293) with hudson/model/Messages.properties texts. */
export function checkGoodName(name: string): void {
  if (name === "") throw new ItemFailure("No name is specified");
  if (name.trim() === "." || name.trim() === "..") throw new ItemFailure(`“${name.trim()}” is not an allowed name`);
  for (const ch of name) {
    const code = ch.codePointAt(0) ?? 0;
    if (isControl(code)) throw new ItemFailure(`No control code is allowed: ${printable(name)}`);
    if ("?*/\\%!@#$^&|<>[]:;".includes(ch)) throw new ItemFailure(`‘${ch}’ is an unsafe character`);
  }
  if (name.trim().endsWith(".")) throw new ItemFailure("A name cannot end with ‘.’");
}

function kindOf(it: Item): ItemKind {
  return it.kind === "folder" ? "folder" : it.type;
}

export function fullNameIn(parent: Folder, name: string): string {
  return parent.fullName === "" ? name : `${parent.fullName}/${name}`;
}

/** Duration and result of builds of jobs made from XML. */
export interface CreatedJobDefaults {
  readonly durationMs: number;
  readonly result: SimJobSpec["result"];
}

function jobSpec(fullName: string, c: ItemConfig, d: CreatedJobDefaults): SimJobSpec {
  return {
    name: fullName, type: c.kind === "pipeline" ? "pipeline" : "freestyle", labelExpression: c.labelExpression, disabled: c.disabled,
    concurrent: c.concurrent, parameters: c.parameters, durationMs: d.durationMs, ...(d.result !== undefined ? { result: d.result } : {}),
    ...(c.description !== null ? { description: c.description } : {}), ...(c.kind === "pipeline" ? { script: c.script ?? "" } : {}),
  };
}

/** Adds an item from its config.xml; `ItemGroupMixIn.createProjectFromXML` (ItemGroupMixIn.java:276-325). */
export function createFromXml(core: SimCore, parent: Folder, name: string, xml: string, d: CreatedJobDefaults): Item {
  const fullName = fullNameIn(parent, name);
  // An unreadable body: "Failed to persist config.xml" (ItemGroupMixIn.java:313-315); an unknown class: XmlFile's "Unable to read".
  const doc = parseXml(xml, "Failed to persist config.xml");
  const config = readConfig(doc, `${fullName}/config.xml`);
  const item: Item = config.kind === "folder" ? core.m.addFolder(fullName) : core.m.addJob(jobSpec(fullName, config, d));
  core.m.configDocs.set(item, doc);
  core.m.dirty = true;
  core.kick();
  return item;
}

/** An empty item of a type (`mode=<class>`), as the New Item page makes one (ItemGroupMixIn.java:194-205). */
export function createEmpty(core: SimCore, parent: Folder, name: string, kind: ItemKind, d: CreatedJobDefaults): Item {
  const source: ConfigSource = { kind, description: null, disabled: false, concurrent: kind === "pipeline", labelExpression: null, parameters: [], script: kind === "pipeline" ? "" : null };
  return createFromXml(core, parent, name, renderConfig(source), d);
}

/** `ItemGroupMixIn.copy` (ItemGroupMixIn.java:235-274): the source's config.xml under a new name. */
export function copyItem(core: SimCore, parent: Folder, src: Item, name: string, d: CreatedJobDefaults): Item {
  return createFromXml(core, parent, name, configXmlOf(core, src), d);
}

/** `AbstractItem.updateByXml` (AbstractItem.java:926-952): same type only, then the item reloads from it. */
export function updateFromXml(core: SimCore, item: Item, xml: string): void {
  const doc = parseXml(xml, "Failed to process config.xml");
  const config = readConfig(doc, `${item.fullName}/config.xml`);
  if (config.kind !== kindOf(item)) {
    throw new ConfigXmlError(`java.io.IOException: Expecting class ${ITEM_CLASS[kindOf(item)]} but got class ${ITEM_CLASS[config.kind]} instead`);
  }
  if (item.kind === "job") apply(core, item, config);
  core.m.configDocs.set(item, doc);
}

function apply(core: SimCore, job: Job, c: ItemConfig): void {
  const names = new Set<string>();
  for (const p of c.parameters) names.add(p.name);
  job.labelExpression = c.labelExpression;
  job.label = c.labelExpression === null ? null : parseLabelExpression(c.labelExpression);
  job.concurrent = c.concurrent;
  job.params = c.parameters;
  job.description = c.description;
  if (job.type === "pipeline") {
    job.script = c.script ?? "";
    job.nodeStep = nodeStepOf(job.script);
  }
  core.setDisabled(job, c.disabled);
}

function sourceOf(it: Item): ConfigSource {
  if (it.kind === "folder") return { kind: "folder", description: null, disabled: false, concurrent: false, labelExpression: null, parameters: [], script: null };
  return { kind: it.type, description: it.description, disabled: it.disabled, concurrent: it.concurrent, labelExpression: it.labelExpression, parameters: it.params, script: it.script };
}

/**
 * GET config.xml: the stored document with the fields the REST API changes brought up to date (XStream writes
 * the live object, `AbstractItem.writeConfigDotXml`, AbstractItem.java:888-907). Items made without XML render
 * from their state.
 */
export function configXmlOf(core: SimCore, it: Item): string {
  let doc: Document | undefined = core.m.configDocs.get(it);
  if (doc === undefined) {
    doc = parseXml(renderConfig(sourceOf(it)), "config.xml");
    core.m.configDocs.set(it, doc);
  }
  const root = doc.documentElement;
  if (root !== null && it.kind === "job") {
    const disabled = child(root, "disabled");
    if (disabled !== null || it.disabled) {
      if ((disabled?.textContent ?? "").trim() !== String(it.disabled)) setChildText(doc, root, "disabled", String(it.disabled));
    }
  }
  return writeConfig(doc);
}

/** Adds an item by full name from its config.xml, making missing parent folders (plain ones) first. */
export function loadItem(core: SimCore, fullName: string, xml: string): Item {
  const cut = fullName.lastIndexOf("/");
  const parentName = cut < 0 ? "" : fullName.slice(0, cut);
  const existing = core.m.getItem(parentName);
  if (existing !== undefined && existing.kind !== "folder") throw new ConfigXmlError(`"${parentName}" is a job, not a folder`, 400);
  const parent = existing ?? core.m.addFolder(parentName);
  const name = fullName.slice(cut + 1);
  checkGoodName(name);
  return createFromXml(core, parent, name, xml, core.created);
}
