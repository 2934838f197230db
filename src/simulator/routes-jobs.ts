/**
 * Job, folder and build endpoints (docs/jenkins-rest.md "Listing every job", "Triggering a build", "Builds"): api/json, build, buildWithParameters,
 * enable/disable, stop, submitDescription.
 */
import { buildBean } from "./beans.js";
import { itemBean } from "./beans-jobs.js";
import { userCause } from "./core.js";
import { TriggerError } from "./errors.js";
import { type Reply, type SimReq, first, html, notFound, redirect, requirePost, values } from "./http.js";
import type { Build, Folder, Item, Job } from "./model.js";
import { PERMALINKS } from "./permalinks.js";
import { type Env, api } from "./routes-common.js";
import { configDotXml, createItem, deleteItem } from "./routes-items.js";

/** `TimeDuration.fromString`: "0sec"/"5secs" are seconds, a bare number is milliseconds. */
export function parseDelay(s: string): number | null {
  let d = s.trim();
  let unit = 1;
  if (d.endsWith("sec") || d.endsWith("secs")) {
    d = d.slice(0, d.lastIndexOf("sec")).trim();
    unit = 1000;
  }
  return /^-?\d+$/.test(d) ? Number(d) * unit : null;
}


function findBuild(env: Env, job: Job, seg: string): Build | undefined {
  if (/^\d+$/.test(seg)) return env.core.m.getBuild(job, Number(seg));
  const builds = env.core.m.visibleBuilds(job);
  if (seg === "firstBuild") return builds[builds.length - 1];
  const ok = PERMALINKS[seg];
  return ok === undefined ? undefined : builds.find(ok);
}

/** Routes `/job/a/job/b/...`; `segs` starts at the first "job". */
export function routeJob(env: Env, req: SimReq, segs: readonly string[]): Reply {
  let item: Item = env.core.m.root;
  let i = 0;
  while (segs[i] === "job" && segs[i + 1] !== undefined) {
    if (item.kind !== "folder") return notFound();
    const next: Item | undefined = item.children.get(segs[i + 1] as string);
    if (next === undefined) return notFound();
    item = next;
    i += 2;
  }
  if (i === 0) return notFound();
  const rest = segs.slice(i);
  if (rest[0] === "api" && rest[1] === "json" && rest.length === 2) return api(env, req, itemBean(item));
  if (rest.length === 0) return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: `<html><body>${item.fullName}</body></html>` };
  if (item.kind === "folder") return routeFolderAction(env, req, item, rest);
  return routeJobAction(env, req, item, rest);
}

function routeFolderAction(env: Env, req: SimReq, f: Folder, rest: readonly string[]): Reply {
  if (rest.length !== 1) return notFound();
  switch (rest[0]) {
    case "doDelete":
      return deleteItem(env, req, f);
    case "config.xml":
      return configDotXml(env, req, f);
    case "createItem":
      // AbstractFolder.doCreateItem → ItemGroupMixIn.createTopLevelItem, as at the root.
      return createItem(env, req, f);
  }
  return notFound();
}

function routeJobAction(env: Env, req: SimReq, job: Job, rest: readonly string[]): Reply {
  const head = rest[0] as string;
  if (rest.length === 1) {
    switch (head) {
      case "build":
        return trigger(env, req, job, false);
      case "buildWithParameters":
        return trigger(env, req, job, true);
      case "enable":
      case "disable": {
        if (req.method !== "POST") return requirePost();
        const denied = env.auth.require(req.user, "hudson.model.Item.Configure");
        if (denied !== null) return denied;
        env.core.setDisabled(job, head === "disable");
        return redirect(302, env.root + job.path);
      }
      case "doDelete":
        return deleteItem(env, req, job);
      case "config.xml":
        return configDotXml(env, req, job);
    }
  }
  const b = findBuild(env, job, head);
  if (b === undefined) return notFound();
  return routeBuild(env, req, b, rest.slice(1));
}

