/**
 * How the client proves who it is to Jenkins: one implementation per mode, in one file each
 * (token.ts, password.ts, anonymous.ts), chosen by makeAuthenticator(). The request core asks
 * the authenticator for headers and, before a POST, lets it prepare (a CSRF crumb).
 * docs/jenkins-rest.md "Authentication and CSRF crumbs".
 */

/** What an authenticator may ask of the request core: one GET, outside its own retry loop. */
export interface CrumbFetch {
  (): Promise<{ status: number; body: unknown; url: string }>;
}

export interface Authenticator {
  /** The user name Jenkins will see, or null for anonymous. */
  readonly user: string | null;
  /** Strings that must never appear in a message or log (the secret, and its encodings). */
  readonly secrets: readonly string[];
  /** Headers for every request (Authorization, a session cookie). */
  headers(): Record<string, string>;
  /** Extra headers for a POST (a crumb), after `beforePost`. */
  postHeaders(): Record<string, string>;
  /** Called before every POST; fetches what the POST needs (a crumb) once. */
  beforePost(fetchCrumb: CrumbFetch): Promise<void>;
  /** Jenkins refused the crumb ("No valid crumb"): forget it so the next beforePost fetches a new one. true if a retry may help. */
  crumbRejected(): boolean;
  /** Called with every answer's Set-Cookie values (the crumb is bound to the session cookie). */
  keepCookies(setCookie: readonly string[]): void;
}

export function basicHeader(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`).toString("base64")}`;
}
