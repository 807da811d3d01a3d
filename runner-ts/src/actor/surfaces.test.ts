import { clientMessages } from "@actorwire/protocol";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryKv, TestHost } from "./surfaces-test-host.js";
import { FakeTunnelSocket, settle } from "./surfaces-test-socket.js";
import type { AnyActorConfig } from "./contract.js";
import { UserError } from "./errors.js";
import { createSurfaces } from "./surfaces.js";
import { splitTarget } from "./routes.js";
import type { TunnelRequest } from "../runner/types.js";

const info = (n = 1, isRestoring = false) => ({
  gatewayId: new Uint8Array([0, 0, 0, n]).buffer,
  requestId: new Uint8Array([0, 0, 1, n]).buffer,
  isRestoring,
});

function setup(config: AnyActorConfig, kv = new MemoryKv()) {
  const host = new TestHost(config, kv);
  const surfaces = createSurfaces(host);
  host.surfaces = surfaces;
  return { host, surfaces, kv };
}

function post(path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = {}): Request {
  return new Request(`http://actor${path}`, { method: "POST", body, headers });
}

function connectRequest(encoding: string, params?: unknown): Request {
  const protocols = ["rivet", `rivet_encoding.${encoding}`];
  if (params !== undefined) protocols.push(`rivet_conn_params.${encodeURIComponent(JSON.stringify(params))}`);
  return new Request("http://actor/connect", { headers: { "sec-websocket-protocol": protocols.join(",") } });
}

function decodeSent(socket: FakeTunnelSocket, encoding: "json" | "cbor" | "bare") {
  return socket.sent.map((d) => clientMessages.ToClient.decode(d, encoding).value);
}

const log: string[] = [];
const counter: AnyActorConfig = {
  createConnState: (_c: unknown, params: { user?: string } | undefined) => ({ user: params?.user ?? "anon" }),
  onBeforeConnect: (_c: unknown, params: { deny?: boolean } | undefined) => {
    log.push("before");
    if (params?.deny) throw new UserError("go away", { code: "denied", metadata: { why: "test" } });
  },
  onConnect: () => void log.push("connect"),
  onDisconnect: () => void log.push("disconnect"),
  events: { secret: { canSubscribe: () => false } },
  queues: { jobs: {}, locked: { canPublish: () => false } },
  actions: {
    whoami: (c: { conn: { state: { user: string } } }) => c.conn.state.user,
    add: (_c: unknown, a: number, b: number) => a + b,
    fail: () => {
      throw new UserError("nope", { code: "bad", metadata: { n: 1 } });
    },
    crash: () => {
      throw new Error("secret detail");
    },
  },
  onRequest: (_c: unknown, request: Request) => new Response(`seen ${new URL(request.url).pathname}${new URL(request.url).search}`),
};

/** A tunnelled request as bytes whose `toRequest()` fails the test: the route must not need it. */
function tunnelPost(path: string, body: string, headers: Record<string, string> = {}): TunnelRequest {
  return {
    method: "POST",
    path,
    headers: new Map(Object.entries(headers)),
    body: new TextEncoder().encode(body).buffer,
    streamed: false,
    signal: new AbortController().signal,
    toRequest: () => {
      throw new Error("the action path built a Request");
    },
  };
}

describe("HTTP routes on the tunnel's bytes", () => {
  it("answers actions and queue sends as bytes without building a Request or a Response", async () => {
    const { surfaces } = setup(counter);
    const answer = await surfaces.route(tunnelPost("/action/add", JSON.stringify({ args: [2, 3] })), info());
    expect("response" in answer).toBe(false);
    const bytes = answer as { status: number; headers: ReadonlyMap<string, string>; body: Uint8Array };
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(new TextDecoder().decode(bytes.body))).toEqual({ output: 5 });
    const params = await surfaces.route(tunnelPost("/action/whoami", JSON.stringify({ args: [] }), { "x-rivet-conn-params": JSON.stringify({ user: "ada" }) }), info());
    expect(JSON.parse(new TextDecoder().decode((params as { body: Uint8Array }).body))).toEqual({ output: "ada" });
    const queued = await surfaces.route(tunnelPost("/queue/jobs", JSON.stringify({ body: { n: 1 } })), info());
    expect((queued as { status: number }).status).toBe(200);
  });

  it("reads header names in any case, as a Request would", async () => {
    const { surfaces } = setup(counter);
    const answer = await surfaces.route(tunnelPost("/action/whoami", JSON.stringify({ args: [] }), { "X-Rivet-Conn-Params": JSON.stringify({ user: "bo" }) }), info());
    expect(JSON.parse(new TextDecoder().decode((answer as { body: Uint8Array }).body))).toEqual({ output: "bo" });
  });

  it("hands onRequest a Request and relays its Response, reporting when the body was sent", async () => {
    const { surfaces } = setup(counter);
    const request = new Request("http://actor/request/x?y=1");
    const answer = await surfaces.route({ ...tunnelPost("/request/x?y=1", ""), method: "GET", body: null, toRequest: () => request }, info());
    expect("response" in answer).toBe(true);
    const relayed = answer as { response: Response; sent?: () => void };
    expect(await relayed.response.text()).toBe("seen /x?y=1");
    expect(typeof relayed.sent).toBe("function");
    relayed.sent?.();
  });
});

