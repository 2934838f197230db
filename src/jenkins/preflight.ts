/**
 * Read-only requests of `jenkins-gearman-sidecar check` (the migration preflight, docs/migration.md): who we are,
 * one listing of every job with its parameter definitions (a one-off read: the daemon's own listing asks for less),
 * Pipeline scripts, and permission probes that have no side effect. Nothing here POSTs.
 */
import PQueue from "p-queue";
import pino from "pino";
import { JenkinsClient } from "./client.js";
import { HttpCore } from "./http.js";
import { jobPath } from "./jobs.js";
import { type Ctx, type Obj, asObj, isObj, optArr, optBool, optStr, reqStr, simpleClass } from "./parse.js";
import type { JenkinsClientOptions } from "./types.js";

/** A job as the preflight reads it (folders are walked, not listed). */
export interface PreflightJob {
  fullName: string;
  name: string;
  url: string;
  /** Simple class name: FreeStyleProject, WorkflowJob... */
  className: string;
  disabled: boolean;
  buildable: boolean;
  labelExpression: string | null;
  concurrentBuild: boolean;
  isPipeline: boolean;
  /** Name and simple class name of each parameter definition. */
  parameters: { name: string; type: string }[];
}

export interface WhoAmI {
  /** null when anonymous. */
  id: string | null;
  fullName: string | null;
}

/** The outcome of a side-effect-free permission probe. */
export type ProbeResult = "granted" | "missing";

const FIELDS = "_class,name,fullName,url,buildable,disabled,labelExpression,concurrentBuild,property[parameterDefinitions[name]]";
/** Levels of folders per request; deeper folders are read again on their own. */
const DEPTH = 6;
const tree = (d: number): string => (d <= 0 ? "jobs[_class,name,fullName,url]" : `jobs[${FIELDS},${tree(d - 1)}]`);
/** Requests in flight at once for per-job reads (Pipeline scripts). */
const CONCURRENCY = 8;

function parseJob(o: Obj, prefix: string): PreflightJob {
  const name = optStr(o, "name") ?? "";
  const className = simpleClass(optStr(o, "_class"));
  const parameters: PreflightJob["parameters"] = [];
  for (const p of optArr(o, "property")) {
    if (!isObj(p)) continue;
    for (const d of optArr(p, "parameterDefinitions")) {
      if (isObj(d) && typeof d["name"] === "string") parameters.push({ name: d["name"], type: simpleClass(optStr(d, "_class")) });
    }
  }
  const disabled = optBool(o, "disabled", false);
  return {
    fullName: optStr(o, "fullName") ?? `${prefix}${name}`, name, url: optStr(o, "url") ?? "", className, disabled,
    buildable: optBool(o, "buildable", !disabled), labelExpression: optStr(o, "labelExpression"),
    concurrentBuild: optBool(o, "concurrentBuild", false), isPipeline: className === "WorkflowJob", parameters,
  };
}

export class JenkinsPreflight {
  /** The regular client, for root(), listNodes() and getJob(). */
  readonly client: JenkinsClient;
  readonly #http: HttpCore;

