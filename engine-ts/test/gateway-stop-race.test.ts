import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedRunner } from "@actorwire/testkit";
import { type Harness, bytes, clientSocket, http, startHarness, text } from "./gateway-harness.js";

// Issue 18: a request that crosses its actor's stop (sent to the runner just as the runner
// reported the generation stopped) was answered `503 actor.stopped`, and rivetkit's client
// does not retry that. Such a request reaches a runner that no longer hosts the actor, which
// answers "not hosted here" and runs nothing: the gateway now waits for that answer (a ping
// round trip tells it the runner has handled the request) and sends the request again once
// the actor is awake. A request the runner took and never answered may have run, so it is
// still never replayed.

describe("an HTTP request racing its actor's stop", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness();
    r = await ScriptedRunner.connect(h.endpoint);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("is held for the wake and sent again when the runner answers that it does not host the actor", async () => {
    h.router.place("racing", r.runnerId, 1);
    const response = http(h.port, "/gateway/racing/action/increment", { method: "POST", body: "{}" });
    const first = await r.expectTunnel("ToClientRequestStart");
    // The generation stops before the runner has read the request...
    h.router.stop("racing");
    // ...so the runner, which no longer hosts the actor, answers as Rivet's runner does.
    r.reply(first.message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 503, headers: new Map([["x-rivet-error", "runner.actor_not_found"]]), body: bytes("Actor not found"), stream: false },
    });
    // The actor wakes; the same request is sent to the new generation and answered.
    setTimeout(() => h.router.place("racing", r.runnerId, 2), 20);
    const again = await r.expectTunnel("ToClientRequestStart");
    expect(again.val.path).toBe("/action/increment");
    expect(text(again.val.body)).toBe("{}");
    r.reply(again.message.messageId, { tag: "ToServerResponseStart", val: { status: 200, headers: new Map(), body: bytes("1"), stream: false } });
    const res = await response;
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("1");
  });

  it("is answered 503 actor.stopped, never replayed, when the runner took it and did not answer", async () => {
    h.router.place("taken", r.runnerId, 1);
    const response = http(h.port, "/gateway/taken/action/increment", { method: "POST", body: "{}" });
    await r.expectTunnel("ToClientRequestStart");
    h.router.stop("taken");
    const res = await response;
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ group: "actor", code: "stopped" });
    expect(await r.quietFor(100)).toBe(true);
  });
});

// The same race for a WebSocket: an open that reaches a runner whose actor is stopping was
// closed with 1011, so a client connecting as its actor went to sleep lost its connection.
// The runner refuses such an open as "not hosted here" before anything of it runs; the
// gateway now waits for the wake and opens the socket on the new generation.
describe("a WebSocket open racing its actor's stop", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness();
    r = await ScriptedRunner.connect(h.endpoint);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("is opened on the next generation when the runner answers that it does not host the actor", async () => {
    h.router.place("ws-racing", r.runnerId, 1);
    const client = clientSocket(h.port, "/gateway/ws-racing/websocket");
    const first = await r.expectTunnel("ToClientWebSocketOpen");
    h.router.stop("ws-racing");
    r.reply(first.message.messageId, { tag: "ToServerWebSocketClose", val: { code: 1011, reason: "runner.actor_not_found", hibernate: false } });
    setTimeout(() => h.router.place("ws-racing", r.runnerId, 2), 20);
    const again = await r.expectTunnel("ToClientWebSocketOpen");
    expect(again.val.path).toBe("/websocket");
    r.reply(again.message.messageId, { tag: "ToServerWebSocketOpen", val: { canHibernate: false } });
    await client.opened;
    client.ws.send("after the wake");
    const message = await r.expectTunnel("ToClientWebSocketMessage");
    expect(message.message.messageId.requestId).toEqual(again.message.messageId.requestId);
    expect(text(message.val.data)).toBe("after the wake");
    r.reply(again.message.messageId, { tag: "ToServerWebSocketMessage", val: { data: bytes("hello"), binary: false } });
    expect((await client.next()).data.toString()).toBe("hello");
    client.ws.close(1000, "done");
    expect((await r.expectTunnel("ToClientWebSocketClose")).val).toEqual({ code: 1000, reason: "done" });
    await client.closed;
  });

  it("is opened again only once: a second refusal closes the client with 1011", async () => {
    h.router.place("ws-twice", r.runnerId, 1);
    const client = clientSocket(h.port, "/gateway/ws-twice/websocket");
    const first = await r.expectTunnel("ToClientWebSocketOpen");
    r.reply(first.message.messageId, { tag: "ToServerWebSocketClose", val: { code: 1011, reason: "runner.actor_not_found", hibernate: false } });
    const second = await r.expectTunnel("ToClientWebSocketOpen");
    r.reply(second.message.messageId, { tag: "ToServerWebSocketClose", val: { code: 1011, reason: "runner.actor_not_found", hibernate: false } });
    expect(await client.closed).toEqual({ code: 1011, reason: "guard.websocket_service_unavailable" });
    expect(await r.quietFor(100)).toBe(true);
  });

  it("closes with 1000 actor.stopped, never opened again, when the runner took the open and did not answer", async () => {
    h.router.place("ws-taken", r.runnerId, 1);
    const client = clientSocket(h.port, "/gateway/ws-taken/websocket");
    await r.expectTunnel("ToClientWebSocketOpen");
    h.router.stop("ws-taken");
    expect(await client.closed).toEqual({ code: 1000, reason: "actor.stopped" });
    expect(await r.quietFor(100)).toBe(true);
  });
});
