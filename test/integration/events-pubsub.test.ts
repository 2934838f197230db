// Real ZeroMQ sockets on 127.0.0.1: our PUB socket against a raw zeromq Subscriber (as Nodepool
// uses it) and against our subscribe(). docs/contract.md "Events".
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";

import { Publisher, Subscriber, context } from "zeromq";

import {
  type BuildEventInput,
  EventPublisher,
  EventsBindError,
  EventsClosedError,
  type ReceivedEvent,
  type Subscription,
  buildEvent,
  formatFrame,
  subscribe,
} from "../../src/events/index.js";
import { delay } from "../../src/util/index.js";

context.blocky = false;

const LOOPBACK = "tcp://127.0.0.1:0";
const SLOW_JOINER_MS = 400;

function input(n: number, over: Partial<BuildEventInput> = {}): BuildEventInput {
  return {
    jobName: "gate-nova-pep8",
    jobUrl: "job/gate-nova-pep8/",
    number: n,
    buildUrl: `job/gate-nova-pep8/${n}/`,
    fullUrl: `https://jenkins.example.org/job/gate-nova-pep8/${n}/`,
    status: "SUCCESS",
    parameters: { ZUUL_BRANCH: "master", ZUUL_UUID: `uuid-${n}` },
    nodeName: "devstack-1",
    nodeDescription: null,
    hostName: "jenkins.example.org",
    ...over,
  };
}

