/**
 * Authentication and CSRF crumbs (docs/jenkins-rest.md "Authentication and CSRF crumbs"): Basic user+token (no crumb needed, ApiCrumbExclusion),
 * Basic user+password (crumb bound to the JSESSIONID session, DefaultCrumbIssuer), 401 with
 * WWW-Authenticate on bad credentials, configurable anonymous read, crumb issuer on/off.
 */
import { createHash, randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { type Reply, html } from "./http.js";
import type { SimUser } from "./types.js";

export interface AuthOptions {
  readonly users: readonly SimUser[];
  readonly anonymousRead: boolean;
  readonly crumbIssuer: boolean;
}

export type AuthOutcome =
  | { readonly ok: true; readonly user: string | null; readonly viaToken: boolean }
  | { readonly ok: false; readonly reply: Reply };

export const CRUMB_FIELD = "Jenkins-Crumb";

export class Auth {
  readonly #opts: AuthOptions;
  readonly #salt = randomBytes(16).toString("hex");
  /** `JSESSIONID.<hash>`: Jetty names the session cookie after the instance. */
  readonly cookieName = `JSESSIONID.${randomBytes(4).toString("hex")}`;

  constructor(opts: AuthOptions) {
    this.#opts = opts;
  }

  get useSecurity(): boolean {
    return this.#opts.users.length > 0;
  }

  get crumbsEnabled(): boolean {
    return this.#opts.crumbIssuer;
  }

  /** Basic auth: a known user with its token or password; anything else in the header → 401. */
  authenticate(headers: IncomingHttpHeaders): AuthOutcome {
    const h = headers.authorization;
    if (!this.useSecurity || h === undefined) return { ok: true, user: null, viaToken: false };
    const m = /^Basic\s+(\S+)$/i.exec(h);
    const decoded = m?.[1] === undefined ? "" : Buffer.from(m[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    const name = colon < 0 ? decoded : decoded.slice(0, colon);
    const secret = colon < 0 ? "" : decoded.slice(colon + 1);
    const u = this.#opts.users.find((x) => x.user === name);
    if (u !== undefined && u.token !== undefined && u.token === secret) return { ok: true, user: u.user, viaToken: true };
    if (u !== undefined && u.password !== undefined && u.password === secret) return { ok: true, user: u.user, viaToken: false };
    const r = html(401, "Invalid password/token for user: " + name);
    return { ok: false, reply: { ...r, headers: { ...r.headers, "WWW-Authenticate": 'Basic realm="Jenkins user"' } } };
  }

  /** Overall/Read: users always, anonymous only when allowed (or with security off). */
  canRead(user: string | null): boolean {
    return !this.useSecurity || user !== null || this.#opts.anonymousRead;
  }

  /** Build, configure and the like: anonymous only with security off. */
  canWrite(user: string | null): boolean {
    return !this.useSecurity || user !== null;
  }

  /**
   * Whether a user holds a permission (its Jenkins id, "hudson.model.Item.Build"): every write needs a user; a user
   * without a `permissions` list holds them all; Configure implies ExtendedRead and Administer implies everything,
   * as `Permission.impliedBy` has it.
   */
  permits(user: string | null, permission: string): boolean {
    if (!this.useSecurity) return true;
    if (user === null) return false;
    const held = this.#opts.users.find((u) => u.user === user)?.permissions;
    if (held === undefined || held.includes(permission) || held.includes("hudson.model.Hudson.Administer")) return true;
    return permission.endsWith(".ExtendedRead") && held.includes(permission.replace(/ExtendedRead$/, "Configure"));
  }

  /** The user's full name (/me/api/json). */
  fullNameOf(user: string): string {
    return this.#opts.users.find((u) => u.user === user)?.fullName ?? user;
  }

  /** The 403 for a missing permission, or null when the user holds it. */
  require(user: string | null, permission: string): Reply | null {
    return this.permits(user, permission) ? null : this.denied(user, permission);
  }

  denied(user: string | null, permission: string): Reply {
    const who = user ?? "anonymous";
    const r = html(403, `${who} is missing the ${permission} permission`);
    return { ...r, headers: { ...r.headers, "X-You-Are-Authenticated-As": who, "X-Required-Permission": permission } };
  }

  sessionOf(cookieHeader: string | undefined): string | null {
    if (cookieHeader === undefined) return null;
    for (const part of cookieHeader.split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0 && part.slice(0, eq).trim() === this.cookieName) return part.slice(eq + 1).trim();
    }
    return null;
  }

  newSession(): string {
    return randomBytes(12).toString("hex");
  }

  /** A hash of the user name and the session id (`DefaultCrumbIssuer.java:105-120`). */
  crumb(user: string | null, session: string): string {
    return createHash("sha256").update(`${user ?? "anonymous"};${session};${this.#salt}`).digest("hex");
  }

  /** CrumbFilter: null when the POST may proceed, else the 403. */
  checkCrumb(user: string | null, viaToken: boolean, headers: IncomingHttpHeaders, formCrumb: string | null): Reply | null {
    if (!this.#opts.crumbIssuer || viaToken) return null;
    const given = (headers[CRUMB_FIELD.toLowerCase()] as string | undefined) ?? formCrumb;
    const session = this.sessionOf(headers.cookie);
    if (given !== undefined && given !== null && session !== null && given === this.crumb(user, session)) return null;
    return html(403, "No valid crumb was included in the request");
  }
}
