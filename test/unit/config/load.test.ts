import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { ConfigError, DEFAULTS, ENV_VARS, loadConfig } from "../../../src/config/index.js";
import { tempDir, URL_FLAG } from "./fixtures.js";

const tmp = tempDir();
after(() => tmp.cleanup());

async function configError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected a ConfigError");
}

void describe("loadConfig: defaults", () => {
  void it("runs from flags alone and fills every default", async () => {
    const c = await loadConfig({ flags: { ...URL_FLAG } });
    assert.equal(c.jenkins.url, "https://jenkins.example.org/ci/");
    assert.equal(c.jenkins.user, null);
    assert.equal(c.jenkins.token, null);
    assert.equal(c.jenkins.timeoutMs, 10_000);
    assert.deepEqual(c.gearman, { servers: [{ host: "127.0.0.1", port: 4730, tls: null }], embedded: null, clientIdPrefix: null });
    assert.deepEqual(c.zmq, { bind: "tcp://*:8888", enabled: true, curve: null, ringSize: 10_000 });
    assert.deepEqual(c.admin, { listen: { host: "127.0.0.1", port: 8099 }, tokenFile: null, token: null });
    assert.equal(c.masterName, null, "learnt from Jenkins' root URL at start");
    assert.equal(c.pollIntervalMs, 2_000);
    assert.deepEqual([c.jobsRefreshMs, c.jobDetailsRefreshMs, c.nodesRefreshMs, c.outageHoldMs], [25_000, 300_000, 30_000, 600_000]);
    assert.equal(c.jenkins.overdueMs, 2_500);
    assert.equal(c.buildStartTimeoutMs, 600_000);
    assert.deepEqual(c.drain, { graceMs: 600_000, quietDown: false });
    assert.deepEqual(c.log, { level: "info", pretty: null });
    assert.ok(c.stateFile === `${DEFAULTS.systemStateDir}/state.json` || c.stateFile.endsWith("/.state/state.json"), c.stateFile);
  });

  void it("is frozen all the way down", async () => {
    const c = await loadConfig({ flags: { ...URL_FLAG } });
    for (const o of [c, c.jenkins, c.gearman, c.gearman.servers, c.gearman.servers[0], c.admin.listen, c.drain, c.log]) {
      assert.ok(Object.isFrozen(o));
    }
    assert.throws(() => {
      (c as { pollIntervalMs: number }).pollIntervalMs = 1;
    }, TypeError);
    assert.throws(() => {
      (c.jenkins as { url: string }).url = "http://evil/";
    }, TypeError);
  });

  void it("exports the environment variables the CLI help lists", () => {
    const names = ENV_VARS.map((v) => v.name);
    for (const n of ["JGS_JENKINS_URL", "JGS_JENKINS_USER", "JENKINS_TOKEN", "JGS_JENKINS_TOKEN_FILE", "JGS_GEARMAN", "JGS_ZMQ_BIND", "JGS_ADMIN_LISTEN", "JGS_MASTER_NAME", "JGS_POLL_INTERVAL", "JGS_STATE_FILE", "JGS_LOG_LEVEL"]) {
      assert.ok(names.includes(n as (typeof names)[number]), n);
    }
  });
});

