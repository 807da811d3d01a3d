import { ScriptedRunner, eventually } from "@actorwire/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, MiB, bytes, http, startHarness, text } from "./gateway-harness.js";

// HTTP through the gateway: a client request on one side, a scripted raw runner on the other,
// real sockets in between. The runner sees decoded tunnel messages; the client sees HTTP.

const RAY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("HTTP through the gateway", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness();
    r = await ScriptedRunner.connect(h.endpoint);
    h.router.place("actor-1", r.runnerId, 1);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("tunnels method, path, query, headers and body, and answers with CORS and the ray ID", async () => {
    const pending = http(h.port, "/gateway/actor-1/some/path?q=1&x=%20y", {
      method: "POST",
      headers: { "x-custom": "hello", origin: "http://app.example", "content-type": "text/plain" },
      body: "hello body",
    });
    const { message, val } = await r.expectTunnel("ToClientRequestStart");
    expect(message.messageId.gatewayId).toEqual(h.gateway.gatewayId);
    expect(message.messageId.requestId.byteLength).toBe(4);
    expect(message.messageId.messageIndex).toBe(0);
    expect(val.actorId).toBe("actor-1");
    expect(val.method).toBe("POST");
    expect(val.path).toBe("/some/path?q=1&x=%20y");
    expect(val.stream).toBe(false);
    expect(text(val.body)).toBe("hello body");
    expect(val.headers.get("x-custom")).toBe("hello");
    expect(val.headers.get("content-type")).toBe("text/plain");
    expect(val.headers.get("content-length")).toBe("10");
    expect(val.headers.get("host")).toBe(`127.0.0.1:${h.port}`);
    const rayId = val.headers.get("x-rivet-ray-id");
    expect(rayId).toMatch(RAY_ID);
    for (const name of val.headers.keys()) expect(name).toBe(name.toLowerCase());

    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: {
        status: 201,
        headers: new Map([
          ["content-type", "text/plain"],
          ["x-actor", "yes"],
        ]),
        body: bytes("answer"),
        stream: false,
      },
    });
    const res = await pending;
    expect(res.status).toBe(201);
    expect(res.body.toString()).toBe("answer");
    expect(res.headers).toMatchObject({
      "content-type": "text/plain",
      "content-length": "6",
      "x-actor": "yes",
      "access-control-allow-origin": "http://app.example",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "*",
      vary: "Origin",
      "x-rivet-ray-id": rayId,
    });
    expect(h.gateway.inFlight).toBe(0);
  });

  it("sends body null for an empty body, `/` for no rest, and decodes the actor ID and token", async () => {
    const pending = http(h.port, "/gateway/act%6Fr-1@t%40ken");
    const { message, val } = await r.expectTunnel("ToClientRequestStart");
    expect(val).toMatchObject({ actorId: "actor-1", method: "GET", path: "/", body: null, stream: false });
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 204, headers: new Map(), body: null, stream: false },
    });
    const res = await pending;
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("*");
    expect(res.headers.vary).toBeUndefined();
  });

  it("passes a body of exactly 20 MiB and refuses 20 MiB + 1 with 413", async () => {
    const atLimit = Buffer.alloc(20 * MiB, 7);
    atLimit[atLimit.length - 1] = 9;
    const pending = http(h.port, "/gateway/actor-1/upload", { method: "PUT", body: atLimit });
    const { message, val } = await r.expectTunnel("ToClientRequestStart");
    expect(val.body?.byteLength).toBe(20 * MiB);
    expect(new Uint8Array(val.body as ArrayBuffer)[20 * MiB - 1]).toBe(9);
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: bytes("ok"), stream: false },
    });
    expect((await pending).status).toBe(200);

    const tooBig = await http(h.port, "/gateway/actor-1/upload", { method: "PUT", body: Buffer.alloc(20 * MiB + 1) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ group: "guard", code: "request_body_too_large", metadata: { limit_bytes: 20 * MiB } });
    expect(tooBig.headers["x-rivet-ray-id"]).toMatch(RAY_ID);

    // Without a content-length the limit is found while reading.
    const chunked = await http(h.port, "/gateway/actor-1/upload", {
      method: "PUT",
      body: [Buffer.alloc(10 * MiB), Buffer.alloc(10 * MiB), Buffer.alloc(1)],
    });
    expect(chunked.status).toBe(413);
    expect(chunked.json).toMatchObject({ code: "request_body_too_large" });
    expect(await r.quietFor(50)).toBe(true);
    expect(h.gateway.inFlight).toBe(0);
  });

  it("relays a streamed response chunk by chunk until finish", async () => {
    const { request } = await import("node:http");
    const received: string[] = [];
    let firstChunk!: () => void;
    const gotFirst = new Promise<void>((resolve) => {
      firstChunk = resolve;
    });
    const done = new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: h.port, path: "/gateway/actor-1/stream" }, (res) => {
        res.on("data", (c: Buffer) => {
          received.push(c.toString());
          firstChunk();
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] }));
      });
      req.on("error", reject);
      req.end();
    });
    const { message } = await r.expectTunnel("ToClientRequestStart");
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map([["content-type", "text/event-stream"]]), body: bytes("one;"), stream: true },
    });
    // The first part reaches the client before the runner has sent the rest.
    await gotFirst;
    expect(received.join("")).toBe("one;");
    r.reply(message.messageId, { tag: "ToServerResponseChunk", val: { body: bytes("two;"), finish: false } });
    r.reply(message.messageId, { tag: "ToServerResponseChunk", val: { body: bytes("three"), finish: true } });
    expect(await done).toEqual({ status: 200, type: "text/event-stream" });
    expect(received.join("")).toBe("one;two;three");
    expect(h.gateway.inFlight).toBe(0);
  });

  it("answers 502 when the runner aborts the response", async () => {
    const pending = http(h.port, "/gateway/actor-1/x");
    const { message } = await r.expectTunnel("ToClientRequestStart");
    r.reply(message.messageId, { tag: "ToServerResponseAbort", val: null });
    const res = await pending;
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ group: "guard", code: "response_aborted" });
    expect(res.headers["access-control-allow-origin"]).toBe("*");
  });

  it("refuses a runner payload over 20 MiB with 502 and aborts the request on the runner", async () => {
    const pending = http(h.port, "/gateway/actor-1/big");
    const { message } = await r.expectTunnel("ToClientRequestStart");
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: new ArrayBuffer(20 * MiB + 1), stream: false },
    });
    const res = await pending;
    expect(res.status).toBe(502);
    expect(res.json).toMatchObject({ group: "guard", code: "response_body_too_large" });
    const abort = await r.expectTunnel("ToClientRequestAbort");
    expect(abort.message.messageId.requestId).toEqual(message.messageId.requestId);
    expect(abort.message.messageId.messageIndex).toBe(1);
  });

  it("sends ToClientRequestAbort when the client goes away", async () => {
    const controller = new AbortController();
    const pending = http(h.port, "/gateway/actor-1/slow", { signal: controller.signal });
    pending.catch(() => {});
    const { message } = await r.expectTunnel("ToClientRequestStart");
    controller.abort();
    const abort = await r.expectTunnel("ToClientRequestAbort");
    expect(abort.message.messageId).toEqual({ ...message.messageId, messageIndex: 1 });
    await eventually("no request in flight", () => h.gateway.inFlight === 0);
    // A late answer for the aborted request is dropped without harm.
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: null, stream: false },
    });
  });

  it("retries once when the runner answers 503 runner.actor_not_found", async () => {
    const waitsBefore = h.router.waits.length;
    const pending = http(h.port, "/gateway/actor-1/retry");
    const first = await r.expectTunnel("ToClientRequestStart");
    r.reply(first.message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 503, headers: new Map([["x-rivet-error", "runner.actor_not_found"]]), body: bytes("Actor not found"), stream: false },
    });
    const second = await r.expectTunnel("ToClientRequestStart");
    expect(second.message.messageId.requestId).not.toEqual(first.message.messageId.requestId);
    expect(second.message.messageId.messageIndex).toBe(0);
    expect(second.val.path).toBe("/retry");
    r.reply(second.message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: bytes("second time"), stream: false },
    });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("second time");
    // It waited for the actor again before the second attempt.
    expect(h.router.waits.length - waitsBefore).toBe(2);

    // Only once: a second 503 reaches the client.
    const again = http(h.port, "/gateway/actor-1/retry");
    for (let i = 0; i < 2; i++) {
      const { message } = await r.expectTunnel("ToClientRequestStart");
      r.reply(message.messageId, {
        tag: "ToServerResponseStart",
        val: { status: 503, headers: new Map([["X-Rivet-Error", "runner.actor_not_found"]]), body: bytes("nope"), stream: false },
      });
    }
    const res2 = await again;
    expect(res2.status).toBe(503);
    expect(res2.headers["x-rivet-error"]).toBe("runner.actor_not_found");
    expect(res2.body.toString()).toBe("nope");
  });

  it("routes header mode for /request paths and passes the path through", async () => {
    const pending = http(h.port, "/request/foo?x=1", { headers: { "x-rivet-target": "actor", "x-rivet-actor": "actor-1" } });
    const { message, val } = await r.expectTunnel("ToClientRequestStart");
    expect(val).toMatchObject({ actorId: "actor-1", path: "/request/foo?x=1" });
    expect(val.headers.get("x-rivet-target")).toBe("actor");
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: bytes("via header"), stream: false },
    });
    expect((await pending).body.toString()).toBe("via header");

    const missing = await http(h.port, "/request", { headers: { "x-rivet-target": "actor" } });
    expect(missing.status).toBe(400);
    expect(missing.json).toMatchObject({ group: "guard", code: "missing_header", metadata: { header: "x-rivet-actor" } });
    // Other paths are not the gateway's in header mode.
    const other = await http(h.port, "/action/x", { headers: { "x-rivet-target": "actor", "x-rivet-actor": "actor-1" } });
    expect(other.status).toBe(404);
    expect(other.json).toMatchObject({ group: "api", code: "not_found" });
  });

  it("leaves paths with // to the rest of the server", async () => {
    expect((await http(h.port, "/gateway//actor-1/x")).json).toMatchObject({ group: "api" });
    expect((await http(h.port, "/gateway/actor-1//x")).json).toMatchObject({ group: "api" });
    expect(await r.quietFor(30)).toBe(true);
  });

  it("answers CORS preflights itself", async () => {
    const res = await http(h.port, "/gateway/actor-1/anything", {
      method: "OPTIONS",
      headers: { origin: "http://app.example", "access-control-request-headers": "x-rivet-encoding, content-type" },
    });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      "access-control-allow-origin": "http://app.example",
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "GET, POST, PUT, DELETE, OPTIONS, PATCH",
      "access-control-allow-headers": "x-rivet-encoding, content-type",
      "access-control-expose-headers": "*",
      "access-control-max-age": "86400",
      vary: "Origin",
    });
    expect(res.headers["x-rivet-ray-id"]).toMatch(RAY_ID);
    // Even for an unknown actor or a malformed query: no lookup happens.
    const bare = await http(h.port, "/gateway/nobody?rvt-bogus=1", { method: "OPTIONS" });
    expect(bare.status).toBe(204);
    expect(bare.headers["access-control-allow-origin"]).toBe("*");
    expect(bare.headers["access-control-allow-headers"]).toBe("*");
    expect(await r.quietFor(30)).toBe(true);
  });

  it("answers 404 for an unknown actor with the router's error", async () => {
    const res = await http(h.port, "/gateway/nobody/x");
    expect(res.status).toBe(404);
    expect(res.json).toEqual({ group: "actor", code: "not_found", message: "The actor does not exist.", metadata: null });
  });

  it("answers 503 actor.stopped when the actor stops before it answers", async () => {
    h.router.place("actor-stops", r.runnerId, 4);
    const pending = http(h.port, "/gateway/actor-stops/x");
    await r.expectTunnel("ToClientRequestStart");
    h.router.stop("actor-stops");
    const res = await pending;
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ group: "actor", code: "stopped" });
    expect(h.gateway.inFlight).toBe(0);
  });

  it("keeps no per-request state after many concurrent requests", async () => {
    const n = 200;
    const seen = new Set<string>();
    const answering = (async () => {
      for (let i = 0; i < n; i++) {
        const { message, val } = await r.expectTunnel("ToClientRequestStart");
        seen.add(Buffer.from(message.messageId.requestId).toString("hex"));
        r.reply(message.messageId, {
          tag: "ToServerResponseStart",
          val: { status: 200, headers: new Map(), body: bytes(val.path), stream: false },
        });
      }
    })();
    const results = await Promise.all(Array.from({ length: n }, (_, i) => http(h.port, `/gateway/actor-1/n/${i}`)));
    await answering;
    results.forEach((res, i) => expect(res.body.toString()).toBe(`/n/${i}`));
    // Request IDs are unique among requests in flight at the same time.
    expect(seen.size).toBe(n);
    expect(h.gateway.inFlight).toBe(0);
  });
});

