/** The validated, frozen configuration handed to every module. Secrets never show in JSON or inspect output. */

export interface TlsOptions {
  /** Path of a PEM file with the CA certificates to trust. */
  ca?: string;
  /** Path of a PEM client certificate. */
  cert?: string;
  /** Path of the PEM private key of `cert`. */
  key?: string;
  /** @default true */
  rejectUnauthorized: boolean;
}

export interface GearmanServerConfig {
  host: string;
  port: number;
  tls: TlsOptions | null;
}

export interface Config {
  jenkins: {
    /** Normalised: http(s), no credentials, no query, ends with "/". */
    url: string;
    user: string | null;
    /** API token, read from `tokenFile` or JENKINS_TOKEN. Redacted in JSON.stringify, util.inspect and redactConfig. */
    token: string | null;
    /** The file the token was read from; null when it came from JENKINS_TOKEN. */
    tokenFile: string | null;
    /** Password (crumb auth), read from `passwordFile` or JENKINS_PASSWORD. Redacted like `token`. */
    password: string | null;
    passwordFile: string | null;
    /** @default 10000 */
    timeoutMs: number;
  };
  gearman: {
    /** @default [{ host: "127.0.0.1", port: 4730, tls: null }]; [] when `embedded` is set */
    servers: GearmanServerConfig[];
    /** Run the embedded Gearman server on this address ("embedded" in the server list). @default null */
    embedded: { host: string; port: number } | null;
    /** @default null (the daemon picks one) */
    clientIdPrefix: string | null;
  };
  zmq: {
    /** @default "tcp://*:8888" */
    bind: string;
    /** @default true */
    enabled: boolean;
    /** @default null */
    curve: { secretKeyFile: string; publicKey: string; allowedClientKeysFile: string | null } | null;
    /** Events kept for replay. @default 10000 */
    ringSize: number;
  };
  admin: {
    /** @default { host: "127.0.0.1", port: 8099 } */
    listen: { host: string; port: number };
    tokenFile: string | null;
    /** Bearer token for POST requests, read from `tokenFile`. Redacted like the Jenkins token. */
    token: string | null;
  };
  /** @default the host name of the Jenkins URL */
  masterName: string;
  /** @default 2000 */
  pollIntervalMs: number;
  /** Refresh the job list every N poll cycles. @default 5 */
  jobsRefreshCycles: number;
  /** @default "/var/lib/jenkins-gearman-sidecar/state.json" when that directory is writable, else "<cwd>/.state/state.json" */
  stateFile: string;
  /** A triggered build that has not started after this long fails the Gearman job (WORK_FAIL). @default 600000 */
  buildStartTimeoutMs: number;
  drain: {
    /** How long SIGTERM waits for in-flight builds. @default 600000 */
    graceMs: number;
    /** Put Jenkins into quiet-down while draining. @default false */
    quietDown: boolean;
  };
  log: {
    /** @default "info" */
    level: string;
    /** null = pretty when stderr is a terminal. @default null */
    pretty: boolean | null;
  };
}