void describe("loadConfig: precedence file < env < flags", () => {
  const file = tmp.write(
    "layers.yaml",
    ["jenkins:", "  url: http://from-file:8080", "gearman:", "  servers: [file1:4730, file2]", "pollInterval: 5s", "masterName: file-master", "stateFile: /tmp/file-state.json", "log: {level: warn}", ""].join("\n"),
  );
  const env = { JGS_JENKINS_URL: "http://from-env:8080", JGS_GEARMAN: "env1:1, env2:2", JGS_POLL_INTERVAL: "3s", JGS_LOG_LEVEL: "debug" };
  const flags = { jenkinsUrl: "http://from-flags:8080", gearman: ["flag1:7"], pollInterval: "1s" };

  void it("the file alone", async () => {
    const c = await loadConfig({ file });
    assert.equal(c.jenkins.url, "http://from-file:8080/");
    assert.deepEqual(c.gearman.servers.map((s) => `${s.host}:${s.port}`), ["file1:4730", "file2:4730"]);
    assert.equal(c.pollIntervalMs, 5_000);
    assert.equal(c.log.level, "warn");
  });

  void it("the environment overrides the file, value by value", async () => {
    const c = await loadConfig({ file, env });
    assert.equal(c.jenkins.url, "http://from-env:8080/");
    assert.deepEqual(c.gearman.servers.map((s) => `${s.host}:${s.port}`), ["env1:1", "env2:2"]);
    assert.equal(c.pollIntervalMs, 3_000);
    assert.equal(c.log.level, "debug");
    assert.equal(c.masterName, "file-master", "keys the environment does not set still come from the file");
    assert.equal(c.stateFile, "/tmp/file-state.json");
  });

  void it("flags override both", async () => {
    const c = await loadConfig({ file, env, flags });
    assert.equal(c.jenkins.url, "http://from-flags:8080/");
    assert.deepEqual(c.gearman.servers.map((s) => `${s.host}:${s.port}`), ["flag1:7"]);
    assert.equal(c.pollIntervalMs, 1_000);
    assert.equal(c.log.level, "debug", "flags do not set it, so the environment's value stays");
  });

  void it("ignores empty environment values and unset flags", async () => {
    const c = await loadConfig({ file, env: { JGS_POLL_INTERVAL: "" }, flags: { pollInterval: undefined, config: file } });
    assert.equal(c.pollIntervalMs, 5_000);
  });
});

void describe("loadConfig: values", () => {
  void it("normalises the Jenkins URL; the master name is learnt from Jenkins unless given", async () => {
    const c = await loadConfig({ flags: { jenkinsUrl: " http://ci.example.com:8080/jenkins?x=1#y " } });
    assert.equal(c.jenkins.url, "http://ci.example.com:8080/jenkins/");
    assert.equal(c.masterName, null, "the host of the root URL Jenkins reports, resolved at start (docs/architecture.md \"Master name\")");
    assert.equal((await loadConfig({ flags: { jenkinsUrl: "http://127.0.0.1:8080/", masterName: "jenkins01" } })).masterName, "jenkins01");
  });

  void it("reads durations, TLS servers and the embedded server from YAML", async () => {
    const file = tmp.write(
      "full.yaml",
      [
        "jenkins: {url: 'http://j', timeout: 30s}",
        "gearman:",
        "  servers:",
        `    - {host: g1, port: 4731, tls: {ca: ${tmp.write("ca.pem", "-----BEGIN CERTIFICATE-----")}}}`,
        "    - {host: g2, tls: true}",
        "pollInterval: 500",
        "buildStartTimeout: 2m",
        "drain: {grace: 1h, quietDown: true}",
        "zmq: {bind: 'tcp://127.0.0.1:9999', ringSize: 50}",
      ].join("\n"),
    );
    const c = await loadConfig({ file });
    assert.equal(c.jenkins.timeoutMs, 30_000);
    assert.deepEqual(c.gearman.servers, [
      { host: "g1", port: 4731, tls: { ca: tmp.write("ca.pem", "-----BEGIN CERTIFICATE-----"), rejectUnauthorized: true } },
      { host: "g2", port: 4730, tls: { rejectUnauthorized: true } },
    ]);
    assert.equal(c.pollIntervalMs, 500);
    assert.equal(c.buildStartTimeoutMs, 120_000);
    assert.deepEqual(c.drain, { graceMs: 3_600_000, quietDown: true });
    assert.deepEqual({ bind: c.zmq.bind, ringSize: c.zmq.ringSize }, { bind: "tcp://127.0.0.1:9999", ringSize: 50 });
  });

  void it("a TLS file that cannot be read is an error naming its key, at load (exit 2), not at the first connect", async () => {
    const file = tmp.write("tls.yaml", ["jenkins: {url: 'http://j'}", "gearman:", "  servers:", "    - {host: g1, tls: {ca: /nonexistent/ca.pem}}"].join("\n"));
    await assert.rejects(loadConfig({ file }), (e: unknown) => e instanceof ConfigError && e.key === "gearman.servers[0].tls.ca" && /cannot read/.test(e.message));
  });

  void it('"embedded" means no servers and an embedded one', async () => {
    const c = await loadConfig({ flags: { ...URL_FLAG, gearman: ["embedded"] } });
    assert.deepEqual(c.gearman.servers, []);
    assert.deepEqual(c.gearman.embedded, { host: "127.0.0.1", port: 4730 });
    const d = await loadConfig({ flags: { ...URL_FLAG, gearman: "embedded:4799" } });
    assert.deepEqual(d.gearman.embedded, { host: "127.0.0.1", port: 4799 });
  });

  void it("--no-zmq disables the publisher, quietDown and the log flags apply", async () => {
    const c = await loadConfig({ flags: { ...URL_FLAG, zmq: false, quietDown: true, logLevel: "trace", logPretty: false } });
    assert.equal(c.zmq.enabled, false);
    assert.equal(c.drain.quietDown, true);
    assert.deepEqual(c.log, { level: "trace", pretty: false });
    const d = await loadConfig({ flags: { ...URL_FLAG, zmq: true } });
    assert.equal(d.zmq.enabled, true);
  });

  void it("listens beyond loopback when an admin token file is given", async () => {
    const tokenFile = tmp.write("admin-token", "adm1n-s3cret\n");
    const c = await loadConfig({ flags: { ...URL_FLAG, adminListen: "0.0.0.0:9000", adminTokenFile: tokenFile } });
    assert.deepEqual(c.admin.listen, { host: "0.0.0.0", port: 9000 });
    assert.equal(c.admin.token, "adm1n-s3cret");
  });
});