describe("HTTP through the gateway: query mode", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness();
    r = await ScriptedRunner.connect(h.endpoint);
    h.router.addKey("default", "chat", "room/\\0/b\\/c", "chat-1");
    h.router.addKey("default", "counter", "/", "counter-1");
    h.router.place("chat-1", r.runnerId, 1);
    h.router.place("counter-1", r.runnerId, 1);
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("resolves get with a compound key and strips rvt-* parameters", async () => {
    const pending = http(h.port, "/gateway/chat/request/x?a=1&rvt-namespace=default&rvt-method=get&rvt-key=room,,b%2Fc&b=2");
    const { message, val } = await r.expectTunnel("ToClientRequestStart");
    expect(h.router.queries.at(-1)).toEqual({ namespace: "default", name: "chat", key: "room/\\0/b\\/c", method: "get" });
    expect(val).toMatchObject({ actorId: "chat-1", path: "/request/x?a=1&b=2" });
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: bytes("chat"), stream: false },
    });
    expect((await pending).body.toString()).toBe("chat");
  });

  it("resolves getOrCreate with runner, CBOR input and crash policy", async () => {
    const input = Buffer.from([0x82, 0x01, 0x63, 0x61, 0x62, 0x63]).toString("base64url"); // [1, "abc"]
    const pending = http(
      h.port,
      `/gateway/counter?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=pool&rvt-input=${input}&rvt-crash-policy=destroy`,
    );
    const { message, val } = await r.expectTunnel("ToClientRequestStart");
    expect(h.router.queries.at(-1)).toEqual({
      namespace: "default",
      name: "counter",
      key: "/",
      method: "getOrCreate",
      runnerName: "pool",
      crashPolicy: "destroy",
      input: Buffer.from([0x82, 0x01, 0x63, 0x61, 0x62, 0x63]).toString("base64"),
    });
    expect(val).toMatchObject({ actorId: "counter-1", path: "/" });
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: null, stream: false },
    });
    expect((await pending).status).toBe(200);
  });

  const ok = "rvt-namespace=default&rvt-method=get";
  const refusals: [string, string][] = [
    [`/gateway/chat?${ok}&rvt-nope=1`, "query_unknown_param"],
    [`/gateway/chat?${ok}&rvt-namespace=x`, "query_duplicate_param"],
    [`/gateway/chat?${ok}&rvt-input=oA`, "query_get_disallowed_params"],
    [`/gateway/chat?${ok}&rvt-runner=pool`, "query_get_disallowed_params"],
    [`/gateway/chat?${ok}&rvt-crash-policy=sleep`, "query_get_disallowed_params"],
    ["/gateway/chat?rvt-namespace=default&rvt-method=getOrCreate", "query_missing_runner_name"],
    ["/gateway/chat?rvt-method=get", "query_invalid_params"],
    ["/gateway/chat?rvt-namespace=default&rvt-method=put", "query_invalid_params"],
    ["/gateway/chat?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=p&rvt-crash-policy=x", "query_invalid_params"],
    [`/gateway/chat?${ok}&rvt-skip-ready-wait=maybe`, "query_invalid_params"],
    ["/gateway/chat?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=p&rvt-input=!!", "query_invalid_base64_input"],
    ["/gateway/chat?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=p&rvt-input=_w", "query_invalid_cbor_input"],
    [`/gateway/chat@tok?${ok}`, "query_path_token_syntax"],
    [`/gateway?${ok}`, "query_empty_actor_name"],
    [`/gateway/chat?${ok}&rvt-key=%C3%28`, "query_invalid_percent_encoding"],
    [`/gateway/chat?${ok}&rvt-token`, "query_param_missing_equals"],
  ];
  it("refuses every malformed query path with 400 and the guard's code", async () => {
    for (const [path, code] of refusals) {
      const res = await http(h.port, path);
      expect({ path, status: res.status, json: res.json }).toMatchObject({ path, status: 400, json: { group: "guard", code } });
      expect(res.headers["x-rivet-ray-id"]).toBeDefined();
    }
    expect(await r.quietFor(30)).toBe(true);
  });

  it("answers the router's error when no actor has the key", async () => {
    const res = await http(h.port, `/gateway/chat?${ok}&rvt-key=other`);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ group: "actor", code: "not_found" });
  });
});

