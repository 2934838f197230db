/** What every route needs: the core, auth, the root URL, and rendering of `api/json`. */
import type { Auth } from "./auth.js";
import type { Ctx } from "./beans.js";
import type { SimCore } from "./core.js";
import { type Reply, type SimReq, html, json } from "./http.js";
import { type Bean, TreeSyntaxError, prunerFor, renderJson } from "./render.js";

export interface Env {
  readonly core: SimCore;
  readonly auth: Auth;
  /** Root URL with a trailing slash. */
  readonly root: string;
  readonly ctx: Ctx;
}

/** `Api.doJson`: tree= or depth=; a malformed one is a ServletException → 500. */
export function api(env: Env, req: SimReq, b: Bean): Reply {
  try {
    const pr = prunerFor(req.query.get("tree"), req.query.get("depth"));
    return json(renderJson(b, pr, env.ctx));
  } catch (e) {
    if (e instanceof TreeSyntaxError) return html(500, `javax.servlet.ServletException: ${e.message}`);
    throw e;
  }
}
