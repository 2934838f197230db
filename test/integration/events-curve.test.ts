// CURVE on the PUB socket: the right server key is needed to receive, and with an allow-list
// (ZAP) only listed client keys are admitted. Real zeromq sockets on 127.0.0.1.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { context } from "zeromq";

import {
  type BuildEventInput,
  CurveKeyError,
  EventPublisher,
  EventsReceiveTimeoutError,
  type ReceivedEvent,
  type Subscription,
  generateCurveKeyPair,
  subscribe,
} from "../../src/events/index.js";
import { delay } from "../../src/util/index.js";

context.blocky = false;

const LOOPBACK = "tcp://127.0.0.1:0";
const SLOW_JOINER_MS = 300;
const NOTHING_WITHIN_MS = 800;

function input(n: number): BuildEventInput {
  return {
    jobName: "gate-nova-pep8",
    jobUrl: "job/gate-nova-pep8/",
    number: n,
    buildUrl: `job/gate-nova-pep8/${n}/`,
    fullUrl: null,
    status: "SUCCESS",
    parameters: null,
    nodeName: "devstack-1",
    nodeDescription: null,
    hostName: null,
  };
}

/** Publishes one event every 50 ms until stopped, so late joiners get something too. */
function ticker(pub: EventPublisher): () => void {
  let n = 0;
  const t = setInterval(() => pub.publish("onFinalized", input(++n)), 50);
  return () => clearInterval(t);
}

/** The events read until `ms` passed or the first error; the error is returned, not thrown. */
async function readFor(sub: Subscription, ms: number, want = Infinity): Promise<{ events: ReceivedEvent[]; error: unknown }> {
  const events: ReceivedEvent[] = [];
  const timer = setTimeout(() => sub.close(), ms);
  try {
    for await (const e of sub) {
      events.push(e);
      if (events.length >= want) break;
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  } finally {
    clearTimeout(timer);
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

void describe("events: CURVE", { timeout: 30_000 }, () => {
  void it("a subscriber with the server key receives; a wrong key or no CURVE receives nothing", async () => {
    const server = generateCurveKeyPair();
    const pub = new EventPublisher({ bind: LOOPBACK, curve: server });
    cleanups.push(() => pub.close());
    await pub.start();
    const good = subscribe({ connect: pub.endpoint, curve: { serverPublicKey: server.publicKey } });
    const wrongKey = subscribe({ connect: pub.endpoint, curve: { serverPublicKey: generateCurveKeyPair().publicKey }, receiveTimeoutMs: NOTHING_WITHIN_MS });
    const plain = subscribe({ connect: pub.endpoint, receiveTimeoutMs: NOTHING_WITHIN_MS });
    await delay(SLOW_JOINER_MS);
    const stop = ticker(pub);
    try {
      const [g, w, p] = await Promise.all([readFor(good, 5000, 3), readFor(wrongKey, 5000), readFor(plain, 5000)]);
      assert.equal(g.error, undefined);
      assert.equal(g.events.length, 3);
      assert.equal(g.events[0]!.event.build.phase, "FINISHED");
      assert.deepEqual(w.events, []);
      assert.ok(w.error instanceof EventsReceiveTimeoutError, String(w.error));
      assert.deepEqual(p.events, []);
      assert.ok(p.error instanceof EventsReceiveTimeoutError, String(p.error));
    } finally {
      stop();
    }
  });

  void it("with allowedClientKeys, a listed client key receives and an unknown one is refused", async () => {
    const server = generateCurveKeyPair();
    const friend = generateCurveKeyPair();
    const stranger = generateCurveKeyPair();
    const pub = new EventPublisher({ bind: LOOPBACK, curve: { ...server, allowedClientKeys: [friend.publicKey] } });
    cleanups.push(() => pub.close());
    const refused: string[] = [];
    pub.on("refused", (key) => refused.push(key));
    await pub.start();
    const ok = subscribe({ connect: pub.endpoint, curve: { serverPublicKey: server.publicKey, ...friend } });
    const no = subscribe({
      connect: pub.endpoint,
      curve: { serverPublicKey: server.publicKey, ...stranger },
      receiveTimeoutMs: NOTHING_WITHIN_MS,
    });
    await delay(SLOW_JOINER_MS);
    const stop = ticker(pub);
    try {
      const [a, b] = await Promise.all([readFor(ok, 5000, 3), readFor(no, 5000)]);
      assert.equal(a.error, undefined);
      assert.equal(a.events.length, 3);
      assert.deepEqual(b.events, []);
      assert.ok(b.error instanceof EventsReceiveTimeoutError, String(b.error));
      assert.ok(refused.includes(stranger.publicKey), "the ZAP handler refused the stranger's key");
      assert.ok(!refused.includes(friend.publicKey));
    } finally {
      stop();
    }
  });

  void it("rejects keys that are not 40-character Z85 with CurveKeyError", () => {
    const server = generateCurveKeyPair();
    assert.throws(() => new EventPublisher({ curve: { ...server, secretKey: "short" } }), CurveKeyError);
    assert.throws(() => new EventPublisher({ curve: { ...server, allowedClientKeys: ["x".repeat(39) + "~"] } }), CurveKeyError);
    assert.throws(() => subscribe({ connect: "tcp://127.0.0.1:1", curve: { serverPublicKey: "nope" } }), CurveKeyError);
  });
});