describe("HTTP through the gateway: timeouts", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness({ responseStartTimeoutMs: 300, readyTimeoutMs: 300 });
    r = await ScriptedRunner.connect(h.endpoint);
    h.router.place("actor-1", r.runnerId, 1);
    h.router.add("asleep");
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("answers 504 when no response starts in time, and aborts the request on the runner", async () => {
    const started = Date.now();
    const pending = http(h.port, "/gateway/actor-1/never");
    const { message } = await r.expectTunnel("ToClientRequestStart");
    const res = await pending;
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ group: "guard", code: "request_timeout", metadata: { timeout_ms: 300 } });
    const abort = await r.expectTunnel("ToClientRequestAbort");
    expect(abort.message.messageId.requestId).toEqual(message.messageId.requestId);
    expect(h.gateway.inFlight).toBe(0);
  });

  it("answers 504 guard.actor_ready_timeout when the actor does not become ready", async () => {
    const res = await http(h.port, "/gateway/asleep/x");
    expect(res.status).toBe(504);
    expect(res.json).toMatchObject({ group: "guard", code: "actor_ready_timeout", metadata: { actor_id: "asleep" } });
    expect(await r.quietFor(30)).toBe(true);
  });

  it("waits for a sleeping actor and sends the request once it runs", async () => {
    h.router.add("waking");
    h.router.onWake = (actorId) => setTimeout(() => h.router.place(actorId, r.runnerId, 2), 50);
    const pending = http(h.port, "/gateway/waking/x");
    const { message } = await r.expectTunnel("ToClientRequestStart");
    h.router.onWake = undefined;
    r.reply(message.messageId, {
      tag: "ToServerResponseStart",
      val: { status: 200, headers: new Map(), body: bytes("awake"), stream: false },
    });
    expect((await pending).body.toString()).toBe("awake");
  });
});

