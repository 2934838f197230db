/**
 * No credentials: Jenkins treats the requests as anonymous, and a POST still needs a crumb
 * (the crumb filter applies to every unauthenticated-by-token request).
 */
import type { Authenticator } from "./authenticator.js";
import { CrumbSession } from "./crumb.js";

export function anonymousAuthenticator(): Authenticator {
  const crumb = new CrumbSession();
  return {
    user: null,
    secrets: [],
    headers: () => crumb.headers(),
    postHeaders: () => crumb.postHeaders(),
    beforePost: (fetchCrumb) => crumb.ensure(fetchCrumb),
    crumbRejected: () => crumb.forget(),
    keepCookies: (c) => crumb.keepCookies(c),
  };
}
