import { ScriptedRunner, eventually } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, bytes, clientSocket, startHarness, text } from "./gateway-harness.js";

// WebSockets through the gateway: a client socket on one side, a scripted raw runner on the
// other. Each test opens its own socket to its own actor, so their indices stay readable.

const RAY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Opens a client socket and the runner's side of it; `canHibernate` as the runner answers. */
async function openSocket(h: Harness, r: ScriptedRunner, actorId: string, canHibernate = false, path = "/websocket") {
  const client = clientSocket(h.port, `/gateway/${actorId}${path}`);
  const open = await r.expectTunnel("ToClientWebSocketOpen");
  r.reply(open.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate } });
  await client.opened;
  return { client, open, id: open.message.messageId };
}

describe("WebSockets through the gateway", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness({ websocketOpenTimeoutMs: 400 });
    r = await ScriptedRunner.connect(h.endpoint);
    for (const id of ["ws-1", "ws-2", "ws-3", "ws-4", "ws-5", "ws-6", "ws-7"]) h.router.place(id, r.runnerId, 1);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("opens, relays text and binary both ways with indices, and closes from the client", async () => {
    const client = clientSocket(h.port, "/gateway/ws-1/websocket/foo?x=1", ["rivet", "rivet_encoding.json"]);
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    expect(open.message.messageId.messageIndex).toBe(0);
    expect(open.message.messageId.gatewayId).toEqual(h.gateway.gatewayId);
    expect(open.val.actorId).toBe("ws-1");
    expect(open.val.path).toBe("/websocket/foo?x=1");
    expect(open.val.headers.get("sec-websocket-protocol")).toBe("rivet,rivet_encoding.json");
    expect(open.val.headers.get("upgrade")).toBe("websocket");
    const rayId = open.val.headers.get("x-rivet-ray-id");
    expect(rayId).toMatch(RAY_ID);
    r.reply(open.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate: false } });
    const opened = await client.opened;
    expect(opened.protocol).toBe("rivet");
    expect(opened.headers["x-rivet-ray-id"]).toBe(rayId);

    client.ws.send("hello");
    client.ws.send(Buffer.from([1, 2, 3]));
    const m1 = await r.expectTunnel("ToClientWebSocketMessage");
    expect(m1.message.messageId).toEqual({ ...open.message.messageId, messageIndex: 1 });
    expect(m1.val).toEqual({ data: bytes("hello"), binary: false });
    const m2 = await r.expectTunnel("ToClientWebSocketMessage");
    expect(m2.message.messageId.messageIndex).toBe(2);
    expect(m2.val).toEqual({ data: bytes(Uint8Array.from([1, 2, 3])), binary: true });

    r.reply(open.message.messageId, { tag: "ToServerWebSocketMessage", val: { data: bytes("hi there"), binary: false } });
    r.reply(open.message.messageId, { tag: "ToServerWebSocketMessage", val: { data: bytes(Uint8Array.from([9, 8])), binary: true } });
    const t = await client.next();
    expect(t.isBinary).toBe(false);
    expect(t.data.toString()).toBe("hi there");
    const b = await client.next();
    expect(b.isBinary).toBe(true);
    expect([...b.data]).toEqual([9, 8]);

    client.ws.close(1000, "bye");
    const close = await r.expectTunnel("ToClientWebSocketClose");
    expect(close.message.messageId.messageIndex).toBe(3);
    expect(close.val).toEqual({ code: 1000, reason: "bye" });
    await client.closed;
    await eventually("no request in flight", () => h.gateway.inFlight === 0);
  });

  it("closes the client with the runner's code and reason", async () => {
    const { client, id } = await openSocket(h, r, "ws-2");
    r.reply(id, { tag: "ToServerWebSocketClose", val: { code: 4001, reason: "go away", hibernate: false } });
    expect(await client.closed).toEqual({ code: 4001, reason: "go away" });
    expect(await r.quietFor(50)).toBe(true);
    expect(h.gateway.inFlight).toBe(0);
  });

  it("delivers messages the client sent before the runner opened, in order, after the open", async () => {
    const client = clientSocket(h.port, "/gateway/ws-3/early");
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    await client.opened;
    client.ws.send("first");
    client.ws.send("second");
    expect(await r.quietFor(50)).toBe(true);
    r.reply(open.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate: false } });
    const a = await r.expectTunnel("ToClientWebSocketMessage");
    const b = await r.expectTunnel("ToClientWebSocketMessage");
    expect([a.message.messageId.messageIndex, text(a.val.data)]).toEqual([1, "first"]);
    expect([b.message.messageId.messageIndex, text(b.val.data)]).toEqual([2, "second"]);
    client.ws.close();
    // No status code from the client is reported as a normal close without a reason.
    expect((await r.expectTunnel("ToClientWebSocketClose")).val).toEqual({ code: 1000, reason: null });
  });

  it("closes the client when the runner refuses the open", async () => {
    const client = clientSocket(h.port, "/gateway/ws-4/refused");
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    r.reply(open.message.messageId, { tag: "ToServerWebSocketClose", val: { code: 1011, reason: "Server Error", hibernate: false } });
    expect(await client.closed).toEqual({ code: 1011, reason: "guard.websocket_service_unavailable" });
    expect(await r.quietFor(50)).toBe(true);
    expect(h.gateway.inFlight).toBe(0);
  });

  it("closes the client when the runner does not open in time, and tells the runner", async () => {
    const client = clientSocket(h.port, "/gateway/ws-5/slow");
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    expect(await client.closed).toEqual({ code: 1011, reason: "guard.websocket_service_timeout" });
    const close = await r.expectTunnel("ToClientWebSocketClose");
    expect(close.message.messageId).toEqual({ ...open.message.messageId, messageIndex: 1 });
    expect(close.val).toEqual({ code: 1011, reason: "ws.downstream_closed" });
    expect(h.gateway.inFlight).toBe(0);
  });

  it("closes the client with 1000 actor.stopped when its actor stops", async () => {
    const { client } = await openSocket(h, r, "ws-6");
    h.router.stop("ws-6");
    expect(await client.closed).toEqual({ code: 1000, reason: "actor.stopped" });
    expect(await r.quietFor(50)).toBe(true);
    expect(h.gateway.inFlight).toBe(0);
  });

  it("routes header mode through the rivet_target.actor and rivet_actor.<id> subprotocols", async () => {
    const client = clientSocket(h.port, "/connect?x=1", ["rivet", "rivet_target.actor", "rivet_actor.ws-7", "rivet_encoding.cbor"]);
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    expect(open.val).toMatchObject({ actorId: "ws-7", path: "/connect?x=1" });
    expect(open.val.headers.get("sec-websocket-protocol")).toBe("rivet,rivet_target.actor,rivet_actor.ws-7,rivet_encoding.cbor");
    r.reply(open.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate: false } });
    expect((await client.opened).protocol).toBe("rivet");
    client.ws.close(4000, "done");
    expect((await r.expectTunnel("ToClientWebSocketClose")).val).toEqual({ code: 4000, reason: "done" });
  });

  it("answers the upgrade with an HTTP error when the actor cannot be reached", async () => {
    const unknown = clientSocket(h.port, "/gateway/nobody/x");
    await expect(unknown.opened).rejects.toMatchObject({ status: 404, body: { group: "actor", code: "not_found" } });
    const malformed = clientSocket(h.port, "/gateway/chat?rvt-namespace=default&rvt-method=get&rvt-what=1");
    await expect(malformed.opened).rejects.toMatchObject({ status: 400, body: { group: "guard", code: "query_unknown_param" } });
    const noActor = clientSocket(h.port, "/x", ["rivet_target.actor"]);
    await expect(noActor.opened).rejects.toMatchObject({ status: 400, body: { code: "missing_header" } });
    expect(await r.quietFor(30)).toBe(true);
  });

  it("echoes the first offered subprotocol when rivet is not offered", async () => {
    h.router.place("ws-8", r.runnerId, 1);
    const client = clientSocket(h.port, "/gateway/ws-8/p", ["chat.v2", "chat.v1"]);
    const open = await r.expectTunnel("ToClientWebSocketOpen");
    r.reply(open.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate: false } });
    expect((await client.opened).protocol).toBe("chat.v2");
    client.ws.close();
    await r.expectTunnel("ToClientWebSocketClose");
  });
});