void describe("loadConfig: errors name the key", () => {
  void it("a missing config file", async () => {
    const e = await configError(loadConfig({ file: `${tmp.dir}/missing.yaml` }));
    assert.equal(e.key, "config");
    assert.match(e.message, /missing\.yaml.*no such file/);
  });

  void it("invalid YAML, with its position", async () => {
    const file = tmp.write("broken.yaml", "jenkins:\n  url: [unclosed\n");
    const e = await configError(loadConfig({ file }));
    assert.equal(e.key, "config");
    assert.match(e.message, /broken\.yaml" is not valid YAML at line \d+/);
  });

  void it("a file that is not a mapping", async () => {
    const file = tmp.write("list.yaml", "- a\n- b\n");
    assert.equal((await configError(loadConfig({ file }))).key, "config");
  });

  void it("an unknown nested key (gearman.serverz), with the file it is in", async () => {
    const file = tmp.write("unknown.yaml", "jenkins: {url: 'http://j'}\ngearman:\n  serverz: [a:1]\n");
    const e = await configError(loadConfig({ file }));
    assert.equal(e.key, "gearman.serverz");
    assert.match(e.message, /^gearman\.serverz: unknown key/);
    assert.ok(e.message.includes(file));
  });

  void it("an unknown top-level key, with a hint for *Ms keys", async () => {
    const file = tmp.write("ms.yaml", "jenkins: {url: 'http://j'}\npollIntervalMs: 2000\n");
    const e = await configError(loadConfig({ file }));
    assert.equal(e.key, "pollIntervalMs");
    assert.match(e.message, /pollInterval: 2s/);
  });

  void it("a secret written inline in the file", async () => {
    const file = tmp.write("inline.yaml", "jenkins: {url: 'http://j', user: u, token: inline-s3cret}\n");
    const e = await configError(loadConfig({ file }));
    assert.equal(e.key, "jenkins.token");
    assert.ok(!e.message.includes("inline-s3cret"));
  });

  void it("an unknown flag", async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG, gearmen: ["a:1"] } }));
    assert.equal(e.key, "gearmen");
  });

  void it("a missing Jenkins URL", async () => {
    const e = await configError(loadConfig({}));
    assert.equal(e.key, "jenkins.url");
    assert.match(e.message, /--jenkins-url/);
  });

  void it("a Jenkins URL with credentials, without echoing them", async () => {
    const e = await configError(loadConfig({ flags: { jenkinsUrl: "https://bob:hunter2@jenkins/" } }));
    assert.equal(e.key, "jenkins.url");
    assert.ok(!e.message.includes("hunter2"));
  });

  void it("a bad Gearman address, naming the value and the flag", async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG, gearman: ["ok:1", "bad:99999"] } }));
    assert.equal(e.key, "gearman.servers[1]");
    assert.match(e.message, /"bad:99999"/);
    assert.match(e.message, /--gearman/);
  });

  void it("a bad admin address from the environment", async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG }, env: { JGS_ADMIN_LISTEN: "localhost:http" } }));
    assert.equal(e.key, "admin.listen");
    assert.match(e.message, /"localhost:http".*JGS_ADMIN_LISTEN/s);
  });

  void it("a bad duration, naming the value and where it came from", async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG }, env: { JGS_POLL_INTERVAL: "soon" } }));
    assert.equal(e.key, "pollInterval");
    assert.match(e.message, /"soon".*JGS_POLL_INTERVAL/s);
  });

  void it("a poll interval too short, a bad log level, a bad ZeroMQ endpoint", async () => {
    assert.equal((await configError(loadConfig({ flags: { ...URL_FLAG, pollInterval: "10ms" } }))).key, "pollInterval");
    assert.equal((await configError(loadConfig({ flags: { ...URL_FLAG, logLevel: "loud" } }))).key, "log.level");
    assert.equal((await configError(loadConfig({ flags: { ...URL_FLAG, zmqBind: "tcp://*" } }))).key, "zmq.bind");
  });
});

