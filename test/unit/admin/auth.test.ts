import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { checkBearer, isLoopbackHost, safeEqual } from "../../../src/admin/index.js";

void describe("isLoopbackHost", () => {
  void it("accepts loopback names and addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
      assert.equal(isLoopbackHost(h), true, h);
    }
  });

  void it("rejects everything reachable from elsewhere", () => {
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "example.org", "::ffff:10.0.0.1", "128.0.0.1", ""]) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });
});

void describe("bearer tokens", () => {
  void it("compares secrets of any length", () => {
    assert.equal(safeEqual("abc", "abc"), true);
    assert.equal(safeEqual("abc", "abd"), false);
    assert.equal(safeEqual("abc", "abcd"), false);
    assert.equal(safeEqual("", ""), true);
  });

  void it("accepts only `Bearer <token>` with the right token", () => {
    assert.equal(checkBearer("Bearer s3cret", "s3cret"), true);
    assert.equal(checkBearer("bearer   s3cret ", "s3cret"), true);
    assert.equal(checkBearer(undefined, "s3cret"), false);
    assert.equal(checkBearer("Bearer wrong", "s3cret"), false);
    assert.equal(checkBearer("Basic s3cret", "s3cret"), false);
    assert.equal(checkBearer("Bearer", "s3cret"), false);
    assert.equal(checkBearer("Bearer s3cret extra", "s3cret"), false);
  });
});
