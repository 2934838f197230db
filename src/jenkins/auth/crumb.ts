/**
 * A CSRF crumb and the session it is bound to (DefaultCrumbIssuer hashes the user and the
 * session id: hudson/security/csrf/DefaultCrumbIssuer.java:105-120). Used by the modes that
 * need one: password and anonymous. docs/jenkins-rest.md "Authentication and CSRF crumbs".
 */
import { JenkinsResponseError } from "../errors.js";
import type { CrumbFetch } from "./authenticator.js";

export class CrumbSession {
  /** undefined: not fetched yet; null: Jenkins has no crumb issuer (404). */
  #crumb: { field: string; value: string } | null | undefined;
  #fetching: Promise<void> | null = null;
  readonly #cookies = new Map<string, string>();

  headers(): Record<string, string> {
    return this.#cookies.size > 0 ? { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ") } : {};
  }

  postHeaders(): Record<string, string> {
    return this.#crumb ? { [this.#crumb.field.toLowerCase()]: this.#crumb.value } : {};
  }

  /** Fetches the crumb once; concurrent POSTs share the fetch. A 404 means Jenkins needs none. */
  async ensure(fetchCrumb: CrumbFetch): Promise<void> {
    if (this.#crumb !== undefined) return;
    this.#fetching ??= (async () => {
      try {
        const r = await fetchCrumb();
        if (r.status === 404) {
          this.#crumb = null;
          return;
        }
        const b = typeof r.body === "object" && r.body !== null ? (r.body as Record<string, unknown>) : {};
        const field = b["crumbRequestField"];
        const value = b["crumb"];
        if (typeof field !== "string" || typeof value !== "string") {
          throw new JenkinsResponseError(`GET ${r.url}: crumb issuer answer lacks "crumb" or "crumbRequestField"`, { url: r.url, field: "crumb" });
        }
        this.#crumb = { field, value };
      } finally {
        this.#fetching = null;
      }
    })();
    await this.#fetching;
  }

  /** The crumb expired with its session: fetch a new one next time. */
  forget(): boolean {
    this.#crumb = undefined;
    return true;
  }

  keepCookies(setCookie: readonly string[]): void {
    for (const c of setCookie) {
      const pair = c.split(";", 1)[0] ?? "";
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      if (name.startsWith("JSESSIONID")) this.#cookies.set(name, pair.slice(eq + 1).trim());
    }
  }
}
