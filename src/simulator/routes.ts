/**
 * Jenkins endpoints (docs/jenkins-rest.md "Root", "Queue", "Computers", "Quiet-down"): root, crumb issuer, queue, computers and quiet-down; jobs and builds are in
 * routes-jobs.ts. Every route answers a Reply; the server adds the common headers.
 */
import { computerBean, computerSetBean, labelBean, rootBean } from "./beans-nodes.js";
import { queueBean, queueItemBean } from "./beans-jobs.js";
import { type Reply, type SimReq, first, html, json, notFound, redirect, requirePost } from "./http.js";
import type { SimNode } from "./model.js";
import { type Env, api } from "./routes-common.js";
import { routeJob } from "./routes-jobs.js";
import { createItem } from "./routes-items.js";
import { pluginManagerBean, userBean } from "./beans-plugins.js";

const isApiJson = (rest: readonly string[]): boolean => rest.length === 2 && rest[0] === "api" && rest[1] === "json";

export function route(env: Env, req: SimReq, setCookie: (c: string) => void, session: string | null): Reply {
  const segs = req.segs;
  const head = segs[0];
  if (head === undefined) return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: "<html><body>Jenkins</body></html>" };
  if (isApiJson(segs)) return api(env, req, rootBean());
  switch (head) {
    case "job":
      return routeJob(env, req, segs);
    case "queue":
      return routeQueue(env, req, segs.slice(1));
    case "computer":
      return routeComputer(env, req, segs.slice(1));
    case "label": {
      // Jenkins.getLabel (Jenkins.java:2006-2025): any expression, known or not, is a label.
      const name = segs[1];
      if (name === undefined || !isApiJson(segs.slice(2))) return notFound();
      return api(env, req, labelBean(name));
    }
    case "createItem":
      if (segs.length !== 1) return notFound();
      return createItem(env, req, env.core.m.root);
    case "pluginManager": {
      if (!isApiJson(segs.slice(1))) return notFound();
      // PluginManager.getTarget: Overall/SystemRead (PluginManager.java:2665-2670).
      const denied = env.auth.require(req.user, "hudson.model.Hudson.SystemRead");
      return denied ?? api(env, req, pluginManagerBean());
    }
    case "me":
      if (!isApiJson(segs.slice(1))) return notFound();
      // Jenkins.getMe: AccessDeniedException for anonymous (Jenkins.java:5197-5202).
      if (req.user === null) return html(403, "/me is not available when not logged in");
      return api(env, req, userBean(req.user, env.auth.fullNameOf(req.user)));
    case "crumbIssuer":
      if (!isApiJson(segs.slice(1)) || !env.auth.crumbsEnabled) return notFound();
      return crumb(env, req, setCookie, session);
    case "quietDown":
    case "cancelQuietDown": {
      if (segs.length !== 1) return notFound();
      if (req.method !== "POST") return requirePost();
      const denied = env.auth.require(req.user, "hudson.model.Hudson.Manage");
      if (denied !== null) return denied;
      if (head === "quietDown") env.core.quietDown(first(req, "message"));
      else env.core.cancelQuietDown();
      return redirect(302, env.root);
    }
  }
  return notFound();
}

function crumb(env: Env, req: SimReq, setCookie: (c: string) => void, session: string | null): Reply {
  let s = session;
  if (s === null) {
    s = env.auth.newSession();
    setCookie(`${env.auth.cookieName}=${s}; Path=/; HttpOnly`);
  }
  const body = JSON.stringify({ _class: "hudson.security.csrf.DefaultCrumbIssuer", crumb: env.auth.crumb(req.user, s), crumbRequestField: "Jenkins-Crumb" });
  return json(body);
}

