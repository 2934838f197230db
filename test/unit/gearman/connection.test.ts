import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GearmanConnection, PacketType, type ConnectionStatus, type Packet } from "../../../src/gearman/index.js";
import { freePort } from "../../helpers/gearmand.js";
import { FakeServer, waitFor } from "./fake-server.js";

void describe("GearmanConnection", () => {
  void it("connects, delivers packets, refuses sends when down, closes idempotently", async () => {
    const s = new FakeServer();
    await s.listen();
    s.onPacket = (c, p) => {
      if (p.type === PacketType.ECHO_REQ) c.send(PacketType.ECHO_RES, [p.args[0]!]);
    };
    const conn = new GearmanConnection(s.address, { echoIntervalMs: 0 });
    const statuses: ConnectionStatus[] = [];
    const packets: Packet[] = [];
    conn.on("status", (st) => statuses.push(st));
    conn.on("packet", (p) => packets.push(p));
    assert.equal(conn.send(PacketType.ECHO_REQ, ["x"]), false);
    conn.start();
    conn.start(); // one loop only
    await waitFor(() => conn.connected);
    assert.equal(conn.address, `127.0.0.1:${s.port}`);
    assert.equal(conn.send(PacketType.ECHO_REQ, ["hello"]), true);
    await waitFor(() => packets.length === 1);
    assert.equal(packets[0]!.args[0]!.toString(), "hello");
    assert.equal(s.conns.length, 1);
    await Promise.all([conn.close(), conn.close()]);
    assert.deepEqual(statuses, ["connecting", "connected", "closed"]);
    assert.equal(conn.send(PacketType.ECHO_REQ, ["x"]), false);
    await s.close();
  });

  void it("keeps retrying a refused address and connects once a server listens there", async () => {
    const port = await freePort();
    const conn = new GearmanConnection({ host: "127.0.0.1", port }, { echoIntervalMs: 0, backoff: { initialMs: 10, maxMs: 40 } });
    const statuses: ConnectionStatus[] = [];
    conn.on("status", (st) => statuses.push(st));
    conn.start();
    await waitFor(() => statuses.filter((x) => x === "reconnecting").length >= 2, 3000, "retries");
    const s = new FakeServer();
    await s.listen(port);
    await waitFor(() => conn.connected, 3000, "connect");
    assert.equal(statuses[0], "connecting");
    assert.ok(statuses.includes("disconnected"));
    await conn.close();
    await s.close();
  });

  void it("drops and reconnects a connection that misses ECHO_RES (half-open detection)", async () => {
    const s = new FakeServer();
    await s.listen();
    // This server never answers ECHO_REQ.
    const conn = new GearmanConnection(s.address, { echoIntervalMs: 30, echoTimeoutMs: 60, backoff: { initialMs: 10, maxMs: 20 } });
    const errors: (Error | undefined)[] = [];
    conn.on("status", (st, e) => {
      if (st === "disconnected") errors.push(e);
    });
    conn.start();
    await waitFor(() => s.conns.length >= 2, 3000, "reconnect after the probe timed out");
    assert.equal(errors[0]?.name, "GearmanTimeoutError");
    assert.ok(s.conns[0]!.log.some((l) => l.startsWith("ECHO_REQ")));
    await conn.close();
    await s.close();
  });

  void it("treats a protocol violation from the server as a dropped connection", async () => {
    const s = new FakeServer();
    await s.listen();
    const conn = new GearmanConnection(s.address, { echoIntervalMs: 0, backoff: { initialMs: 10, maxMs: 20 } });
    const errs: Error[] = [];
    conn.on("error", (e) => errs.push(e));
    conn.start();
    await waitFor(() => s.conns.length === 1 && conn.connected);
    s.conns[0]!.socket.write("garbage\n");
    await waitFor(() => s.conns.length === 2, 3000, "reconnect");
    assert.equal(errs[0]?.name, "GearmanProtocolError");
    await conn.close();
    await s.close();
  });
});