describe("splitTarget", () => {
  it("gives what new URL() gives for plain and unusual request-targets", () => {
    const targets = ["/action/add", "/action/a%20b?x=1&y=2", "/", "", "/request", "/request/../action/x", "/a/./b", "/a//b", "/%2e%2e/x", "/a b", "/é", "/a?", "/a?#b", "/queue/q?x=%zz", "/a\\b", "/.", "/..", "/x/.."];
    for (const target of targets) {
      const url = new URL(`http://actor${target.startsWith("/") ? target : `/${target}`}`);
      expect(splitTarget(target), target).toEqual({ pathname: url.pathname, search: url.search });
    }
  });

  it("agrees with new URL() on generated request-targets", () => {
    const part = fc.constantFrom("/", ".", "..", "a", "Z", "0", "-", "_", "~", "%", "%2e", "%2E", "%41", "?", "#", "&", "=", "+", " ", "é", "\\", ":", "@", "!", "'");
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), (parts) => {
        const target = `/${parts.join("")}`;
        const url = new URL(`http://actor${target}`);
        expect(splitTarget(target)).toEqual({ pathname: url.pathname, search: url.search });
      }),
      { numRuns: 2000 },
    );
  });
});

describe("HTTP routes", () => {
  it("runs an action with a short-lived connection and its hooks", async () => {
    const { surfaces } = setup(counter);
    log.length = 0;
    const res = await surfaces.fetch(post("/action/whoami", JSON.stringify({ args: [] }), { "x-rivet-conn-params": JSON.stringify({ user: "ada" }) }), info());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(clientMessages.HttpActionResponse.decode(new Uint8Array(await res.arrayBuffer()), "json").value).toEqual({ output: "ada" });
    expect(log).toEqual(["before", "connect", "disconnect"]);
    expect(surfaces.conns.size).toBe(0);
  });

  it("answers errors with rivetkit's statuses in the request's encoding", async () => {
    const { surfaces } = setup(counter);
    const body = (enc: "cbor" | "bare", args: unknown[]) => clientMessages.HttpActionRequest.encode({ args }, enc) as Uint8Array<ArrayBuffer>;
    const missing = await surfaces.fetch(post("/action/nope", body("cbor", []), { "x-rivet-encoding": "cbor" }), info());
    expect(missing.status).toBe(404);
    expect(clientMessages.HttpResponseError.decode(new Uint8Array(await missing.arrayBuffer()), "cbor").value).toMatchObject({ group: "actor", code: "action_not_found" });
    const user = await surfaces.fetch(post("/action/fail", body("bare", []), { "x-rivet-encoding": "bare" }), info());
    expect(user.status).toBe(400);
    expect(clientMessages.HttpResponseError.decode(new Uint8Array(await user.arrayBuffer()), "bare").value).toMatchObject({
      group: "user",
      code: "bad",
      message: "nope",
      metadata: { n: 1 },
    });
    const crash = await surfaces.fetch(post("/action/crash", JSON.stringify({ args: [] })), info());
    expect(crash.status).toBe(500);
    const crashBody = await crash.json();
    expect(crashBody).toMatchObject({ group: "actor", code: "internal_error" });
    expect(JSON.stringify(crashBody)).not.toContain("secret detail");
    const bad = await surfaces.fetch(post("/action/add", "{not json"), info());
    expect(bad.status).toBe(400);
    const get = await surfaces.fetch(new Request("http://actor/action/add"), info());
    expect(get.status).toBe(405);
    const denied = await surfaces.fetch(post("/action/add", JSON.stringify({ args: [1, 2] }), { "x-rivet-conn-params": JSON.stringify({ deny: true }) }), info());
    expect(denied.status).toBe(400);
    expect(await denied.json()).toMatchObject({ group: "user", code: "denied", metadata: { why: "test" } });
  });

  it("answers a bare request in the client-protocol version it came in", async () => {
    const { surfaces } = setup(counter);
    for (const version of [1, 3, 4]) {
      const body = clientMessages.HttpActionRequest.encode({ args: [2, 3] }, "bare", version) as Uint8Array<ArrayBuffer>;
      const ok = new Uint8Array(await (await surfaces.fetch(post("/action/add", body, { "x-rivet-encoding": "bare" }), info())).arrayBuffer());
      expect([ok[0], ok[1]]).toEqual([version, 0]);
      expect(clientMessages.HttpActionResponse.decode(ok, "bare")).toEqual({ value: { output: 5 }, version });
      const failed = await surfaces.fetch(post("/action/fail", body, { "x-rivet-encoding": "bare" }), info());
      const bytes = new Uint8Array(await failed.arrayBuffer());
      expect([bytes[0], bytes[1]]).toEqual([version, 0]);
      expect(clientMessages.HttpResponseError.decode(bytes, "bare").value).toMatchObject({ code: "bad" });
    }
  });

  it("serves health, metadata, onRequest with /request cut, and 404 elsewhere", async () => {
    const { surfaces } = setup(counter);
    expect(await (await surfaces.fetch(new Request("http://actor/health"), info())).text()).toBe("ok");
    expect(await (await surfaces.fetch(new Request("http://actor/metadata"), info())).json()).toMatchObject({ runtime: "actorwire" });
    expect(await (await surfaces.fetch(new Request("http://actor/request/a/b?q=1"), info())).text()).toBe("seen /a/b?q=1");
    expect(await (await surfaces.fetch(new Request("http://actor/request"), info())).text()).toBe("seen /");
    expect((await surfaces.fetch(new Request("http://actor/elsewhere"), info())).status).toBe(404);
  });

  it("sends to queues: undeclared names are refused with queue.not_declared, canPublish refuses, wait returns the completion", async () => {
    const { surfaces } = setup(counter);
    const q = surfaces.queue as { next(o: unknown): Promise<{ complete(r: unknown): Promise<void> } | undefined>; send(n: string, b: unknown): Promise<unknown> };
    const send = (name: string, body: unknown) => surfaces.fetch(post(`/queue/${name}`, JSON.stringify(body)), info());
    const undeclared = await send("ghost", { body: 1 });
    expect(undeclared.status).toBe(400);
    const refusal = (await undeclared.json()) as { group: string; code: string; message: string };
    expect(refusal).toMatchObject({ group: "queue", code: "not_declared" });
    expect(refusal.message).toContain('"ghost"');
    expect(refusal.message).toContain('"jobs"');
    await expect(q.send("ghost", 1)).rejects.toMatchObject({ group: "queue", code: "not_declared" });
    const locked = await send("locked", { body: 1 });
    expect(locked.status).toBe(403);
    const waiting = send("jobs", { body: { n: 1 }, wait: true, timeout: 5_000 });
    const m = await q.next({ completable: true, timeout: 5_000 });
    await m?.complete({ done: 1 });
    expect(await (await waiting).json()).toEqual({ status: "completed", response: { done: 1 } });
    expect(await (await send("jobs", { body: 2, wait: true, timeout: 10 })).json()).toEqual({ status: "timedOut" });
  });
});