/** Reads `n` events, or what arrived before `ms` passed. */
async function collect(sub: Subscription, n: number, ms: number): Promise<ReceivedEvent[]> {
  const out: ReceivedEvent[] = [];
  const timer = setTimeout(() => sub.close(), ms);
  try {
    for await (const e of sub) {
      out.push(e);
      if (out.length >= n) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

const publishers: EventPublisher[] = [];
function newPublisher(o: ConstructorParameters<typeof EventPublisher>[0] = {}): EventPublisher {
  const p = new EventPublisher({ bind: LOOPBACK, runId: "run-1", ...o });
  publishers.push(p);
  return p;
}
after(async () => {
  await Promise.all(publishers.map((p) => p.close()));
});

void describe("events: publisher and subscribers over real zeromq", { timeout: 30_000 }, () => {
  void it("a raw SUB socket with an empty subscription (like Nodepool) gets the exact frames", async () => {
    const pub = newPublisher();
    await pub.start();
    assert.match(pub.endpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    assert.doesNotMatch(pub.endpoint, /:0$/);
    // NP NodeUpdateListener: SUB, empty subscription, receive timeout 1 s
    const raw = new Subscriber({ linger: 0, receiveTimeout: 2000 });
    raw.connect(pub.endpoint);
    raw.subscribe();
    try {
      await delay(SLOW_JOINER_MS);
      const expected = [
        formatFrame("onStarted", buildEvent("onStarted", input(1, { nodeName: "" }), 1, "run-1")),
        formatFrame("onCompleted", buildEvent("onCompleted", input(1, { nodeName: "" }), 2, "run-1")),
        formatFrame("onFinalized", buildEvent("onFinalized", input(1, { nodeName: "" }), 3, "run-1")),
      ];
      assert.equal(pub.publish("onStarted", input(1, { nodeName: "" })), 1);
      assert.equal(pub.publish("onCompleted", input(1, { nodeName: "" })), 2);
      assert.equal(pub.publish("onFinalized", input(1, { nodeName: "" })), 3);
      const got: string[] = [];
      for (let i = 0; i < 3; i++) {
        const msg = await raw.receive();
        assert.equal(msg.length, 1, "one single-part message per event (docs/contract.md \"Socket and framing\")");
        got.push(msg[0]!.toString("utf8"));
      }
      assert.deepEqual(got, expected);
      assert.ok(got[0]!.startsWith('onStarted {"name":"gate-nova-pep8","url":"job/gate-nova-pep8/","build":{"full_url"'));
      assert.ok(!got[0]!.includes('"status"'), "no status on onStarted");
      assert.ok(got[2]!.includes('"node_name":""'), "built-in node keeps its empty name");
    } finally {
      raw.close();
    }
  });

  void it("subscribe() with a topic filter gets only that topic, parsed", async () => {
    const pub = newPublisher();
    await pub.start();
    const sub = subscribe({ connect: pub.endpoint, topics: ["onFinalized"] });
    await delay(SLOW_JOINER_MS);
    for (let n = 1; n <= 3; n++) {
      pub.publish("onStarted", input(n));
      pub.publish("onCompleted", input(n));
      pub.publish("onFinalized", input(n));
    }
    const got = await collect(sub, 3, 3000);
    assert.deepEqual(
      got.map((e) => [e.topic, e.event.build.number, e.event.sequence, e.event.build.phase]),
      [
        ["onFinalized", 1, 3, "FINISHED"],
        ["onFinalized", 2, 6, "FINISHED"],
        ["onFinalized", 3, 9, "FINISHED"],
      ],
    );
    assert.equal(got[0]!.raw, formatFrame("onFinalized", buildEvent("onFinalized", input(1), 3, "run-1")));
    assert.equal(sub.stats().malformed, 0);
    assert.ok(sub.closed);
  });

  void it("delivers a burst of 1,000 events in order with consecutive sequences", async () => {
    const pub = newPublisher();
    await pub.start();
    const sub = subscribe({ connect: pub.endpoint });
    await delay(SLOW_JOINER_MS);
    for (let n = 1; n <= 1000; n++) pub.publish(n % 2 === 0 ? "onFinalized" : "onStarted", input(n));
    const got = await collect(sub, 1000, 10_000);
    assert.equal(got.length, 1000);
    got.forEach((e, i) => {
      assert.equal(e.event.sequence, i + 1);
      assert.equal(e.event.build.number, i + 1);
      assert.equal(e.event.run_id, "run-1");
    });
    await pub.flush();
    assert.deepEqual(pub.stats(), { published: 1000, sent: 1000, dropped: 0, queued: 0 });
  });

  void it("a subscriber that never reads cannot block publish(); queue and drops stay bounded", async () => {
    // The socket's high-water mark is per subscriber pipe: above the 1,025 events that reach the
    // socket, so that the reading subscriber's pipe cannot overflow before its I/O thread drains it
    // (a busy machine lost the last few that way); the slow subscriber's pipe is what fills.
    const pub = newPublisher({ queueSize: 1024, sendHighWaterMark: 2000 });
    await pub.start();
    const droppedSeqs: number[] = [];
    pub.on("dropped", (seq) => droppedSeqs.push(seq));
    const slow = new Subscriber({ linger: 0, receiveHighWaterMark: 10 });
    slow.connect(pub.endpoint);
    slow.subscribe();
    const fast = subscribe({ connect: pub.endpoint });
    try {
      await delay(SLOW_JOINER_MS);
      const took: number[] = [];
      const t0 = performance.now();
      for (let n = 1; n <= 10_000; n++) {
        const t = performance.now();
        pub.publish("onFinalized", input(n));
        took.push(performance.now() - t);
        assert.ok(pub.stats().queued <= 1024, "the send queue never grows past its cap");
      }
      const total = performance.now() - t0;
      // Blocking would never finish (the slow subscriber never reads); bounds are loose for busy CI.
      took.sort((a, b) => a - b);
      const p99 = took[Math.floor(took.length * 0.99)]!;
      assert.ok(total < 5000, `10,000 publish() calls took ${total.toFixed(0)}ms`);
      assert.ok(p99 < 5, `p99 publish() took ${p99.toFixed(2)}ms`);
      const s = pub.stats();
      assert.equal(s.published, 10_000);
      // The first event is in flight at once; 1024 more fit; the rest evict the oldest queued.
      assert.equal(s.dropped, 10_000 - 1 - 1024);
      assert.equal(droppedSeqs.length, s.dropped);
      assert.equal(droppedSeqs.at(-1), 10_000 - 1024, "the oldest queued events are the ones dropped");
      await pub.flush(5000);
      const end = pub.stats();
      assert.equal(end.queued, 0);
      assert.equal(end.sent + end.dropped, end.published);
      // The reading subscriber is not held back by the slow one: it gets everything that was sent.
      const got = await collect(fast, end.sent, 10_000);
      assert.deepEqual(
        got.map((e) => e.event.sequence),
        [1, ...Array.from({ length: 1024 }, (_, i) => 10_000 - 1024 + 1 + i)],
      );
      // ...and fills the hole from the replay ring (docs/contract.md "Replay": missed events leave nodes USED).
      const replay = pub.since(1, 10_000 - 1025);
      assert.equal(replay.gap, false);
      assert.equal(replay.events.length, 10_000 - 1025);
      assert.equal(replay.events[0]!.event.sequence, 2);
    } finally {
      slow.close();
      fast.close();
    }
  });

  void it("a restarted subscriber catches up through since()", async () => {
    const pub = newPublisher();
    await pub.start();
    const first = subscribe({ connect: pub.endpoint });
    await delay(SLOW_JOINER_MS);
    for (let n = 1; n <= 5; n++) pub.publish("onFinalized", input(n));
    const a = await collect(first, 5, 3000);
    assert.ok(first.closed);
    const lastSeen = a.at(-1)!.event.sequence!;
    assert.equal(lastSeen, 5);

    for (let n = 6; n <= 10; n++) pub.publish("onFinalized", input(n)); // nobody listens
    await pub.flush();

    const second = subscribe({ connect: pub.endpoint });
    await delay(SLOW_JOINER_MS);
    for (let n = 11; n <= 15; n++) pub.publish("onFinalized", input(n));
    const b = await collect(second, 5, 3000);
    assert.equal(b[0]!.event.sequence, 11);
    assert.equal(b[0]!.event.run_id, pub.runId, "same run: sequences are comparable");

    const missed = pub.since(lastSeen);
    assert.equal(missed.gap, false);
    assert.equal(missed.runId, "run-1");
    const all = [...a.map((e) => e.event), ...missed.events.map((e) => e.event).filter((e) => e.sequence < 11), ...b.map((e) => e.event)];
    assert.deepEqual(
      all.map((e) => e.sequence),
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    assert.deepEqual(all.map((e) => e.build.number), Array.from({ length: 15 }, (_, i) => i + 1));
  });

  void it("since() reports a gap once the ring has overwritten what a subscriber missed", async () => {
    const pub = newPublisher({ ringSize: 5 });
    for (let n = 1; n <= 20; n++) pub.publish("onStarted", input(n)); // before start(): queued, ringed
    const r = pub.since(3);
    assert.equal(r.gap, true);
    assert.equal(r.oldest, 16);
    assert.equal(r.newest, 20);
    assert.deepEqual(r.events.map((e) => e.event.sequence), [16, 17, 18, 19, 20]);
    assert.equal(pub.since(15).gap, false);
    assert.deepEqual(pub.since(18, 1).events.map((e) => [e.topic, e.event.sequence]), [["onStarted", 19]]);
  });

  void it("events published before start() are sent once bound", async () => {
    const pub = newPublisher();
    pub.publish("onStarted", input(1));
    await pub.start();
    await pub.flush();
    assert.deepEqual(pub.stats(), { published: 1, sent: 1, dropped: 0, queued: 0 });
  });

  void it("a taken port fails start() with EventsBindError naming the address", async () => {
    const first = newPublisher();
    await first.start();
    const second = newPublisher({ bind: first.endpoint });
    await assert.rejects(second.start(), (e: unknown) => {
      assert.ok(e instanceof EventsBindError);
      assert.equal(e.address, first.endpoint);
      assert.equal(e.code, "EADDRINUSE");
      assert.ok(e.message.includes(first.endpoint));
      assert.ok(e.message.includes("zmq.bind"), "names the user's key, not the publisher's option");
      return true;
    });
    await second.close();
  });

  void it("subscribe() skips and counts malformed frames", async () => {
    const raw = new Publisher({ linger: 0 });
    await raw.bind(LOOPBACK);
    const sub = subscribe({ connect: raw.lastEndpoint! });
    try {
      await delay(SLOW_JOINER_MS);
      await raw.send("garbage");
      await raw.send("onStarted {not json");
      await raw.send(["onStarted", '{"name":"a"}']);
      await raw.send('onStarted {"name":"a","url":"job/a/","build":{"number":1,"phase":"STARTED","url":"job/a/1/"}}');
      const got = await collect(sub, 1, 3000);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.event.name, "a");
      assert.deepEqual(sub.stats(), { received: 1, malformed: 3 });
    } finally {
      sub.close();
      raw.close();
    }
  });

  void it("close() is idempotent and publish() afterwards throws EventsClosedError", async () => {
    const pub = newPublisher();
    await pub.start();
    pub.publish("onStarted", input(1));
    await Promise.all([pub.close(), pub.close()]);
    assert.equal(pub.stats().queued, 0);
    assert.equal(pub.stats().sent, 1, "close() hands queued events to ZeroMQ first");
    assert.throws(() => pub.publish("onStarted", input(2)), EventsClosedError);
    await assert.rejects(pub.start(), EventsClosedError);
  });

  void it("receiveTimeoutMs ends a silent subscription with a typed error; abort ends it quietly", async () => {
    const pub = newPublisher();
    await pub.start();
    const quiet = subscribe({ connect: pub.endpoint, receiveTimeoutMs: 300 });
    await assert.rejects(collect(quiet, 1, 5000), { name: "EventsReceiveTimeoutError" });
    const ac = new AbortController();
    const sub = subscribe({ connect: pub.endpoint, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const got = await collect(sub, 1, 5000);
    assert.deepEqual(got, []);
    assert.ok(sub.closed);
  });
});
