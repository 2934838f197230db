/** Master-wide operations (docs/jenkins-rest.md "Root", "Quiet-down"): root info and quiet-down. */
import type { HttpCore } from "./http.js";
import { asObj, optBool, optStr, type Ctx } from "./parse.js";
import { NODE_MODE, type RootInfo } from "./types.js";

export async function root(http: HttpCore): Promise<RootInfo> {
  const r = await http.request({
    method: "GET",
    path: "api/json",
    query: { tree: "url,quietingDown,quietDownReason,useCrumbs,useSecurity,mode" },
    expect: "json",
  });
  const ctx: Ctx = { url: r.url };
  const o = asObj(ctx, r.body, "(root)");
  return {
    url: optStr(o, "url"),
    quietingDown: optBool(o, "quietingDown", false),
    quietDownReason: optStr(o, "quietDownReason"),
    version: r.headers.get("x-jenkins"),
    useCrumbs: optBool(o, "useCrumbs", false),
    useSecurity: optBool(o, "useSecurity", false),
    mode: o["mode"] === NODE_MODE.exclusive ? NODE_MODE.exclusive : NODE_MODE.normal,
  };
}

/** New builds stop starting; running ones continue; triggers are still queued. */
export async function quietDown(http: HttpCore, reason?: string): Promise<void> {
  await http.request({ method: "POST", path: "quietDown", query: { message: reason }, expect: "none" });
}

export async function cancelQuietDown(http: HttpCore): Promise<void> {
  await http.request({ method: "POST", path: "cancelQuietDown", expect: "none" });
}
