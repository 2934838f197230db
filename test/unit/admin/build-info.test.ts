// Issue 16: which version runs is in /metrics as jgs_build_info{version,node} 1 (the Prometheus
// "*_build_info" convention), taken from package.json like --version and /status; and jgs_ready,
// the /readyz answer read at each scrape, for the "not ready for N minutes" alert.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

import { Metrics } from "../../../src/admin/index.js";
import { packageVersion } from "../../../src/util/version.js";

const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

describe("build info", () => {
  it("packageVersion() is package.json's version", () => {
    assert.equal(packageVersion(), pkg.version);
    assert.match(packageVersion(), /^\d+\.\d+\.\d+/);
  });

  it("jgs_build_info is a gauge of 1 labelled with the package and Node versions", async () => {
    const text = await new Metrics({ defaultMetrics: false }).render();
    assert.match(text, /^# TYPE jgs_build_info gauge$/m);
    const lines = text.split("\n").filter((l) => l.startsWith("jgs_build_info"));
    assert.deepEqual(lines, [`jgs_build_info{version="${pkg.version}",node="${process.version}"} 1`]);
  });

  it("takes other labels when given, and the prefix", async () => {
    const text = await new Metrics({ prefix: "x_", defaultMetrics: false, buildInfo: { version: "9.9.9", node: "v0" } }).render();
    assert.match(text, /^x_build_info\{version="9\.9\.9",node="v0"\} 1$/m);
  });

  it("jgs_ready is read from its source at every scrape", async () => {
    const m = new Metrics({ defaultMetrics: false });
    assert.match(await m.render(), /^jgs_ready 0$/m, "not ready before a source is given");
    let ready = true;
    m.readinessFrom(() => ready);
    assert.match(await m.render(), /^jgs_ready 1$/m);
    ready = false;
    assert.match(await m.render(), /^jgs_ready 0$/m);
  });
});
