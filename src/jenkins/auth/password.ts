/**
 * User + password over Basic auth: every POST needs a CSRF crumb and the session cookie it is
 * bound to (hudson/security/csrf/CrumbFilter.java:115-159). Prefer a token.
 */
import { basicHeader, type Authenticator } from "./authenticator.js";
import { CrumbSession } from "./crumb.js";

export function passwordAuthenticator(user: string, password: string): Authenticator {
  const header = basicHeader(user, password);
  const crumb = new CrumbSession();
  return {
    user,
    secrets: [password, header.slice("Basic ".length)],
    headers: () => ({ authorization: header, ...crumb.headers() }),
    postHeaders: () => crumb.postHeaders(),
    beforePost: (fetchCrumb) => crumb.ensure(fetchCrumb),
    crumbRejected: () => crumb.forget(),
    keepCookies: (c) => crumb.keepCookies(c),
  };
}