describe("WebSockets through the gateway: runner disconnects", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("closes non-hibernatable sockets with 1000 actor.stopped and keeps hibernatable ones", async () => {
    const r = await ScriptedRunner.connect(h.endpoint);
    h.router.place("plain", r.runnerId, 1);
    h.router.place("sleepy", r.runnerId, 1);
    const plain = await openSocket(h, r, "plain");
    const sleepy = await openSocket(h, r, "sleepy", true);
    await r.close();
    expect(await plain.client.closed).toEqual({ code: 1000, reason: "actor.stopped" });
    // The hibernatable socket stays connected, waiting for its actor.
    await eventually("1 hibernating request for sleepy", () => h.gateway.hibernatingRequests("sleepy").length === 1);
    expect(sleepy.client.ws.readyState).toBe(sleepy.client.ws.OPEN);
    sleepy.client.ws.close();
    await sleepy.client.closed;
    await eventually("no request in flight", () => h.gateway.inFlight === 0);
  });
});

describe("WebSockets through the gateway: shutdown", () => {
  it("closes client sockets with 1001 guard.going_away and tells the runner", async () => {
    const h = await startHarness();
    const r = await ScriptedRunner.connect(h.endpoint);
    h.router.place("bye", r.runnerId, 1);
    const { client, id } = await openSocket(h, r, "bye");
    await h.gateway.close();
    expect(await client.closed).toEqual({ code: 1001, reason: "guard.going_away" });
    const close = await r.expectTunnel("ToClientWebSocketClose");
    expect(close.message.messageId).toEqual({ ...id, messageIndex: 1 });
    expect(close.val).toEqual({ code: 1011, reason: "ws.downstream_closed" });
    await r.close();
    await h.close();
  });
});