  constructor(o: JenkinsClientOptions) {
    this.client = new JenkinsClient(o);
    this.#http = new HttpCore({
      baseUrl: o.baseUrl, auth: o.auth, timeoutMs: o.timeoutMs ?? 10_000, retries: o.retries ?? 3, backoff: o.backoff ?? {},
      logger: o.logger ?? pino({ level: "silent" }), onRequest: o.onRequest, overdueMs: 0,
    });
  }

  /** `GET me/api/json`; anonymous (Jenkins answers 401/403 for /me without a user) is `{id: null}`. */
  async whoAmI(): Promise<WhoAmI> {
    const r = await this.#http.request({ method: "GET", path: "me/api/json", query: { tree: "id,fullName" }, expect: "json", accept: [401, 403] });
    if (r.status !== 200 || !isObj(r.body)) return { id: null, fullName: null };
    return { id: optStr(r.body, "id"), fullName: optStr(r.body, "fullName") };
  }

  /** Every job in every folder with its parameter definitions; `onFolder` is told of each folder read on its own. */
  async listJobs(onFolder?: (fullName: string, jobsSoFar: number) => void): Promise<PreflightJob[]> {
    const out: PreflightJob[] = [];
    const pending: { prefix: string; path: string }[] = [{ prefix: "", path: "" }];
    while (pending.length > 0) {
      const next = pending.shift() as { prefix: string; path: string };
      if (next.path !== "") onFolder?.(next.prefix.slice(0, -1), out.length);
      const r = await this.#http.request({ method: "GET", path: `${next.path}api/json`, query: { tree: tree(DEPTH) }, expect: "json", accept: [404] });
      if (r.status === 404) continue;
      const ctx: Ctx = { url: r.url };
      this.#collect(ctx, optArr(asObj(ctx, r.body, "(root)"), "jobs"), next.prefix, DEPTH, out, pending);
    }
    return out;
  }

  /** `items` carry FIELDS; their own `jobs` were asked for `depth - 1` levels deeper (none left: read the folder again). */
  #collect(ctx: Ctx, items: unknown[], prefix: string, depth: number, out: PreflightJob[], pending: { prefix: string; path: string }[]): void {
    items.forEach((raw, i) => {
      const o = asObj(ctx, raw, `jobs[${i}]`);
      const name = reqStr(ctx, o, "name", `jobs[${i}].name`);
      const fullName = optStr(o, "fullName") ?? `${prefix}${name}`;
      if (!Array.isArray(o["jobs"])) out.push(parseJob(o, prefix));
      else if (depth - 1 >= 1) this.#collect(ctx, o["jobs"] as unknown[], `${fullName}/`, depth - 1, out, pending);
      else pending.push({ prefix: `${fullName}/`, path: jobPath(fullName) });
    });
  }

  /** The Pipeline script of each job (`definition/script` of its config.xml; Item/ExtendedRead); null when unreadable. */
  async pipelineScripts(fullNames: readonly string[]): Promise<Map<string, string | null>> {
    const q = new PQueue({ concurrency: CONCURRENCY });
    const texts = await q.addAll(fullNames.map((n) => async () => {
      const r = await this.#http.request({ method: "GET", path: `${jobPath(n)}config.xml`, expect: "text", accept: [403, 404] });
      if (r.status !== 200 || typeof r.body !== "string") return null;
      const m = /<script>([\s\S]*?)<\/script>/.exec(r.body);
      return m === null ? null : unescapeXml(m[1] ?? "");
    }));
    return new Map(fullNames.map((n, i) => [n, texts[i] ?? null]));
  }

  /**
   * Job/Build: `GET job/X/buildWithParameters`. Jenkins checks Item.BUILD before it refuses the GET
   * (ParameterizedJobMixIn.java:243-244, BuildAuthorizationToken.java:114-139): 403 = missing, 405 = granted, and
   * nothing is queued either way.
   */
  async probeBuild(fullName: string): Promise<ProbeResult> {
    const r = await this.#http.request({ method: "GET", path: `${jobPath(fullName)}buildWithParameters`, expect: "none", accept: [403, 405] });
    return r.status === 403 ? "missing" : "granted";
  }

  /** Agent/ExtendedRead: `GET computer/X/config.xml` (Computer.doConfigDotXml): 200 = granted, 403 = missing. */
  async probeNodeConfig(node: string): Promise<ProbeResult> {
    const r = await this.#http.request({ method: "GET", path: `computer/${encodeURIComponent(node)}/config.xml`, expect: "none", accept: [403, 404] });
    return r.status === 403 ? "missing" : "granted";
  }
}

function unescapeXml(s: string): string {
  return s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d))).replace(/&amp;/g, "&");
}
