// The status page (issue 16) is one static document: its Content-Security-Policy must name the hash
// of its inline script and style (else the browser runs neither), and every element the script
// fills must exist. The browser test (test/integration/ops-status-page.test.ts) shows it working.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";

import { statusPage } from "../../../src/admin/status-page.js";

const sha = (s: string): string => `'sha256-${createHash("sha256").update(s, "utf8").digest("base64")}'`;

describe("status page", () => {
  const { body, headers } = statusPage();
  const script = /<script>([\s\S]*)<\/script>/.exec(body)?.[1] ?? "";
  const style = /<style>([\s\S]*)<\/style>/.exec(body)?.[1] ?? "";

  it("allows exactly its own inline script and style, and requests to its own origin only", () => {
    const csp = headers["content-security-policy"] ?? "";
    assert.ok(script.length > 100 && style.length > 50);
    assert.ok(csp.includes(`script-src ${sha(script)}`), "script hash");
    assert.ok(csp.includes(`style-src ${sha(style)}`), "style hash");
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /connect-src 'self'/);
    assert.equal(headers["content-length"], String(Buffer.byteLength(body)));
    assert.equal(headers["cache-control"], "no-store");
  });

  it("loads nothing: no src attribute, no link element, no absolute URL", () => {
    assert.doesNotMatch(body, /\ssrc=/);
    assert.doesNotMatch(body, /<link\b/);
    assert.doesNotMatch(body, /(https?:)?\/\/[a-z0-9]/i);
  });

  it("every element the script fills is in the page, and the script fetches relative URLs only", () => {
    const ids = [...script.matchAll(/\$\("([\w-]+)"\)|(?:table|list)\("([\w-]+)"/g)].map((m) => m[1] ?? m[2]);
    assert.ok(ids.length > 10);
    for (const id of new Set(ids)) assert.match(body, new RegExp(`id="${id}"`), id);
    for (const m of script.matchAll(/getJson\("([^"]+)"/g)) assert.doesNotMatch(m[1] ?? "", /^\/|:/, m[1]);
  });

  it("puts text from Jenkins in as text, never as markup", () => {
    assert.doesNotMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });
});
