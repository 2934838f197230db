// Gearman over TLS (issue 8, Access), end to end: our client and the sidecar's workers connect
// with TLS, verify the server against a throwaway CA, and run builds through gearmand.
// The Debian gearmand 1.1.20 accepts --ssl/--ssl-ca-file/--ssl-certificate/--ssl-key and logs
// "SSL: true", but then reads the TLS ClientHello as plain Gearman ("invalid magic value",
// openssl s_client: "Cipher is (NONE)"), so TLS is terminated here by a node:tls proxy in front
// of a plain gearmand, as stunnel would do (RELIABILITY.md, "Gearman over TLS").
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";

import { loadConfig } from "../../src/config/index.js";
import { Daemon } from "../../src/daemon.js";
import { GearmanAdmin, GearmanClient } from "../../src/gearman/index.js";
import { silentLogger } from "../../src/log.js";
import { startSimulator, type JenkinsSimulator } from "../../src/simulator/index.js";
import { assertNothingLostNothingTwice, makeCerts, startTlsTerminator, summary, type Certs } from "../helpers/faults.js";
import { startGearmand, type Gearmand } from "../helpers/gearmand.js";
import { connectClient, submitLikeZuul, waitRegistered, zuulJob } from "../helpers/stack.js";

void describe("Gearman over TLS", { timeout: 60_000 }, () => {
  let gd: Gearmand;
  let certs: Certs;
  let term: Awaited<ReturnType<typeof startTlsTerminator>>;
  let sim: JenkinsSimulator;
  let daemon: Daemon;
  let client: GearmanClient;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "jgs-faults-"));
    certs = makeCerts();
    gd = await startGearmand();
    term = await startTlsTerminator({ host: gd.host, port: gd.port }, { cert: readFileSync(certs.cert), key: readFileSync(certs.key) });
    sim = await startSimulator({ jobs: [zuulJob("ok", "linux")], nodes: [{ name: "a", labels: ["linux"], executors: 2 }] });
    // The TLS server entry comes from a config file, as an operator writes it.
    const file = join(dir, "sidecar.yaml");
    writeFileSync(file, `gearman:\n  servers:\n    - host: 127.0.0.1\n      port: ${term.port}\n      tls:\n        ca: ${certs.ca}\n`);
    const config = await loadConfig({
      file,
      env: {},
      flags: { jenkinsUrl: sim.url, zmq: false, adminListen: "127.0.0.1:0", masterName: "jenkins01", pollInterval: "100ms", jobsRefresh: "300ms", jobDetailsRefresh: "1s", nodesRefresh: "1s", stateFile: join(dir, "state.json") },
    });
    daemon = new Daemon({ config, logger: silentLogger(), gearmanConnection: { backoff: { initialMs: 50, maxMs: 500 } } });
    await daemon.start();
    client = await connectClient([{ host: "127.0.0.1", port: term.port, tls: { ca: readFileSync(certs.ca) } }]);
  });
  after(async () => {
    await client?.close().catch(() => undefined);
    await daemon?.stop().catch(() => undefined);
    await sim?.close().catch(() => undefined);
    await term?.close();
    await gd?.stop();
    certs?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  void it("client and sidecar workers over TLS: registration, builds, results", async () => {
    const admin = new GearmanAdmin({ host: gd.host, port: gd.port });
    try {
      await waitRegistered(admin, ["build:ok", "stop:jenkins01"]);
    } finally {
      await admin.close().catch(() => undefined);
    }
    const outs = await Promise.all(Array.from({ length: 6 }, () => submitLikeZuul(client, "build:ok")));
    assert.ok(outs.every((o) => o.complete?.["result"] === "SUCCESS"));
    // Every connection came through the TLS port: the client, the manager and the executor group.
    assert.ok(term.handshakes() >= 3, `${term.handshakes()} TLS handshakes`);
    assert.deepEqual(daemon.status()["gearman"], [`127.0.0.1:${term.port} (tls)`]);
    const r = assertNothingLostNothingTwice(outs, [sim], (o) => o.complete?.["result"] === "SUCCESS");
    summary("gearman-tls", { tlsHandshakes: term.handshakes(), submitted: r.submitted, endings: r.endings, lost: 0, runTwice: r.runTwice });
  });

  void it("a client that does not trust the server's CA never connects", async () => {
    const untrusting = new GearmanClient({ servers: [{ host: "127.0.0.1", port: term.port, tls: {} }], connection: { backoff: { initialMs: 50, maxMs: 100 } } });
    untrusting.start();
    try {
      await assert.rejects(untrusting.waitConnected(1500));
    } finally {
      await untrusting.close();
    }
  });
});