describe("undeclared queue names", () => {
  it("with options.acceptUndeclaredQueues, a send to any name is stored and delivered", async () => {
    const { surfaces } = setup({ ...counter, options: { acceptUndeclaredQueues: true } });
    const q = surfaces.queue as { tryNext(o: unknown): Promise<{ name: string; body: unknown } | undefined> };
    const sent = await surfaces.fetch(post("/queue/anything", JSON.stringify({ body: 3 })), info());
    expect(await sent.json()).toEqual({ status: "completed" });
    expect(await q.tryNext({ names: ["anything"] })).toMatchObject({ name: "anything", body: 3 });
  });
});

describe("WebSocket /connect", () => {
  for (const encoding of ["json", "cbor", "bare"] as const) {
    it(`speaks ${encoding}: Init, actions, errors, subscriptions and events`, async () => {
      const { surfaces } = setup(counter);
      const socket = new FakeTunnelSocket(false);
      await surfaces.websocket(socket, connectRequest(encoding, { user: "bo" }), info());
      socket.open();
      const frame = (v: Parameters<typeof clientMessages.ToServer.encode>[0]) => clientMessages.ToServer.encode(v, encoding) as string | Uint8Array;
      socket.deliver(frame({ tag: "ActionRequest", val: { id: 1n, name: "whoami", args: [] } }), 1);
      socket.deliver(frame({ tag: "ActionRequest", val: { id: 2n, name: "fail", args: [] } }), 2);
      socket.deliver(frame({ tag: "SubscriptionRequest", val: { eventName: "tick", subscribe: true } }), 3);
      await settle(5);
      surfaces.broadcast("tick", [42]);
      surfaces.broadcast("other", [0]);
      const sent = decodeSent(socket, encoding);
      expect(sent[0]).toMatchObject({ tag: "Init", val: { actorId: "actor-1" } });
      expect(sent).toContainEqual({ tag: "ActionResponse", val: { id: 1n, output: "bo" } });
      expect(sent).toContainEqual(expect.objectContaining({ tag: "Error", val: expect.objectContaining({ code: "bad", actionId: 2n, metadata: { n: 1 } }) }));
      expect(sent.at(-1)).toEqual({ tag: "Event", val: { name: "tick", args: [42] } });
      expect(sent.filter((m) => (m as { tag: string }).tag === "Event")).toHaveLength(1);
      expect(socket.acks).toEqual([]);
    });
  }

  it("refuses with an Error and a close when a hook throws, and when canSubscribe says no", async () => {
    const { surfaces } = setup(counter);
    const refused = new FakeTunnelSocket(false);
    await surfaces.websocket(refused, connectRequest("json", { deny: true }), info());
    refused.open();
    expect(decodeSent(refused, "json")[0]).toMatchObject({ tag: "Error", val: { group: "user", code: "denied", actionId: null } });
    expect(refused.closed).toEqual({ code: 1011, reason: "user.denied" });
    const socket = new FakeTunnelSocket(false);
    await surfaces.websocket(socket, connectRequest("json"), info(2));
    socket.open();
    socket.deliver(clientMessages.ToServer.encode({ tag: "SubscriptionRequest", val: { eventName: "secret", subscribe: true } }, "json"), 1);
    await settle(5);
    expect(socket.closed).toEqual({ code: 1011, reason: "auth.forbidden" });
  });

  it("closes on a frame over the incoming limit and accepts one at it", async () => {
    const { surfaces } = setup({ ...counter, options: { maxIncomingMessageSize: 200 } });
    const socket = new FakeTunnelSocket(false);
    await surfaces.websocket(socket, connectRequest("json"), info());
    socket.open();
    const frameOf = (pad: string) => clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id: 1n, name: "add", args: [pad.length, 0, pad] } }, "json") as string;
    let pad = "";
    while (Buffer.byteLength(frameOf(pad + "x")) <= 200) pad += "x";
    expect(Buffer.byteLength(frameOf(pad))).toBe(200);
    socket.deliver(frameOf(pad), 1);
    await settle(5);
    expect(socket.closed).toBeUndefined();
    expect(decodeSent(socket, "json")).toContainEqual({ tag: "ActionResponse", val: { id: 1n, output: pad.length } });
    socket.deliver(frameOf(pad + "x"), 2);
    expect(socket.closed).toEqual({ code: 1011, reason: "message.incoming_too_long" });
  });

  it("persists a hibernatable connection, acks after handling, and restores it after a restart", async () => {
    const kv = new MemoryKv();
    const first = setup(counter, kv);
    log.length = 0;
    const socket = new FakeTunnelSocket(true);
    await first.surfaces.websocket(socket, connectRequest("bare", { user: "cy" }), info(7));
    socket.open();
    expect(kv.keysWithPrefix([2])).toHaveLength(1);
    socket.deliver(clientMessages.ToServer.encode({ tag: "SubscriptionRequest", val: { eventName: "tick", subscribe: true } }, "bare"), 1);
    socket.deliver(clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id: 1n, name: "whoami", args: [] } }, "bare"), 2);
    await settle(5);
    expect(socket.acks.at(-1)).toBe(2);
    expect(first.surfaces.isBusy()).toBe(false);
    first.host.abort.abort();
    await first.surfaces.stop("sleep");
    expect(log).not.toContain("disconnect");

    const second = setup(counter, kv);
    await second.surfaces.load([{ gatewayId: info(7).gatewayId, requestId: info(7).requestId }]);
    const restored = new FakeTunnelSocket(true, true);
    second.host.onRestore = () => second.surfaces.websocket(restored, connectRequest("bare", { user: "cy" }), info(7, true));
    await second.surfaces.started();
    expect(second.host.restored).toHaveLength(1);
    expect(second.host.restored[0]).toMatchObject({ path: "/connect", lastReceivedIndex: 2 });
    second.surfaces.broadcast("tick", ["after"]);
    expect(decodeSent(restored, "bare")).toEqual([{ tag: "Event", val: { name: "tick", args: ["after"] } }]);
    restored.deliver(clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id: 2n, name: "whoami", args: [] } }, "bare"), 3);
    await settle(5);
    expect(decodeSent(restored, "bare").at(-1)).toEqual({ tag: "ActionResponse", val: { id: 2n, output: "cy" } });
    restored.clientClose();
    await settle(5);
    expect(log).toContain("disconnect");
    expect(kv.keysWithPrefix([2])).toHaveLength(0);
  });
});

