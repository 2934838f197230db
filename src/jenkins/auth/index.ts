/** The authentication modes of the Jenkins client; a new mode is a new file here and a case below. */
import type { JenkinsAuth } from "../types.js";
import { anonymousAuthenticator } from "./anonymous.js";
import type { Authenticator } from "./authenticator.js";
import { passwordAuthenticator } from "./password.js";
import { tokenAuthenticator } from "./token.js";

export type { Authenticator, CrumbFetch } from "./authenticator.js";

export function makeAuthenticator(auth: JenkinsAuth | undefined): Authenticator {
  if (auth?.token !== undefined) return tokenAuthenticator(auth.user, auth.token);
  if (auth?.password !== undefined) return passwordAuthenticator(auth.user, auth.password);
  return anonymousAuthenticator();
}
