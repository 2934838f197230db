/**
 * The request core: Basic auth, optional CSRF crumb + session cookie, timeouts, retries with
 * backoff, manual redirects, and typed errors. Everything else in src/jenkins goes through it.
 *
 * Retry policy: GETs (idempotent) are retried on 5xx, timeouts and network errors; POSTs only on
 * errors that prove the request never reached Jenkins (connection refused, DNS failure).
 */
import type { Logger } from "pino";
import { Backoff, delay, type BackoffOptions } from "../util/index.js";
import { makeAuthenticator, type Authenticator } from "./auth/index.js";
import { JenkinsConnectionError, JenkinsHttpError, JenkinsResponseError, JenkinsTimeoutError } from "./errors.js";
import { bodySnippet, errnoCode, isConnectPhaseCode, makeRedactor, shortUrl } from "./http-util.js";
import { OverdueWatch, type OverdueEvent } from "./overdue.js";
import type { JenkinsAuth, RequestEvent } from "./types.js";

export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  method: "GET" | "POST";
  /** Path relative to the base URL, e.g. "job/a/api/json". */
  path: string;
  query?: Record<string, QueryValue>;
  /** POST body, sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /**
   * How to read a 2xx body. "jsonText": checked like "json" (an HTML page is an error) but
   * returned as text, for a caller that parses it piecewise (json-items.ts).
   */
  expect: "json" | "jsonText" | "text" | "none";
  /** Non-2xx statuses that are answers rather than errors (301/302/303 always are). */
  accept?: readonly number[];
  /** A listing of every job or node: slow by nature, so never counted as overdue (overdue.ts). */
  bulk?: boolean;
}

export interface HttpResponse {
  status: number;
  url: string;
  headers: Headers;
  /** Parsed JSON (expect "json" and a 2xx status), text (expect "text" or "jsonText"), else null. */
  body: unknown;
  location: string | null;
}

export interface HttpCoreOptions {
  baseUrl: string;
  auth?: JenkinsAuth | undefined;
  timeoutMs: number;
  retries: number;
  backoff: BackoffOptions;
  logger: Logger;
  onRequest?: ((r: RequestEvent) => void) | undefined;
  /** A request has waited longer than this for its answer: Jenkins is overdue (OverdueWatch). */
  overdueMs: number;
  onOverdue?: ((e: OverdueEvent) => void) | undefined;
}

const REDIRECTS: readonly number[] = [301, 302, 303];

export function malformedJson(url: string, text: string, cause: unknown): JenkinsResponseError {
  return new JenkinsResponseError(`GET ${url}: malformed or truncated JSON (${text.length} bytes): ${cause instanceof Error ? cause.message : String(cause)}`, { url });
}
const CRUMB_ERROR = /no valid crumb/i;

export class HttpCore {
  readonly baseUrl: string;
  readonly #auth: Authenticator;
  readonly #redact: (s: string) => string;
  readonly #o: HttpCoreOptions;
  readonly #overdue: OverdueWatch;
  #requests = 0;

  constructor(o: HttpCoreOptions) {
    this.#o = o;
    const parsed = new URL(o.baseUrl);
    let auth = o.auth;
    // Credentials in the URL (http://user:token@host/) are moved into the auth header: fetch
    // refuses such URLs, and they must never show up in error messages.
    if (parsed.username !== "" && auth === undefined) {
      auth = { user: decodeURIComponent(parsed.username), token: decodeURIComponent(parsed.password) };
    }
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    if (!parsed.pathname.endsWith("/")) parsed.pathname += "/";
    this.baseUrl = parsed.toString();
    this.#auth = makeAuthenticator(auth);
    this.#redact = makeRedactor(this.#auth.secrets);
    this.#overdue = new OverdueWatch(o.overdueMs, (e) => o.onOverdue?.(e));
  }

  /** HTTP exchanges made so far, retries and crumb fetches included. */
  get requestCount(): number {
    return this.#requests;
  }

  /** True while some request has waited longer than `overdueMs`. */
  get overdue(): boolean {
    return this.#overdue.overdue;
  }

  /** Stops the overdue watch's timer (requests in flight end by their own timeouts). */
  close(): void {
    this.#overdue.close();
  }

