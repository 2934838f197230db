import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, describe, it } from "node:test";
import { inspect } from "node:util";
import pino from "pino";

import {
  JenkinsClient,
  JenkinsConnectionError,
  JenkinsHttpError,
  JenkinsResponseError,
  JenkinsTimeoutError,
  JenkinsTriggerRefusedError,
  type RequestEvent,
} from "../../../src/jenkins/index.js";
import { deadPort, fakeJenkins, json, text, type FakeServer } from "./fake-server.js";

const TOKEN = "11e0c0ffee5ecret7oken9a";
const FAST = { initialMs: 5, maxMs: 20, jitter: 0 };
const servers: FakeServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});
async function serve(h: Parameters<typeof fakeJenkins>[0]): Promise<FakeServer> {
  const s = await fakeJenkins(h);
  servers.push(s);
  return s;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof Error);
    return e;
  }
  assert.fail("expected a rejection");
}

const HTML_500 = "<html><head><title>Oops</title><style>p{}</style></head><body><h1>A problem occurred</h1><p>java.lang.NullPointerException</p></body></html>";

void describe("request core", () => {
  void it("retries a GET on 5xx with backoff, then names the URL, the status and the retries", async () => {
    const s = await serve((_r, res) => text(res, 500, HTML_500));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: TOKEN }, retries: 2, backoff: FAST });
    const t0 = Date.now();
    const e = await rejection(c.listQueue());
    assert.ok(e instanceof JenkinsHttpError);
    assert.equal(e.status, 500);
    assert.equal(e.method, "GET");
    assert.equal(s.requests.length, 3);
    assert.ok(Date.now() - t0 >= 5 + 10, "waited the backoff between attempts");
    assert.match(e.message, /GET http:\/\/127\.0\.0\.1:\d+\/queue\/api\/json/);
    assert.match(e.message, /Jenkins is failing, retried 2 times/);
    // The HTML page is reduced to its text.
    assert.match(e.message, /A problem occurred java\.lang\.NullPointerException/);
    assert.doesNotMatch(e.message, /<h1>|p\{\}/);
  });

  void it("succeeds when a retry succeeds", async () => {
    let n = 0;
    const s = await serve((_r, res) => (n++ === 0 ? text(res, 503, "busy") : json(res, { items: [] })));
    const c = new JenkinsClient({ baseUrl: s.url, retries: 3, backoff: FAST });
    assert.deepEqual(await c.listQueue(), []);
    assert.equal(s.requests.length, 2);
  });

  void it("does not retry a POST on 5xx (it may have been applied)", async () => {
    const s = await serve((_r, res) => text(res, 500, "boom"));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: TOKEN }, retries: 3, backoff: FAST });
    const e = await rejection(c.stopBuild("job", 3));
    assert.ok(e instanceof JenkinsHttpError && e.status === 500);
    assert.equal(s.requests.length, 1);
  });

  void it("401 says to check the user and API token, without retrying", async () => {
    const s = await serve((_r, res) => text(res, 401, "", { "www-authenticate": 'Basic realm="Jenkins user"' }));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "zuul", token: TOKEN }, backoff: FAST });
    const e = await rejection(c.listJobs());
    assert.ok(e instanceof JenkinsHttpError && e.status === 401);
    assert.match(e.message, /check the user "zuul" and API token/);
    assert.equal(s.requests.length, 1);
    assert.equal(s.requests[0]!.headers.authorization, `Basic ${Buffer.from(`zuul:${TOKEN}`).toString("base64")}`);
  });

  void it("403 with X-Required-Permission names the permission (docs/jenkins-rest.md \"Authentication and CSRF crumbs\")", async () => {
    const s = await serve((_r, res) =>
      text(res, 403, "<html>Access Denied</html>", { "x-required-permission": "hudson.model.Hudson.Manage", "x-you-are-authenticated-as": "zuul" }),
    );
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "zuul", token: TOKEN } });
    const e = await rejection(c.quietDown("x"));
    assert.ok(e instanceof JenkinsHttpError);
    assert.equal(e.requiredPermission, "hudson.model.Hudson.Manage");
    assert.match(e.message, /user "zuul" lacks the permission hudson\.model\.Hudson\.Manage/);
  });

  void it("404 on a getter is null, elsewhere an error that says what to check", async () => {
    const s = await serve((_r, res) => text(res, 404, "Not Found"));
    const c = new JenkinsClient({ baseUrl: s.url });
    assert.equal(await c.getBuild("a/b", 1), null);
    assert.equal(await c.getQueueItem(5), null);
    const e = await rejection(c.stopBuild("a/b", 1));
    assert.ok(e instanceof JenkinsHttpError && e.status === 404);
    assert.match(e.message, /POST http:\/\/127\.0\.0\.1:\d+\/job\/a\/job\/b\/1\/stop: 404 .*check the name/);
  });

  void it("times out with AbortSignal.timeout, retrying GETs", async () => {
    const s = await serve(() => {
      /* never answers */
    });
    const c = new JenkinsClient({ baseUrl: s.url, timeoutMs: 80, retries: 1, backoff: FAST });
    const e = await rejection(c.listQueue());
    assert.ok(e instanceof JenkinsTimeoutError);
    assert.equal(e.timeoutMs, 80);
    assert.match(e.message, /no answer from Jenkins within 80 ms \(retried 1 times\)/);
    // The message names the user's keys, not the client's option.
    assert.match(e.message, /--jenkins-timeout, jenkins\.timeout/);
    assert.equal(s.requests.length, 2);
  });

  void it("malformed or truncated JSON is a JenkinsResponseError", async () => {
    const s = await serve((_r, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"items":[{"id":1,');
    });
    const c = new JenkinsClient({ baseUrl: s.url });
    const e = await rejection(c.listQueue());
    assert.ok(e instanceof JenkinsResponseError);
    assert.match(e.message, /malformed or truncated JSON/);
  });

  void it("an HTML page where JSON was expected (login page, proxy) is a JenkinsResponseError", async () => {
    const s = await serve((_r, res) => text(res, 200, "<html><body>Sign in</body></html>"));
    const c = new JenkinsClient({ baseUrl: s.url });
    const e = await rejection(c.root());
    assert.ok(e instanceof JenkinsResponseError);
    assert.match(e.message, /expected JSON but got text\/html.*Sign in/);
  });

  void it("an unexpected shape names the field", async () => {
    const s = await serve((_r, res) => json(res, { items: [{ id: 1, task: {} }] }));
    const c = new JenkinsClient({ baseUrl: s.url });
    const e = await rejection(c.listQueue());
    assert.ok(e instanceof JenkinsResponseError);
    assert.equal(e.field, "items[0].task.name");
    assert.match(e.message, /field "items\[0\]\.task\.name" is missing/);
  });

  void it("connection refused: asks whether Jenkins runs there; retries GETs and POSTs (never sent)", async () => {
    const port = await deadPort();
    const events: RequestEvent[] = [];
    const c = new JenkinsClient({ baseUrl: `http://127.0.0.1:${port}`, retries: 2, backoff: FAST, onRequest: (r) => events.push(r) });
    const e = await rejection(c.listNodes());
    assert.ok(e instanceof JenkinsConnectionError);
    assert.equal(e.code, "ECONNREFUSED");
    assert.match(e.message, new RegExp(`is Jenkins running at http://127\\.0\\.0\\.1:${port}/\\?`));
    assert.equal(events.length, 3);
    assert.deepEqual(events[0], { method: "GET", path: "/computer/api/json", status: 0, ms: events[0]!.ms, error: "ECONNREFUSED" });
    const c2 = new JenkinsClient({ baseUrl: `http://127.0.0.1:${port}`, auth: { user: "u", token: TOKEN }, retries: 1, backoff: FAST, onRequest: (r) => events.push(r) });
    events.length = 0;
    await rejection(c2.cancelQueueItem(3));
    assert.equal(events.length, 2, "a POST is retried on a connect error");
  });

  void it("onRequest reports method, path, status and duration", async () => {
    const s = await serve((_r, res) => json(res, { items: [] }));
    const events: RequestEvent[] = [];
    const c = new JenkinsClient({ baseUrl: s.url, onRequest: (r) => events.push(r) });
    await c.listQueue();
    assert.equal(events.length, 1);
    assert.equal(events[0]!.method, "GET");
    assert.equal(events[0]!.path, "/queue/api/json");
    assert.equal(events[0]!.status, 200);
    assert.equal(typeof events[0]!.ms, "number");
    assert.equal(c.requestCount, 1);
  });
});

