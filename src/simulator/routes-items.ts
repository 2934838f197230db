/**
 * Item endpoints that take or give config.xml (docs/simulator-jobs.md): `createItem` at the root and in a folder,
 * `config.xml` GET/POST and `doDelete`. Paths cite jenkinsci/jenkins at ff9430ee1d.
 */
import { ConfigXmlError, type ItemKind } from "./config-xml.js";
import { type Reply, type SimReq, first, html, redirect, requirePost } from "./http.js";
import { ITEM_CLASS, ItemFailure, checkGoodName, configXmlOf, copyItem, createEmpty, createFromXml, updateFromXml } from "./items.js";
import type { Folder, Item } from "./model.js";
import type { Env } from "./routes-common.js";

const XML_TYPE = "application/xml";

/** A `hudson.model.Failure`: the error page with status 400 and the message in `X-Error` (AbstractModelObject/error.jelly). */
export function failure(message: string): Reply {
  const r = html(400, message);
  return { ...r, headers: { ...r.headers, "X-Error": encodeURI(message) } };
}

function lookup(env: Env, from: string, parent: Folder): Item | undefined {
  // Jenkins.getItem(from, parent): absolute with a leading "/", else relative to the folder.
  const full = from.startsWith("/") ? from.slice(1) : parent.fullName === "" ? from : `${parent.fullName}/${from}`;
  return env.core.m.getItem(full) ?? env.core.m.getItem(from);
}

const KINDS: Record<string, ItemKind> = Object.fromEntries(Object.entries(ITEM_CLASS).map(([k, v]) => [v, k as ItemKind]));

/**
 * `Jenkins.doCreateItem` (@RequirePOST, Jenkins.java:4229-4233) and a folder's, both `ItemGroupMixIn.createTopLevelItem`
 * (ItemGroupMixIn.java:147-210): Item/Create; a Content-Type (unless mode=copy); `name`; a good, unused name; then an
 * XML body (200, createProjectFromXML), a copy, or an empty item of a type (302 to its configure page).
 */
export function createItem(env: Env, req: SimReq, parent: Folder): Reply {
  if (req.method !== "POST") return requirePost();
  const denied = env.auth.require(req.user, "hudson.model.Item.Create");
  if (denied !== null) return denied;
  const mode = first(req, "mode");
  const type = req.contentType;
  try {
    if (type === null && mode !== "copy") throw new ItemFailure("No Content-Type header set");
    const isXml = type !== null && (type.startsWith("application/xml") || type.startsWith("text/xml"));
    const raw = req.query.get("name") ?? (isXml ? null : first(req, "name"));
    if (raw === null) throw new ItemFailure("Query parameter 'name' is required");
    checkGoodName(raw);
    const name = raw.trim();
    if (parent.children.has(name)) throw new ItemFailure(`A job already exists with the name ‘${name}’`);
    let item: Item;
    if (mode === "copy") {
      const from = first(req, "from") ?? "";
      const src = lookup(env, from, parent);
      if (src === undefined || src === env.core.m.root) throw new ItemFailure(from.trim() === "" ? "Specify which job to copy" : `No such job: ${from}`);
      item = copyItem(env.core, parent, src, name, env.core.created);
    } else if (isXml) {
      createFromXml(env.core, parent, name, req.rawBody, env.core.created);
      return { status: 200 };
    } else {
      if (mode === null) throw new ItemFailure("No mode given");
      const kind = KINDS[mode];
      if (kind === undefined) throw new ItemFailure(`No item type ‘${mode}’ is known`);
      item = createEmpty(env.core, parent, name, kind, env.core.created);
    }
    return redirect(302, `${env.root}${item.path}configure`);
  } catch (e) {
    if (e instanceof ItemFailure) return failure(e.message);
    if (e instanceof ConfigXmlError) return html(e.status, e.message);
    throw e;
  }
}

/**
 * `AbstractItem.doConfigDotXml` (AbstractItem.java:862-878): GET needs Item/ExtendedRead and answers the XML
 * (application/xml); POST needs Item/Configure and reloads the item from the body (updateByXml, 200 with no body);
 * any other method is 400.
 */
export function configDotXml(env: Env, req: SimReq, item: Item): Reply {
  if (req.method === "GET" || req.method === "HEAD") {
    const denied = env.auth.require(req.user, "hudson.model.Item.ExtendedRead");
    if (denied !== null) return denied;
    return { status: 200, headers: { "Content-Type": XML_TYPE }, body: configXmlOf(env.core, item) };
  }
  if (req.method !== "POST") return html(400, "Bad Request");
  const denied = env.auth.require(req.user, "hudson.model.Item.Configure");
  if (denied !== null) return denied;
  try {
    updateFromXml(env.core, item, req.rawBody);
    return { status: 200 };
  } catch (e) {
    if (e instanceof ConfigXmlError) return html(e.status, e.message);
    throw e;
  }
}

/** `AbstractItem.doDoDelete` (@RequirePOST, AbstractItem.java:701-742): Item/Delete, builds aborted, 302 to the parent. */
export function deleteItem(env: Env, req: SimReq, it: Item): Reply {
  if (req.method !== "POST") return requirePost();
  const denied = env.auth.require(req.user, "hudson.model.Item.Delete");
  if (denied !== null) return denied;
  env.core.removeJob(it.fullName);
  return redirect(302, env.root + (it.parent?.path ?? ""));
}
