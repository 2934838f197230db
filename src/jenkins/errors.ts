/**
 * Typed errors of the Jenkins client, one per failure mode. Messages name the URL (never with
 * credentials), what happened and what to do. No error carries the auth header or the secret:
 * the request core builds them from plain strings only (see http.ts).
 */

/** Base class of every error the Jenkins client throws. */
export class JenkinsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "JenkinsError";
  }
}

/** Jenkins answered with an HTTP status the operation does not accept. */
export class JenkinsHttpError extends JenkinsError {
  readonly status: number;
  readonly method: string;
  readonly url: string;
  /** `X-Required-Permission` of a 403, e.g. "hudson.model.Hudson.Read". */
  readonly requiredPermission: string | null;

  constructor(
    message: string,
    fields: { status: number; method: string; url: string; requiredPermission?: string | null },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "JenkinsHttpError";
    this.status = fields.status;
    this.method = fields.method;
    this.url = fields.url;
    this.requiredPermission = fields.requiredPermission ?? null;
  }
}

/** No answer within the timeout. */
export class JenkinsTimeoutError extends JenkinsError {
  readonly method: string;
  readonly url: string;
  readonly timeoutMs: number;

  constructor(fields: { method: string; url: string; timeoutMs: number; retries: number }, options?: ErrorOptions) {
    super(
      `${fields.method} ${fields.url}: no answer from Jenkins within ${fields.timeoutMs} ms` +
        (fields.retries > 0 ? ` (retried ${fields.retries} times)` : "") +
        "; is Jenkins overloaded, or is the request timeout (--jenkins-timeout, jenkins.timeout) too short?",
      options,
    );
    this.name = "JenkinsTimeoutError";
    this.method = fields.method;
    this.url = fields.url;
    this.timeoutMs = fields.timeoutMs;
  }
}

/** The TCP/TLS connection failed (ECONNREFUSED, ENOTFOUND, ECONNRESET, ...). */
export class JenkinsConnectionError extends JenkinsError {
  readonly method: string;
  readonly url: string;
  /** The errno code, e.g. "ECONNREFUSED", or null if unknown. */
  readonly code: string | null;

  constructor(
    fields: { method: string; url: string; baseUrl: string; code: string | null; retries: number },
    options?: ErrorOptions,
  ) {
    super(
      `${fields.method} ${fields.url}: cannot connect (${fields.code ?? "network error"})` +
        (fields.retries > 0 ? `, retried ${fields.retries} times` : "") +
        `; is Jenkins running at ${fields.baseUrl}?`,
      options,
    );
    this.name = "JenkinsConnectionError";
    this.method = fields.method;
    this.url = fields.url;
    this.code = fields.code;
  }
}

/** The answer is not what the API promises: HTML or truncated JSON, or a missing/mistyped field. */
export class JenkinsResponseError extends JenkinsError {
  readonly url: string;
  /** The offending field path, e.g. "computer[2].executors", or null for an unparsable body. */
  readonly field: string | null;

  constructor(message: string, fields: { url: string; field?: string | null }, options?: ErrorOptions) {
    super(message, options);
    this.name = "JenkinsResponseError";
    this.url = fields.url;
    this.field = fields.field ?? null;
  }
}

/** Jenkins refused to queue a build (a QueueDecisionHandler redirected the trigger to "."). */
export class JenkinsTriggerRefusedError extends JenkinsError {
  readonly job: string;

  constructor(job: string, url: string) {
    super(`POST ${url}: Jenkins refused to queue ${job} (302 without a queue item; a QueueDecisionHandler vetoed it)`);
    this.name = "JenkinsTriggerRefusedError";
    this.job = job;
  }
}