  /** The absolute URL of `path` under the base URL, with the query appended. */
  url(path: string, query?: Record<string, QueryValue>): string {
    const u = new URL(path.replace(/^\/+/, ""), this.baseUrl);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request(spec: RequestSpec): Promise<HttpResponse> {
    const fullUrl = this.url(spec.path, spec.query);
    const url = shortUrl(fullUrl);
    const backoff = new Backoff({ initialMs: 200, maxMs: 5000, ...this.#o.backoff });
    let attempt = 0;
    let crumbRefreshed = false;
    for (;;) {
      if (spec.method === "POST") await this.#auth.beforePost(() => this.request({ method: "GET", path: "crumbIssuer/api/json", expect: "json", accept: [404] }));
      const t0 = performance.now();
      const ticket = spec.bulk === true ? null : this.#overdue.begin(spec.method, url);
      let res: Response;
      let text: string;
      try {
        res = await fetch(fullUrl, this.#init(spec));
        text = await res.text();
      } catch (e) {
        if (ticket !== null) this.#overdue.end(ticket, false);
        const ms = Math.round(performance.now() - t0);
        const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
        const code = timedOut ? null : errnoCode(e);
        this.#report(spec.method, url, 0, ms, timedOut ? "timeout" : (code ?? "network error"));
        const retryable = spec.method === "GET" || (!timedOut && isConnectPhaseCode(code));
        if (retryable && attempt < this.#o.retries) {
          attempt++;
          await this.#pause(backoff, spec.method, url, timedOut ? "timeout" : (code ?? "network error"), attempt);
          continue;
        }
        if (timedOut) throw new JenkinsTimeoutError({ method: spec.method, url, timeoutMs: this.#o.timeoutMs, retries: attempt }, { cause: e });
        throw new JenkinsConnectionError({ method: spec.method, url, baseUrl: this.baseUrl, code, retries: attempt }, { cause: e });
      }
      if (ticket !== null) this.#overdue.end(ticket, true);
      const ms = Math.round(performance.now() - t0);
      this.#auth.keepCookies(res.headers.getSetCookie());
      this.#report(spec.method, url, res.status, ms);
      const status = res.status;
      if (status === 403 && spec.method === "POST" && !crumbRefreshed && CRUMB_ERROR.test(text) && this.#auth.crumbRejected()) {
        // The crumb is bound to the session; it expires with it. Fetch a new one, once.
        crumbRefreshed = true;
        continue;
      }
      if (status >= 500 && spec.method === "GET" && attempt < this.#o.retries) {
        attempt++;
        await this.#pause(backoff, spec.method, url, String(status), attempt);
        continue;
      }
      const ok = (status >= 200 && status < 300) || REDIRECTS.includes(status) || (spec.accept ?? []).includes(status);
      if (!ok) throw this.#httpError(spec.method, url, res, text, attempt);
      const body = status >= 200 && status < 300 ? this.#parseBody(spec.expect, url, res, text) : null;
      return { status, url, headers: res.headers, body, location: res.headers.get("location") };
    }
  }

  #init(spec: RequestSpec): RequestInit {
    const headers: Record<string, string> = {
      accept: spec.expect === "json" || spec.expect === "jsonText" ? "application/json" : "*/*",
      ...this.#auth.headers(),
    };
    const init: RequestInit = { method: spec.method, headers, redirect: "manual", signal: AbortSignal.timeout(this.#o.timeoutMs) };
    if (spec.method === "POST") {
      Object.assign(headers, this.#auth.postHeaders());
      init.body = new URLSearchParams(spec.form ?? {}).toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    }
    return init;
  }

  async #pause(backoff: Backoff, method: string, url: string, why: string, attempt: number): Promise<void> {
    const ms = backoff.next();
    this.#o.logger.warn({ method, url, why, attempt, retries: this.#o.retries }, `${method} ${url} failed (${why}); retry ${attempt}/${this.#o.retries} in ${ms} ms`);
    await delay(ms);
  }

  #report(method: string, url: string, status: number, ms: number, error?: string): void {
    this.#requests++;
    const path = new URL(url).pathname;
    this.#o.logger.debug({ method, path, status, ms, error }, "jenkins request");
    if (!this.#o.onRequest) return;
    try {
      this.#o.onRequest(error === undefined ? { method, path, status, ms } : { method, path, status, ms, error });
    } catch (e) {
      this.#o.logger.warn({ err: e }, "onRequest hook threw; ignored");
    }
  }

  #parseBody(expect: RequestSpec["expect"], url: string, res: Response, text: string): unknown {
    if (expect === "none") return null;
    if (expect === "text") return text;
    const trimmed = text.trimStart();
    if (trimmed.startsWith("<")) {
      throw new JenkinsResponseError(
        `GET ${url}: expected JSON but got ${res.headers.get("content-type") ?? "HTML"} (status ${res.status}); ` +
          `is the base URL the Jenkins root, and not a login page or a proxy? Body: ${this.#redact(bodySnippet(text))}`,
        { url },
      );
    }
    if (expect === "jsonText") return text;
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw malformedJson(url, text, e);
    }
  }

  #httpError(method: string, url: string, res: Response, text: string, retries: number): JenkinsHttpError {
    const status = res.status;
    const snippet = this.#redact(bodySnippet(text));
    const perm = res.headers.get("x-required-permission");
    const user = this.#auth.user;
    const who = res.headers.get("x-you-are-authenticated-as") ?? user ?? "anonymous";
    let advice: string;
    if (status === 401) advice = `check the user${user !== null ? ` "${user}"` : ""} and API token`;
    else if (status === 403 && CRUMB_ERROR.test(text)) advice = "no valid CSRF crumb even after fetching a new one; use an API token instead of a password";
    else if (status === 403 && perm !== null) advice = `user "${who}" lacks the permission ${perm}; grant it in Jenkins' security settings`;
    else if (status === 403) advice = `user "${who}" is not allowed to do this; check its permissions`;
    else if (status === 404) advice = "not found; check the name, and that the user may see the item (Jenkins answers 404 for items a user cannot discover)";
    else if (status === 405) advice = `Jenkins does not accept ${method} here${res.headers.get("allow") !== null ? ` (Allow: ${res.headers.get("allow")})` : ""}`;
    else if (status >= 500) advice = `Jenkins is failing${retries > 0 ? `, retried ${retries} times` : ""}`;
    else advice = "Jenkins rejected the request";
    const body = snippet !== "" && status !== 401 ? `; Jenkins said: ${snippet}` : "";
    return new JenkinsHttpError(`${method} ${url}: ${status} ${res.statusText}; ${advice}${body}`, {
      status,
      method,
      url,
      requiredPermission: perm,
    });
  }
}
