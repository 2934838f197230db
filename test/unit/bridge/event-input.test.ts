// Event URLs are relative to the Jenkins root, as Run.getUrl() gives them to the ZeroMQ
// publisher (docs/contract.md "Events": "url":"job/gate-nova-pep8/42/").
import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { relativeUrl } from "../../../src/bridge/index.js";

void describe("relativeUrl", () => {
  void it("strips the root the sidecar uses", () => {
    assert.equal(relativeUrl("http://j:8080/job/a/42/", "http://j:8080/"), "job/a/42/");
    assert.equal(relativeUrl("https://ci.example.org/jenkins/job/f/job/a/7/", "https://ci.example.org/jenkins/"), "job/f/job/a/7/");
  });

  void it("strips a context path when Jenkins' own root URL differs from the sidecar's", () => {
    assert.equal(relativeUrl("https://ci.example.org/jenkins/job/a/42/", "http://127.0.0.1:8080/jenkins/"), "job/a/42/");
    assert.equal(relativeUrl("https://ci.example.org/ci/jenkins/job/f/job/a/3/", "http://10.0.0.5/"), "job/f/job/a/3/");
    assert.equal(relativeUrl("https://ci.example.org/job/a/42/", "http://127.0.0.1:8080/"), "job/a/42/");
  });
});