void describe("CSRF crumbs (docs/jenkins-rest.md \"Authentication and CSRF crumbs\")", () => {
  void it("with a password: fetches the crumb once, sends it with the session cookie, refreshes once on 'No valid crumb'", async () => {
    let session = 1;
    const s = await serve((r, res) => {
      if (r.url.pathname === "/crumbIssuer/api/json") {
        res.setHeader("set-cookie", `JSESSIONID.abc=s${session}; Path=/; HttpOnly`);
        json(res, { _class: "hudson.security.csrf.DefaultCrumbIssuer", crumb: `c${session}`, crumbRequestField: "Jenkins-Crumb" });
        return;
      }
      const valid = r.headers["jenkins-crumb"] === `c${session}` && r.headers.cookie === `JSESSIONID.abc=s${session}`;
      if (!valid) return text(res, 403, "<html><body>No valid crumb was included in the request</body></html>");
      text(res, 302, "", { location: `${s.url}` });
    });
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", password: "pa55word" } });
    await c.quietDown();
    await c.cancelQuietDown();
    assert.deepEqual(
      s.requests.map((r) => `${r.method} ${r.url.pathname}`),
      ["GET /crumbIssuer/api/json", "POST /quietDown", "POST /cancelQuietDown"],
    );
    session = 2; // the session expired: the old crumb is refused
    await c.quietDown("again");
    assert.deepEqual(
      s.requests.slice(3).map((r) => `${r.method} ${r.url.pathname} ${String(r.headers["jenkins-crumb"] ?? "-")}`),
      ["POST /quietDown c1", "GET /crumbIssuer/api/json -", "POST /quietDown c2"],
    );
  });

  void it("a 403 crumb error that persists is reported with advice, after one refresh", async () => {
    const s = await serve((r, res) =>
      r.url.pathname === "/crumbIssuer/api/json"
        ? json(res, { crumb: "x", crumbRequestField: "Jenkins-Crumb" })
        : text(res, 403, "No valid crumb was included in the request"),
    );
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", password: "pa55word" } });
    const e = await rejection(c.cancelQuietDown());
    assert.ok(e instanceof JenkinsHttpError && e.status === 403);
    assert.match(e.message, /use an API token instead of a password/);
    assert.equal(s.requests.filter((r) => r.method === "POST").length, 2);
  });

  void it("with an API token: no crumb is fetched (ApiCrumbExclusion)", async () => {
    const s = await serve((_r, res) => text(res, 302, "", { location: "/" }));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: TOKEN } });
    await c.quietDown();
    assert.deepEqual(s.requests.map((r) => r.url.pathname), ["/quietDown"]);
  });

  void it("a 404 crumb issuer means no crumb is needed", async () => {
    const s = await serve((r, res) => (r.url.pathname === "/crumbIssuer/api/json" ? text(res, 404, "") : text(res, 302, "", { location: "/" })));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", password: "pa55word" } });
    await c.quietDown();
    await c.cancelQuietDown();
    assert.deepEqual(s.requests.map((r) => r.url.pathname), ["/crumbIssuer/api/json", "/quietDown", "/cancelQuietDown"]);
    assert.equal(s.requests[1]!.headers["jenkins-crumb"], undefined);
  });
});