describe("hibernatable WebSockets", () => {
  let h: Harness;
  let r: ScriptedRunner;
  let r2: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness({ hwsMaxPendingMessages: 5, hwsMaxPendingBytes: 64, hwsAckTimeoutMs: 300, gcIntervalMs: 50 });
    r = await ScriptedRunner.connect(h.endpoint, { name: "first" });
    r2 = await ScriptedRunner.connect(h.endpoint, { name: "second" });
  });
  afterAll(async () => {
    await r.close();
    await r2.close();
    await h.close();
  });

  it("keeps unacknowledged messages, survives the actor stopping, and resends them on the next runner", async () => {
    h.router.place("hws-1", r.runnerId, 1);
    const { client, id } = await openSocket(h, r, "hws-1", true);
    for (const m of ["m1", "m2", "m3"]) client.ws.send(m);
    for (const [i, m] of [[1, "m1"], [2, "m2"], [3, "m3"]] as const) {
      const got = await r.expectTunnel("ToClientWebSocketMessage");
      expect([got.message.messageId.messageIndex, text(got.val.data)]).toEqual([i, m]);
    }
    // The runner has made m1 and m2 durable.
    r.reply(id, { tag: "ToServerWebSocketMessageAck", val: { index: 2 } });
    r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("ready"), binary: false } });
    expect((await client.next()).data.toString()).toBe("ready");

    // m3 is still unacknowledged when the actor stops, so the gateway wakes the actor at
    // once (as Rivet's does) instead of waiting for the client's next frame; the "lifecycle"
    // starts it on the second runner and can list the socket in that CommandStartActor.
    let listedAtWake: unknown;
    h.router.onWake = (actorId) => {
      listedAtWake = h.gateway.hibernatingRequests(actorId);
      setTimeout(() => h.router.place(actorId, r2.runnerId, 2), 20);
    };
    h.router.stop("hws-1");
    // No new open: the unacknowledged m3 with its original index, without any client frame.
    const resent = await r2.expectTunnel("ToClientWebSocketMessage");
    expect(resent.message.messageId).toEqual({ ...id, messageIndex: 3 });
    expect(text(resent.val.data)).toBe("m3");
    expect(listedAtWake).toEqual([{ gatewayId: h.gateway.gatewayId, requestId: id.requestId }]);
    expect(client.ws.readyState).toBe(client.ws.OPEN);
    h.router.onWake = undefined;
    client.ws.send("m4");
    const fresh = await r2.expectTunnel("ToClientWebSocketMessage");
    expect([fresh.message.messageId.messageIndex, text(fresh.val.data)]).toEqual([4, "m4"]);
    expect(h.gateway.hibernatingRequests("hws-1")).toEqual([]);
    expect(await r.quietFor(30)).toBe(true);

    // And it continues on the new runner.
    r2.reply(id, { tag: "ToServerWebSocketMessageAck", val: { index: 4 } });
    client.ws.send("m5");
    const m5 = await r2.expectTunnel("ToClientWebSocketMessage");
    expect([m5.message.messageId.messageIndex, text(m5.val.data)]).toEqual([5, "m5"]);
    r2.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("from r2"), binary: false } });
    expect((await client.next()).data.toString()).toBe("from r2");
    r2.reply(id, { tag: "ToServerWebSocketMessageAck", val: { index: 5 } });
    client.ws.close(1000, "done");
    expect((await r2.expectTunnel("ToClientWebSocketClose")).val).toEqual({ code: 1000, reason: "done" });
  });

  it("hibernates on a runner close with hibernate: true and resumes when the actor is ready again", async () => {
    h.router.place("hws-2", r.runnerId, 1);
    const { client, id } = await openSocket(h, r, "hws-2", true);
    client.ws.send("a");
    await r.expectTunnel("ToClientWebSocketMessage");
    r.reply(id, { tag: "ToServerWebSocketClose", val: { code: 1000, reason: null, hibernate: true } });
    await eventually("1 hibernating request for hws-2", () => h.gateway.hibernatingRequests("hws-2").length === 1);
    h.router.stop("hws-2");
    // The actor runs again for some other reason: the socket resumes without a client message.
    h.router.place("hws-2", r.runnerId, 2);
    const resent = await r.expectTunnel("ToClientWebSocketMessage");
    expect([resent.message.messageId.messageIndex, text(resent.val.data)]).toEqual([1, "a"]);
    r.reply(id, { tag: "ToServerWebSocketMessageAck", val: { index: 1 } });
    client.ws.send("b");
    const b = await r.expectTunnel("ToClientWebSocketMessage");
    expect([b.message.messageId.messageIndex, text(b.val.data)]).toEqual([2, "b"]);
    r.reply(id, { tag: "ToServerWebSocketMessageAck", val: { index: 2 } });
    client.ws.close();
    await r.expectTunnel("ToClientWebSocketClose");
  });

  it("drops acknowledged messages with a wrapping compare", async () => {
    // Four unacknowledged messages of a limit of five. An ack of 3 drops 1-3; an ack of
    // 40000 is "before" index 4 in wrapping order and drops nothing, so two more messages
    // pass the limit only in the second case.
    h.router.place("hws-3", r.runnerId, 1);
    h.router.place("hws-3b", r.runnerId, 1);
    const outcomes: string[] = [];
    for (const [actorId, ackIndex] of [
      ["hws-3", 3],
      ["hws-3b", 40000],
    ] as const) {
      const { client, id } = await openSocket(h, r, actorId, true);
      for (let i = 1; i <= 4; i++) client.ws.send(`n${i}`);
      for (let i = 1; i <= 4; i++) await r.expectTunnel("ToClientWebSocketMessage");
      r.reply(id, { tag: "ToServerWebSocketMessageAck", val: { index: ackIndex } });
      r.reply(id, { tag: "ToServerWebSocketMessage", val: { data: bytes("acked"), binary: false } });
      await client.next();
      client.ws.send("n5");
      client.ws.send("n6");
      const closed = await Promise.race([client.closed, new Promise((resolve) => setTimeout(() => resolve("open"), 200))]);
      outcomes.push(closed === "open" ? "open" : (closed as { reason: string }).reason);
      if (closed === "open") client.ws.close();
      for (;;) if ((await r.nextTunnel()).messageKind.tag === "ToClientWebSocketClose") break;
    }
    expect(outcomes).toEqual(["open", "guard.websocket_pending_limit_reached"]);
  });

  it("closes with guard.websocket_pending_limit_reached past the message limit", async () => {
    h.router.place("hws-4", r.runnerId, 1);
    const { client, id } = await openSocket(h, r, "hws-4", true);
    for (let i = 1; i <= 6; i++) client.ws.send(`${i}`);
    expect(await client.closed).toEqual({ code: 1011, reason: "guard.websocket_pending_limit_reached" });
    for (let i = 1; i <= 5; i++) expect((await r.expectTunnel("ToClientWebSocketMessage")).message.messageId.messageIndex).toBe(i);
    const close = await r.expectTunnel("ToClientWebSocketClose");
    expect(close.message.messageId).toEqual({ ...id, messageIndex: 6 });
    expect(close.val).toEqual({ code: 1011, reason: "ws.downstream_closed" });
  });

  it("closes with guard.websocket_pending_limit_reached past the byte limit", async () => {
    h.router.place("hws-5", r.runnerId, 1);
    const { client } = await openSocket(h, r, "hws-5", true);
    client.ws.send(Buffer.alloc(40));
    client.ws.send(Buffer.alloc(25));
    expect(await client.closed).toEqual({ code: 1011, reason: "guard.websocket_pending_limit_reached" });
    await r.expectTunnel("ToClientWebSocketMessage");
    expect((await r.expectTunnel("ToClientWebSocketClose")).val.reason).toBe("ws.downstream_closed");
  });

  it("closes a socket whose messages are not acknowledged in time", async () => {
    h.router.place("hws-6", r.runnerId, 1);
    const { client } = await openSocket(h, r, "hws-6", true);
    client.ws.send("never acked");
    await r.expectTunnel("ToClientWebSocketMessage");
    expect(await client.closed).toEqual({ code: 1011, reason: "guard.websocket_service_timeout" });
    expect((await r.expectTunnel("ToClientWebSocketClose")).val).toEqual({ code: 1011, reason: "ws.downstream_closed" });
    await eventually("no request in flight", () => h.gateway.inFlight === 0);
  });
});