describe("HTTP through the gateway: bad answers and shutdown", () => {
  let h: Harness;
  let r: ScriptedRunner;
  beforeAll(async () => {
    h = await startHarness();
    r = await ScriptedRunner.connect(h.endpoint);
    h.router.place("actor-1", r.runnerId, 1);
    h.router.add("asleep");
  });
  afterAll(async () => {
    await r.close();
    await h.close();
  });

  it("answers 502 guard.invalid_response to a status or header HTTP cannot carry", async () => {
    const answers: [number, [string, string][]][] = [
      [42, []],
      [200, [["bad header", "x"]]],
      [200, [["x-ok", "line\nbreak"]]],
    ];
    for (const [status, headers] of answers) {
      const pending = http(h.port, "/gateway/actor-1/bad");
      const { message } = await r.expectTunnel("ToClientRequestStart");
      r.reply(message.messageId, {
        tag: "ToServerResponseStart",
        val: { status, headers: new Map(headers), body: bytes("x"), stream: false },
      });
      const res = await pending;
      expect(res.status).toBe(502);
      expect(res.json).toMatchObject({ group: "guard", code: "invalid_response" });
      expect(res.headers["x-ok"]).toBeUndefined();
      await r.expectTunnel("ToClientRequestAbort");
    }
    expect(h.gateway.inFlight).toBe(0);
  });

  it("ends requests in flight with 503 guard.going_away when the gateway closes", async () => {
    const inTunnel = http(h.port, "/gateway/actor-1/slow");
    await r.expectTunnel("ToClientRequestStart");
    const waiting = http(h.port, "/gateway/asleep/x");
    await eventually("a wait for asleep", () => h.router.waits.includes("asleep"));
    await h.gateway.close();
    for (const res of await Promise.all([inTunnel, waiting])) {
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ group: "guard", code: "going_away" });
    }
    await r.expectTunnel("ToClientRequestAbort");
    const after = await http(h.port, "/gateway/actor-1/x");
    expect(after.json).toMatchObject({ code: "going_away" });
    expect(h.gateway.inFlight).toBe(0);
  });
});