void describe("trigger (docs/jenkins-rest.md \"Triggering a build\")", () => {
  void it("201 + Location is a new item; 303 is the existing one; params go in the form body with delay=0sec", async () => {
    let status = 201;
    const s = await serve((_r, res) => text(res, status, "", { location: `${s.url}queue/item/${status === 201 ? 42 : 7}/` }));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: TOKEN } });
    assert.deepEqual(await c.trigger("team/build x", { ZUUL_UUID: "abc", NODE: "agent 1" }), { queueId: 42, existing: false });
    const r = s.requests[0]!;
    assert.equal(r.method, "POST");
    assert.equal(r.url.pathname, "/job/team/job/build%20x/buildWithParameters");
    assert.equal(r.url.searchParams.get("delay"), "0sec");
    assert.equal(r.headers["content-type"], "application/x-www-form-urlencoded");
    assert.deepEqual(Object.fromEntries(new URLSearchParams(r.body)), { ZUUL_UUID: "abc", NODE: "agent 1" });
    status = 303;
    assert.deepEqual(await c.trigger("team/build x", { ZUUL_UUID: "abc" }, { delaySec: 3 }), { queueId: 7, existing: true });
    assert.equal(s.requests[1]!.url.searchParams.get("delay"), "3sec");
  });

  void it("without params uses POST build, and falls back to buildWithParameters on 400 (parameterized job)", async () => {
    const s = await serve((r, res) =>
      r.url.pathname.endsWith("/build") ? text(res, 400, "Nothing is submitted") : text(res, 201, "", { location: `${s.url}queue/item/9/` }),
    );
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: TOKEN } });
    assert.deepEqual(await c.trigger("p", {}), { queueId: 9, existing: false });
    assert.deepEqual(s.requests.map((r) => r.url.pathname), ["/job/p/build", "/job/p/buildWithParameters"]);
  });

  void it("302 (vetoed) and 409 (disabled) are errors", async () => {
    let status = 302;
    const s = await serve((_r, res) => text(res, status, status === 409 ? "p is not buildable" : "", { location: s.url }));
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "u", token: TOKEN } });
    assert.ok((await rejection(c.trigger("p", { A: "1" }))) instanceof JenkinsTriggerRefusedError);
    status = 409;
    const e = await rejection(c.trigger("p", { A: "1" }));
    assert.ok(e instanceof JenkinsHttpError && e.status === 409);
    assert.match(e.message, /p is not buildable/);
  });
});

