// Issue 8: the Jenkins token is never printed, logged, put in /status or in an error message.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { inspect } from "node:util";

import { ConfigError, loadConfig, REDACTED, redactConfig } from "../../../src/config/index.js";
import { tempDir, URL_FLAG } from "./fixtures.js";

const tmp = tempDir();
after(() => tmp.cleanup());

const TOKEN = "11a2b3c4d5e6f7-jenkins-api-token";
const PASSWORD = "pa55-w0rd-secret";
const ADMIN = "admin-bearer-secret";

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  assert.fail("expected a ConfigError");
}

void describe("secrets: where the token comes from", () => {
  void it("reads the token from --jenkins-token-file, trimming the newline", async () => {
    const file = tmp.write("token", `${TOKEN}\n`);
    const c = await loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "bob", jenkinsTokenFile: file } });
    assert.equal(c.jenkins.token, TOKEN);
    assert.equal(c.jenkins.tokenFile, file);
    assert.equal(c.jenkins.user, "bob");
  });

  void it("reads the token from JENKINS_TOKEN", async () => {
    const c = await loadConfig({ flags: { ...URL_FLAG }, env: { JENKINS_TOKEN: TOKEN, JGS_JENKINS_USER: "bob" } });
    assert.equal(c.jenkins.token, TOKEN);
    assert.equal(c.jenkins.tokenFile, null);
  });

  void it("a token file flag overrides JENKINS_TOKEN (flags beat the environment)", async () => {
    const file = tmp.write("token-flag", "from-file\n");
    const c = await loadConfig({ flags: { ...URL_FLAG, jenkinsTokenFile: file }, env: { JENKINS_TOKEN: TOKEN, JGS_JENKINS_USER: "bob" } });
    assert.equal(c.jenkins.token, "from-file");
  });

  void it("JENKINS_TOKEN overrides a tokenFile in the config file", async () => {
    const tokenFile = tmp.write("token-yaml", "from-yaml\n");
    const file = tmp.write("with-token.yaml", `jenkins: {url: "http://j", user: bob, tokenFile: "${tokenFile}"}\n`);
    const c = await loadConfig({ file, env: { JENKINS_TOKEN: TOKEN } });
    assert.equal(c.jenkins.token, TOKEN);
  });

  void it("reads a password from JGS_JENKINS_PASSWORD_FILE", async () => {
    const file = tmp.write("password", `${PASSWORD}\n`);
    const c = await loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "bob" }, env: { JGS_JENKINS_PASSWORD_FILE: file } });
    assert.equal(c.jenkins.password, PASSWORD);
    assert.equal(c.jenkins.token, null);
  });
});

void describe("secrets: never printed", () => {
  async function loaded() {
    const adminFile = tmp.write("admin", ADMIN);
    return loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "bob", adminTokenFile: adminFile }, env: { JENKINS_TOKEN: TOKEN } });
  }

  void it("not in JSON.stringify of the config or of its parts", async () => {
    const c = await loaded();
    for (const text of [JSON.stringify(c), JSON.stringify(c.jenkins), JSON.stringify(c.admin), JSON.stringify({ wrapped: c })]) {
      assert.ok(!text.includes(TOKEN) && !text.includes(ADMIN), text);
    }
    assert.equal((JSON.parse(JSON.stringify(c)) as { jenkins: { token: string } }).jenkins.token, REDACTED);
  });

  void it("not in util.inspect, even with hidden properties shown", async () => {
    const c = await loaded();
    for (const text of [inspect(c, { depth: null }), inspect(c, { showHidden: true, depth: null }), inspect(c.jenkins), inspect({ c }, { depth: null }), `${inspect(c.admin)}`]) {
      assert.ok(!text.includes(TOKEN) && !text.includes(ADMIN), text);
    }
  });

  void it("not in redactConfig(), which keeps everything else", async () => {
    const c = await loaded();
    const r = redactConfig(c) as typeof c;
    assert.equal(r.jenkins.token, REDACTED);
    assert.equal(r.admin.token, REDACTED);
    assert.equal(r.jenkins.password, null, "an unset secret stays null");
    assert.equal(r.jenkins.url, c.jenkins.url);
    assert.deepEqual(r.gearman, c.gearman);
    assert.ok(!JSON.stringify(r).includes(TOKEN));
  });

  void it("still readable by the code that needs it", async () => {
    const c = await loaded();
    assert.equal(c.jenkins.token, TOKEN);
    assert.equal(c.admin.token, ADMIN);
    assert.equal({ ...c.jenkins }.token, TOKEN, "spreading the slice keeps the token for the Jenkins client");
  });
});

void describe("secrets: errors name the file, never the content", () => {
  void it("an unreadable token file", async () => {
    const path = `${tmp.dir}/no-such-token`;
    const e = await rejection(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "bob", jenkinsTokenFile: path } }));
    assert.equal(e.key, "jenkins.tokenFile");
    assert.match(e.message, /^jenkins\.tokenFile: cannot read ".*no-such-token": no such file$/);
  });

  void it("a token file that is a directory", async () => {
    const e = await rejection(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "bob", jenkinsTokenFile: tmp.dir } }));
    assert.equal(e.key, "jenkins.tokenFile");
    assert.match(e.message, /directory/);
  });

  void it("an empty token file, and one with several lines, without quoting them", async () => {
    const empty = tmp.write("empty-token", "\n");
    assert.match((await rejection(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "b", jenkinsTokenFile: empty } }))).message, /is empty/);
    const multi = tmp.write("multi-token", `${TOKEN}\n${PASSWORD}\n`);
    const e = await rejection(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "b", jenkinsTokenFile: multi } }));
    assert.ok(!e.message.includes(TOKEN) && !e.message.includes(PASSWORD), e.message);
    assert.ok(!inspect(e).includes(TOKEN));
  });

  void it("a contradiction involving the token does not quote it", async () => {
    const e = await rejection(loadConfig({ flags: { ...URL_FLAG, jenkinsUser: "b" }, env: { JENKINS_TOKEN: TOKEN, JENKINS_PASSWORD: PASSWORD } }));
    assert.ok(!e.message.includes(TOKEN) && !e.message.includes(PASSWORD), e.message);
  });
});
