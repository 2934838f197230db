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
    /** A request unanswered this long means Jenkins hangs: stop grabbing at once. @default 2500, or a quarter of the timeout when that is shorter */
    overdueMs: number;
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
  /**
   * The name Zuul knows the master by. null: the host of the root URL Jenkins reports (its
   * configured Jenkins URL), resolved at start; a loopback or missing one refuses to start.
   * @default null
   */
  masterName: string | null;
  /** Queue and executor counts. @default 2000 */
  pollIntervalMs: number;
  /** Names-only job listing (new and deleted jobs). @default 25000 */
  jobsRefreshMs: number;
  /** Job listing with labels, disabled flags and nextBuildNumber. @default 300000 */
  jobDetailsRefreshMs: number;
  /** Full node listing (labels, offline state, executors). @default 30000 */
  nodesRefreshMs: number;
  /** How long a grabbed job is held while Jenkins does not answer, before it is failed back to Zuul. @default 600000 */
  outageHoldMs: number;
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
