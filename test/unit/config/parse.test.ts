import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { ConfigValueError, formatHostPort, parseDuration, parseHostPort } from "../../../src/config/index.js";

void describe("parseDuration", () => {
  void it("reads units, compounds and plain milliseconds", () => {
    assert.equal(parseDuration("2h"), 7_200_000);
    assert.equal(parseDuration("10m"), 600_000);
    assert.equal(parseDuration("30s"), 30_000);
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("1m30s"), 90_000);
    assert.equal(parseDuration("1.5s"), 1_500);
    assert.equal(parseDuration(" 2S "), 2_000);
    assert.equal(parseDuration("2000"), 2_000);
    assert.equal(parseDuration(250), 250);
  });

  for (const bad of ["", "abc", "5x", "10 m", "-1s", "s", "1m junk"]) {
    void it(`rejects ${JSON.stringify(bad)} and names the value`, () => {
      assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof ConfigValueError && e.value === bad && e.message.includes(`"${bad}"`));
    });
  }

  void it("rejects negative and non-finite numbers", () => {
    assert.throws(() => parseDuration(-5), ConfigValueError);
    assert.throws(() => parseDuration(Number.NaN), ConfigValueError);
  });
});

void describe("parseHostPort", () => {
  void it("reads host:port, host alone, IPv6 in brackets and bare IPv6", () => {
    assert.deepEqual(parseHostPort("gearman.example.org:4731", 4730), { host: "gearman.example.org", port: 4731 });
    assert.deepEqual(parseHostPort("10.0.0.1", 4730), { host: "10.0.0.1", port: 4730 });
    assert.deepEqual(parseHostPort("[::1]:4730", 1), { host: "::1", port: 4730 });
    assert.deepEqual(parseHostPort("[::1]", 4730), { host: "::1", port: 4730 });
    assert.deepEqual(parseHostPort("::1", 4730), { host: "::1", port: 4730 });
    assert.deepEqual(parseHostPort("127.0.0.1:0", 8099), { host: "127.0.0.1", port: 0 });
  });

  for (const bad of ["host:99999", "host:abc", ":4730", "[::1:4730", "fe80::1::2:4730", "bad host:1", "[::1]x", "host:"]) {
    void it(`rejects ${JSON.stringify(bad)} and names the value`, () => {
      assert.throws(() => parseHostPort(bad, 4730), (e: unknown) => e instanceof ConfigValueError && e.message.includes(`"${bad}"`));
    });
  }

  void it("formats IPv6 hosts with brackets", () => {
    assert.equal(formatHostPort({ host: "::1", port: 4730 }), "[::1]:4730");
    assert.equal(formatHostPort({ host: "a", port: 1 }), "a:1");
  });
});
