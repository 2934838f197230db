/**
 * User + API token over Basic auth: the recommended mode. Requests authenticated by an API
 * token skip the CSRF crumb check (jenkins/security/ApiCrumbExclusion.java:45-52), so no crumb
 * and no session are kept.
 */
import { basicHeader, type Authenticator } from "./authenticator.js";

export function tokenAuthenticator(user: string, token: string): Authenticator {
  const header = basicHeader(user, token);
  return {
    user,
    secrets: [token, header.slice("Basic ".length)],
    headers: () => ({ authorization: header }),
    postHeaders: () => ({}),
    beforePost: () => Promise.resolve(),
    crumbRejected: () => false,
    keepCookies: () => undefined,
  };
}
