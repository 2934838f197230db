// close() must leave nothing open: a child process with zeromq's default (blocky) context runs a
// publisher and subscribers, closes them, and must exit by itself, quickly. (A subscription or ZAP
// handler left with a pending receive keeps the process alive forever: checked by hand.)
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const INDEX = fileURLToPath(new URL("../../src/events/index.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// No `context.blocky = false` here on purpose: only close() stands between us and a hung exit.
const SCRIPT = `
import { EventPublisher, subscribe, generateCurveKeyPair } from ${JSON.stringify(INDEX)};
const input = { jobName: "j", jobUrl: "job/j/", number: 1, buildUrl: "job/j/1/", fullUrl: null, status: "SUCCESS",
  parameters: null, nodeName: "n", nodeDescription: null, hostName: null };
const server = generateCurveKeyPair(), client = generateCurveKeyPair();
const plain = new EventPublisher({ bind: "tcp://127.0.0.1:0" });
const secure = new EventPublisher({ bind: "tcp://127.0.0.1:0", curve: { ...server, allowedClientKeys: [client.publicKey] } });
await plain.start(); await secure.start();
const a = subscribe({ connect: plain.endpoint });
const b = subscribe({ connect: secure.endpoint, curve: { serverPublicKey: server.publicKey, ...client } });
await new Promise((r) => setTimeout(r, 300));
plain.publish("onStarted", input); secure.publish("onStarted", input);
for (const sub of [a, b]) { for await (const e of sub) { console.log("got", e.topic); break; } }
// a third subscriber left open until close(), with a pending receive
const c = subscribe({ connect: plain.endpoint });
const pending = (async () => { for await (const _ of c) { /* none */ } })();
for (let i = 0; i < 5000; i++) plain.publish("onFinalized", input);
c.close(); await pending;
await plain.close(); await secure.close();
console.log("closed");
`;

void describe("events: nothing left open", { timeout: 20_000 }, () => {
  void it("the process exits by itself after close(), with zeromq's blocky context", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", SCRIPT], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    const t0 = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      child.on("exit", (c) => {
        clearTimeout(killer);
        resolve(c);
      });
    });
    assert.equal(code, 0, `child exit ${code}; stderr: ${err}`);
    assert.equal(out, "got onStarted\ngot onStarted\nclosed\n");
    assert.ok(Date.now() - t0 < 10_000, `exit took ${Date.now() - t0}ms`);
  });
});