describe("raw WebSocket", () => {
  it("hands the socket to onWebSocket, holds early messages, and counts as a connection", async () => {
    const seen: string[] = [];
    const { surfaces } = setup({
      onWebSocket: async (_c: unknown, ws: { addEventListener(t: string, l: (e: { data: unknown }) => void): void; send(d: string): void }) => {
        await settle(5);
        ws.addEventListener("message", (e) => {
          seen.push(String(e.data));
          ws.send(`echo ${String(e.data)}`);
        });
      },
    });
    const socket = new FakeTunnelSocket(false);
    await surfaces.websocket(socket, new Request("http://actor/websocket/x"), info());
    socket.open();
    socket.deliver("early", 1);
    expect(surfaces.conns.size).toBe(1);
    expect(surfaces.isBusy()).toBe(true);
    await settle(20);
    expect(seen).toEqual(["early"]);
    expect(socket.sent).toEqual(["echo early"]);
    socket.clientClose();
    await settle(5);
    expect(surfaces.conns.size).toBe(0);
    expect(surfaces.isBusy()).toBe(false);
  });

  it("lets onWebSocket send (and close) at once: sent in order as soon as the socket is open", async () => {
    const { surfaces } = setup({
      onWebSocket: (_c: unknown, ws: { send(d: string | Uint8Array): void; readyState: number }) => {
        expect(ws.readyState).toBe(1);
        ws.send("hello");
        const bytes = Uint8Array.of(1, 2);
        ws.send(bytes);
        bytes[0] = 9;
      },
    });
    const socket = new FakeTunnelSocket(false);
    await surfaces.websocket(socket, new Request("http://actor/websocket/x"), info());
    expect(socket.closed).toBeUndefined();
    socket.open();
    expect(socket.sent).toEqual(["hello", Uint8Array.of(1, 2)]);
    expect(socket.closed).toBeUndefined();

    const closing = setup({
      onWebSocket: (_c: unknown, ws: { send(d: string): void; close(code: number, reason: string): void }) => {
        ws.send("bye");
        ws.close(4000, "done");
      },
    });
    const other = new FakeTunnelSocket(false);
    await closing.surfaces.websocket(other, new Request("http://actor/websocket/y"), info(2));
    other.open();
    expect(other.sent).toEqual(["bye"]);
    expect(other.closed).toEqual({ code: 4000, reason: "done" });
  });
});

describe("conn.send() inside onConnect", () => {
  it("delivers the event right after Init, as rivetkit does", async () => {
    const { surfaces } = setup({
      ...counter,
      onConnect: (_c: unknown, conn: { send(name: string, ...args: unknown[]): void }) => conn.send("welcome", "hi", 1),
    });
    const socket = new FakeTunnelSocket(false);
    await surfaces.websocket(socket, connectRequest("json", { user: "al" }), info());
    socket.open();
    const sent = decodeSent(socket, "json");
    expect(sent[0]).toMatchObject({ tag: "Init" });
    expect(sent[1]).toEqual({ tag: "Event", val: { name: "welcome", args: ["hi", 1] } });
  });
});