void describe("secrets", () => {
  void it("the token never appears in errors (message, JSON, inspect) or log lines", async () => {
    const b64 = Buffer.from(`zuul:${TOKEN}`).toString("base64");
    // A hostile server that echoes the Authorization header back in its error pages.
    const s = await serve((r, res) => {
      const echo = `<p>you sent ${r.headers.authorization ?? ""} (${TOKEN})</p>`;
      if (r.url.pathname.startsWith("/queue")) return text(res, 500, echo);
      if (r.url.pathname.startsWith("/computer")) return text(res, 401, echo);
      if (r.url.pathname === "/api/json") return text(res, 200, `<html>${echo}</html>`);
      if (r.url.pathname.startsWith("/job")) return text(res, 403, echo, { "x-required-permission": "hudson.model.Item.Build" });
      return undefined; // time out
    });
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = pino({ level: "trace" }, sink);
    const port = await deadPort();
    const c = new JenkinsClient({ baseUrl: s.url, auth: { user: "zuul", token: TOKEN }, retries: 1, backoff: FAST, timeoutMs: 60, logger });
    const viaUrl = new JenkinsClient({ baseUrl: `http://zuul:${TOKEN}@127.0.0.1:${port}/`, retries: 1, backoff: FAST, logger });
    assert.equal(viaUrl.baseUrl, `http://127.0.0.1:${port}/`);
    const errors = await Promise.all([
      rejection(c.listQueue()),
      rejection(c.listNodes()),
      rejection(c.root()),
      rejection(c.stopBuild("a", 1)),
      rejection(c.quietDown()),
      rejection(viaUrl.listJobs()),
    ]);
    assert.deepEqual(
      errors.map((e) => e.name),
      ["JenkinsHttpError", "JenkinsHttpError", "JenkinsResponseError", "JenkinsHttpError", "JenkinsTimeoutError", "JenkinsConnectionError"],
    );
    for (const e of errors) {
      for (const dump of [e.message, String(e.stack), JSON.stringify(e), inspect(e, { depth: 10, showHidden: true })]) {
        assert.ok(!dump.includes(TOKEN), `token leaked in ${e.name}: ${dump}`);
        assert.ok(!dump.includes(b64), `auth header leaked in ${e.name}`);
      }
    }
    assert.match(errors[0].message, /\[redacted\]/, "the echoed secret was redacted, the rest kept");
    const log = lines.join("");
    assert.ok(log.length > 0);
    assert.ok(!log.includes(TOKEN) && !log.includes(b64), "token leaked in logs");
  });
});
