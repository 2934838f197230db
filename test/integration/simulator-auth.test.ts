// docs/jenkins-rest.md "Authentication and CSRF crumbs", over real HTTP.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { JenkinsSimulator } from "../../src/simulator/index.js";
import { PASSWORD_AUTH, TOKEN_AUTH, get, post, start } from "./simulator-fixtures.js";

const JOB = { name: "p", parameters: [{ name: "REF", type: "string" as const, default: "main" }] };

describe("simulator auth and crumbs", { timeout: 10_000 }, () => {
  let sim: JenkinsSimulator;
  before(async () => {
    sim = await start({ jobs: [JOB] });
  });
  after(() => sim.close());

  it("token auth POST without crumb is accepted (jenkins/security/ApiCrumbExclusion.java:45-52)", async () => {
    const r = await post(sim, "job/p/buildWithParameters?delay=0sec", { Authorization: TOKEN_AUTH });
    assert.equal(r.status, 201);
  });

  it("password auth POST without crumb → 403 (hudson/security/csrf/CrumbFilter.java:115-159)", async () => {
    const r = await post(sim, "job/p/buildWithParameters?REF=a", { Authorization: PASSWORD_AUTH });
    assert.equal(r.status, 403);
    assert.match(r.text, /No valid crumb was included in the request/);
  });

  it("password auth with crumb + JSESSIONID cookie → OK; crumb without its cookie → 403 (DefaultCrumbIssuer.java:105-120)", async () => {
    const c = await get(sim, "crumbIssuer/api/json", { Authorization: PASSWORD_AUTH });
    assert.equal(c.status, 200);
    assert.equal(c.json["_class"], "hudson.security.csrf.DefaultCrumbIssuer");
    assert.equal(c.json["crumbRequestField"], "Jenkins-Crumb");
    const crumb = c.json["crumb"] as string;
    assert.match(crumb, /^[0-9a-f]{64}$/);
    const cookie = (c.headers.get("set-cookie") ?? "").split(";")[0] as string;
    assert.match(cookie, /^JSESSIONID\.[0-9a-f]+=/);

    const noCookie = await post(sim, "job/p/buildWithParameters?REF=b", { Authorization: PASSWORD_AUTH, "Jenkins-Crumb": crumb });
    assert.equal(noCookie.status, 403);
    const ok = await post(sim, "job/p/buildWithParameters?REF=b", { Authorization: PASSWORD_AUTH, "Jenkins-Crumb": crumb, Cookie: cookie });
    assert.equal(ok.status, 201);
    // The crumb may also come as a form field of the same name.
    const form = await post(sim, "job/p/buildWithParameters", { Authorization: PASSWORD_AUTH, Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded" }, `REF=c&Jenkins-Crumb=${crumb}`);
    assert.equal(form.status, 201);
  });

  it("bad credentials → 401 with WWW-Authenticate (jenkins/security/BasicHeaderProcessor.java:100)", async () => {
    const r = await get(sim, "api/json", { Authorization: `Basic ${Buffer.from("sidecar:nope").toString("base64")}` });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get("www-authenticate"), 'Basic realm="Jenkins user"');
  });

  it("anonymous without read → 403 with X-You-Are-Authenticated-As (hudson/security/AccessDeniedException3.java:59-71)", async () => {
    const r = await fetch(`${sim.url}api/json`);
    assert.equal(r.status, 403);
    assert.equal(r.headers.get("x-you-are-authenticated-as"), "anonymous");
    assert.equal(r.headers.get("x-required-permission"), "hudson.model.Hudson.Read");
  });

  it("anonymous read when configured; useSecurity and useCrumbs on the root (Jenkins.java)", async () => {
    const s2 = await start({ anonymousRead: true });
    try {
      const r = await fetch(`${s2.url}api/json?tree=useSecurity,useCrumbs`);
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { _class: "hudson.model.Hudson", useCrumbs: true, useSecurity: true });
      const p = await fetch(`${s2.url}quietDown`, { method: "POST" });
      assert.equal(p.status, 403);
    } finally {
      await s2.close();
    }
  });

  it("crumb issuer off → /crumbIssuer/api/json 404 and POSTs need no crumb (hudson/security/csrf/CrumbFilter.java:115-118: no issuer, no check)", async () => {
    const s3 = await start({ crumbIssuer: false, jobs: [JOB] });
    try {
      assert.equal((await get(s3, "crumbIssuer/api/json", { Authorization: PASSWORD_AUTH })).status, 404);
      assert.equal((await post(s3, "job/p/buildWithParameters", { Authorization: PASSWORD_AUTH })).status, 201);
      assert.equal((await get(s3, "api/json?tree=useCrumbs")).json["useCrumbs"], false);
    } finally {
      await s3.close();
    }
  });

  it("security off: useSecurity false, anonymous reads; headers X-Jenkins and JSON content type (hudson/model/Api.java:308-310)", async () => {
    const s4 = await start({ users: [], version: "2.479.1" });
    try {
      const r = await fetch(`${s4.url}api/json`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get("x-jenkins"), "2.479.1");
      assert.ok(r.headers.get("x-jenkins-session"));
      assert.equal(r.headers.get("content-type"), "application/json;charset=utf-8");
      const body = (await r.json()) as Record<string, unknown>;
      assert.equal(body["useSecurity"], false);
    } finally {
      await s4.close();
    }
  });
});