/** `ParameterizedJobMixIn.doBuild` / `doBuildWithParameters` (docs/jenkins-rest.md "Triggering a build"). */
function trigger(env: Env, req: SimReq, job: Job, withParams: boolean): Reply {
  // doBuild on a parameterized job shows the parameters form to a GET (ParameterizedJobMixIn.java:210-220).
  if (!withParams && req.method !== "POST" && job.params.length > 0 && !job.disabled) {
    return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: `<html><body>${job.fullName} parameters</body></html>` };
  }
  // BuildAuthorizationToken.checkPermission (BuildAuthorizationToken.java:114-139): Item/Build first, then a GET gets 405 with Allow: POST.
  const denied = env.auth.require(req.user, "hudson.model.Item.Build");
  if (denied !== null) return denied;
  if (req.method !== "POST") return requirePost(true);
  try {
    if (job.disabled) throw new TriggerError(409, `${job.fullName} is not buildable`);
    if (withParams && job.params.length === 0) throw new TriggerError(400, `${job.fullName} is not parameterized`);
    let lookup = (name: string): readonly string[] => values(req, name);
    if (!withParams && job.params.length > 0) {
      const raw = first(req, "json");
      if (raw === null) throw new TriggerError(400, "Nothing is submitted");
      const submitted = parseSubmitted(raw);
      lookup = (name) => submitted.get(name) ?? [];
    }
    const delayText = first(req, "delay");
    const delay = delayText === null ? null : parseDelay(delayText);
    if (delayText !== null && delay === null) throw new TriggerError(400, `Invalid delay parameter value: ${delayText}`);
    const params = env.core.resolveParams(job, lookup);
    const r = env.core.trigger(job, params, delay, userCause(req.user));
    const location = `${env.root}queue/item/${r.item.id}/`;
    // A duplicate of a queued item: 303 to it from buildWithParameters; plain build answers 201 anyway (JENKINS-66105).
    return redirect(r.created || !withParams ? 201 : 303, location);
  } catch (e) {
    if (e instanceof TriggerError) return html(e.status, e.message);
    throw e;
  }
}

/** The `json` form field of a parameterized `build`: {"parameter":[{"name":..,"value":..}]}. A list value takes its first. */
function parseSubmitted(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TriggerError(400, "Nothing is submitted");
  }
  const ps = (parsed as { parameter?: unknown }).parameter;
  const list = Array.isArray(ps) ? (ps as unknown[]) : ps === undefined ? [] : [ps];
  for (const p of list) {
    const o = p as { name?: unknown; value?: unknown };
    if (typeof o.name !== "string") continue;
    const v = Array.isArray(o.value) ? (o.value as unknown[])[0] : o.value;
    out.set(o.name, [...(out.get(o.name) ?? []), typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : ""]);
  }
  return out;
}

function routeBuild(env: Env, req: SimReq, b: Build, rest: readonly string[]): Reply {
  const url = env.root + b.path;
  if (rest.length === 0) return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: `<html><body>#${b.number}</body></html>` };
  if (rest.length === 2 && rest[0] === "api" && rest[1] === "json") return api(env, req, buildBean(b));
  if (rest.length !== 1) return notFound();
  switch (rest[0]) {
    case "stop":
    case "term":
    case "kill": {
      // Executor.doStopBuild: always forwardToPreviousPage (302), a no-op when the build has finished.
      if (req.method !== "POST") return requirePost();
      const denied = env.auth.require(req.user, "hudson.model.Item.Cancel");
      if (denied !== null) return denied;
      if (b.building) env.core.finish(b, "ABORTED");
      return redirect(302, req.referer ?? url);
    }
    case "doDelete": {
      // Run.doDoDelete (Run.java:2327-2348): Run/Delete, then a redirect to the job; a running
      // build's delete() throws, and the delete-retry page (200) says why.
      if (req.method !== "POST") return requirePost();
      const denied = env.auth.require(req.user, "hudson.model.Run.Delete");
      if (denied !== null) return denied;
      if (!env.core.deleteBuild(b)) {
        return { status: 200, headers: { "Content-Type": "text/html;charset=utf-8" }, body: `<html><body>Unable to delete ${b.job.fullName} #${b.number} because it is still running</body></html>` };
      }
      return redirect(302, env.root + b.job.path);
    }
    case "submitDescription": {
      if (req.method !== "POST") return requirePost();
      const denied = env.auth.require(req.user, "hudson.model.Run.Update");
      if (denied !== null) return denied;
      b.description = first(req, "description");
      return redirect(302, url);
    }
    case "consoleText": {
      const text = `${b.causes[0]?.shortDescription ?? ""}\nRunning on ${b.node.builtIn ? "Jenkins" : b.node.name}\n${b.building ? "" : `Finished: ${b.result ?? ""}\n`}`;
      return { status: 200, headers: { "Content-Type": "text/plain;charset=utf-8" }, body: text };
    }
  }
  return notFound();
}