void describe("loadConfig: contradictions are named", () => {
  void it('"embedded" mixed with other servers', async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG, gearman: ["embedded", "g1:4730"] } }));
    assert.equal(e.key, "gearman.servers");
    assert.match(e.message, /embedded.*cannot be mixed/);
  });

  void it("the same server twice", async () => {
    assert.equal((await configError(loadConfig({ flags: { ...URL_FLAG, gearman: ["g:1", "g:1"] } }))).key, "gearman.servers");
  });

  void it("admin beyond loopback without a token", async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG, adminListen: "0.0.0.0:8099" } }));
    assert.equal(e.key, "admin.listen");
    assert.match(e.message, /--admin-token-file/);
  });

  void it("a token and a password", async () => {
    const e = await configError(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "u" }, env: { JENKINS_TOKEN: "t0k", JENKINS_PASSWORD: "pw" } }));
    assert.equal(e.key, "jenkins.token");
    assert.match(e.message, /JENKINS_TOKEN.*JENKINS_PASSWORD/);
  });

  void it("JENKINS_TOKEN and JGS_JENKINS_TOKEN_FILE in the same layer", async () => {
    const file = tmp.write("tok-both", "t\n");
    const e = await configError(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "u" }, env: { JENKINS_TOKEN: "t", JGS_JENKINS_TOKEN_FILE: file } }));
    assert.equal(e.key, "jenkins.token");
  });

  void it("a token without a user", async () => {
    assert.equal((await configError(loadConfig({ flags: { ...URL_FLAG }, env: { JENKINS_TOKEN: "t" } }))).key, "jenkins.user");
  });
});

void describe("deploy/config.example.yaml", () => {
  void it("loads (JENKINS_TOKEN standing in for its token file) and says what it shows", async () => {
    const file = new URL("../../../deploy/config.example.yaml", import.meta.url).pathname;
    const c = await loadConfig({ file, env: { JENKINS_TOKEN: "t" } });
    assert.equal(c.jenkins.url, "https://jenkins01.example.org/");
    assert.deepEqual(c.gearman.servers.map((s) => `${s.host}:${s.port}`), ["gearman01.example.org:4730", "gearman02.example.org:4730"]);
    assert.equal(c.masterName, "jenkins01");
    assert.equal(c.pollIntervalMs, 2_000);
    assert.equal(c.drain.graceMs, 600_000);
  });
});