function routeQueue(env: Env, req: SimReq, rest: readonly string[]): Reply {
  const m = env.core.m;
  if (isApiJson(rest)) return api(env, req, queueBean());
  if (rest.length === 1 && rest[0] === "cancelItem") {
    // Queue.doCancelItem (`Queue.java:759-774`): 204, or 404 "Provided id (N) not found".
    if (req.method !== "POST") return requirePost();
    const denied = env.auth.require(req.user, "hudson.model.Item.Cancel");
    if (denied !== null) return denied;
    const id = Number(first(req, "id"));
    if (!Number.isInteger(id) || !env.core.cancelItem(id)) return html(404, `Provided id (${first(req, "id") ?? ""}) not found`);
    return { status: 204 };
  }
  if (rest[0] === "item" && rest[1] !== undefined && /^\d+$/.test(rest[1])) {
    const id = Number(rest[1]);
    const live = m.queue.get(id);
    const left = m.left.get(id);
    const item = live ?? (left !== undefined && left.leftAt + env.core.sched.leftItemTtlMs > m.now() ? left : undefined);
    const tail = rest.slice(2);
    if (tail.length === 1 && tail[0] === "cancelQueue") {
      // Deprecated Item.doCancelQueue (`Queue.java:2493-2502`): always 204.
      if (req.method !== "POST") return requirePost();
      const denied = env.auth.require(req.user, "hudson.model.Item.Cancel");
    if (denied !== null) return denied;
      if (live !== undefined) env.core.cancelItem(id);
      return { status: 204 };
    }
    if (item === undefined) return notFound();
    if (isApiJson(tail)) return api(env, req, queueItemBean(env.ctx, item));
    if (tail.length === 0) return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: `<html><body>${id}</body></html>` };
  }
  return notFound();
}

/** `Jenkins.getComputer`: "(built-in)" and the old "(master)" name the built-in node. */
function findComputer(env: Env, name: string): SimNode | undefined {
  if (name === "(built-in)" || name === "(master)") return env.core.m.builtIn;
  return name === "" ? undefined : env.core.m.nodes.get(name);
}

function configXml(n: SimNode): string {
  const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return [
    "<?xml version='1.1' encoding='UTF-8'?>",
    "<slave>",
    `  <name>${esc(n.name)}</name>`,
    `  <description>${esc(n.description)}</description>`,
    "  <remoteFS>/home/jenkins</remoteFS>",
    `  <numExecutors>${n.slots.length}</numExecutors>`,
    `  <mode>${n.exclusive ? "EXCLUSIVE" : "NORMAL"}</mode>`,
    '  <retentionStrategy class="hudson.slaves.RetentionStrategy$Always"/>',
    '  <launcher class="hudson.slaves.JNLPLauncher"/>',
    `  <label>${esc(n.labels.join(" "))}</label>`,
    "  <nodeProperties/>",
    "</slave>",
    "",
  ].join("\n");
}

function routeComputer(env: Env, req: SimReq, rest: readonly string[]): Reply {
  if (isApiJson(rest)) return api(env, req, computerSetBean());
  const name = rest[0];
  if (name === undefined) return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: "<html><body>Nodes</body></html>" };
  const n = findComputer(env, name);
  if (n === undefined) return notFound();
  const tail = rest.slice(1);
  if (isApiJson(tail)) return api(env, req, computerBean(n));
  if (tail.length !== 1) return tail.length === 0 ? { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: `<html><body>${name}</body></html>` } : notFound();
  const action = tail[0] as string;
  if (action === "config.xml") {
    // Node.getMode is @Exported, but no Node is bound to a URL and Computer does not export getNode():
    // the mode of an agent is visible only in its config.xml (Computer.doConfigDotXml).
    if (req.method !== "GET") return notFound();
    if (n.builtIn) return html(400, "The built-in node has no config.xml");
    // Computer.doConfigDotXml: Computer/ExtendedRead.
    const denied = env.auth.require(req.user, "hudson.model.Computer.ExtendedRead");
    if (denied !== null) return denied;
    return { status: 200, headers: { "Content-Type": "application/xml;charset=utf-8" }, body: configXml(n) };
  }
  const actions = ["toggleOffline", "changeOfflineCause", "doDelete", "disconnect", "doDisconnect", "launchSlaveAgent"];
  if (!actions.includes(action)) return notFound();
  if (req.method !== "POST") return requirePost();
  const denied = env.auth.require(req.user, "hudson.model.Computer.Disconnect");
  if (denied !== null) return denied;
  const message = first(req, "offlineMessage");
  const here = `${env.root}computer/${n.builtIn ? "(built-in)" : encodeURIComponent(n.name)}/`;
  switch (action) {
    case "toggleOffline":
      env.core.toggleOffline(n, req.user, message);
      return redirect(302, here);
    case "changeOfflineCause":
      env.core.changeOfflineCause(n, req.user, message);
      return redirect(302, here);
    case "doDelete":
      if (n.builtIn) return html(400, "Cannot delete the built-in node");
      env.core.deleteNode(n);
      return redirect(302, `${env.root}computer/`);
    case "disconnect":
    case "doDisconnect":
      env.core.dropAgent(n, req.user ?? "anonymous", message);
      return redirect(302, here);
    default:
      env.core.reconnectAgent(n);
      return redirect(302, here);
  }
}
