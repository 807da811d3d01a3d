/**
 * `engine/gateway/…`: traffic to actors through the engine's gateway: actions in each client
 * encoding, the `rvt-*` query path, raw HTTP (headers, status, 1 MiB bodies both ways, streamed
 * responses), raw WebSockets (echo, close codes) and `/connect` connections with events.
 */
import type { Encoding } from "@actorwire/client";
import { CaseFailure, type EngineCase, type EngineCaseContext, show } from "../context.js";
import { actorError, call, checksum, patternBytes, untilAsleep } from "./helpers.js";

const MIB = 1024 * 1024;

/** A value with what each encoding must carry intact: nesting, unicode, null, floats, bools. */
const ROUND_TRIP_VALUE = { text: "héllo, wörld ✓", list: [1, -2, 3.5, null, true, false], nested: { deep: { deeper: ["x", { y: 0 }] } }, empty: "" };

function actionRoundTrip(encoding: Encoding): EngineCase {
  return {
    area: "gateway",
    name: `action/round-trip-${encoding}`,
    level: "required",
    description: `Actions through the gateway in ${encoding}: values come back intact and state is kept between calls.`,
    async run(ctx) {
      const handle = ctx.client(encoding).getOrCreate("counter", ctx.key(`gw-${encoding}`));
      ctx.equal(await call(handle, "echo", ROUND_TRIP_VALUE), ROUND_TRIP_VALUE, `echo in ${encoding}`);
      ctx.equal(await call(handle, "increment", 2), 2, "increment(2)");
      ctx.equal(await call(handle, "increment", 3), 5, "increment(3) after increment(2)");
      // Under the 64 KiB incoming-message limit that rivetkit's actors (and ours) apply by default.
      const big = "z".repeat(40_000);
      ctx.equal(await call(handle, "echo", big), big, `echo of a 40 kB string in ${encoding}`);
    },
  };
}

/** A gateway query-path URL: `/gateway/{name}/{rest}?rvt-…`. */
function queryUrl(ctx: EngineCaseContext, name: string, rest: string, params: Record<string, string>, extra = ""): string {
  const search = new URLSearchParams({ "rvt-namespace": ctx.settings.namespace, ...params });
  if (ctx.settings.token !== undefined) search.set("rvt-token", ctx.settings.token);
  return `${ctx.endpoint}/gateway/${encodeURIComponent(name)}/${rest}?${search.toString()}${extra}`;
}

async function json(ctx: EngineCaseContext, response: Response, what: string): Promise<any> {
  const text = await response.text();
  ctx.check(response.status === 200, `${what} answered ${response.status}: ${text.slice(0, 300)}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new CaseFailure(`${what} answered 200 with a body that is not JSON: ${text.slice(0, 300)}`);
  }
}

/** Opens a raw WebSocket through our client and waits for `open`. */
async function openSocket(ctx: EngineCaseContext, label: string): Promise<WebSocket> {
  const handle = ctx.client().getOrCreate("raw", ctx.key(label));
  const ws = await handle.webSocket("/ws");
  ws.binaryType = "arraybuffer";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CaseFailure("the raw WebSocket did not open within 15 s")), 15_000);
    ws.addEventListener("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.addEventListener("close", (e: CloseEvent) => {
      clearTimeout(timer);
      reject(new CaseFailure(`the raw WebSocket closed (${e.code} ${e.reason}) before it opened`));
    });
  });
  return ws;
}

/** The next message of a socket. */
function nextMessage(ws: WebSocket, timeoutMs = 10_000): Promise<string | ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new CaseFailure(`no WebSocket message within ${timeoutMs} ms`)), timeoutMs);
    ws.addEventListener(
      "message",
      (e) => {
        clearTimeout(timer);
        resolve(e.data as string | ArrayBuffer);
      },
      { once: true },
    );
  });
}

export const gatewayCases: EngineCase[] = [
  actionRoundTrip("json"),
  actionRoundTrip("cbor"),
  actionRoundTrip("bare"),
  {
    area: "gateway",
    name: "action/unknown-actor-not-found",
    level: "required",
    description: "An action to an actor ID that was destroyed is answered with actor.not_found, not a hang or a 5xx.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("counter", ctx.key("gw-gone"));
      const actorId = await handle.resolve();
      await call(handle, "increment", 1);
      const destroyed = await ctx.api.destroy(actorId);
      ctx.check(destroyed.status === 200, `DELETE /actors/${actorId} answered ${destroyed.status}: ${destroyed.text.slice(0, 200)}`);
      const response = await fetch(`${ctx.endpoint}/gateway/${actorId}/action/get`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-rivet-encoding": "json" },
        body: JSON.stringify({ args: [] }),
      });
      const text = await response.text();
      ctx.check(response.status >= 400 && response.status < 500, `POST /gateway/${actorId}/action/get answered ${response.status}: ${text.slice(0, 300)}`);
      let body: { group?: string; code?: string } | undefined;
      try {
        body = JSON.parse(text);
      } catch {
        throw new CaseFailure(`the ${response.status} answer is not a JSON error: ${text.slice(0, 300)}`);
      }
      ctx.equal(`${body?.group}.${body?.code}`, "actor.not_found", `the error of the ${response.status} answer`);
    },
  },
  {
    area: "gateway",
    name: "action/user-error",
    level: "required",
    description: "An action's UserError crosses the gateway intact: a 4xx whose error keeps the actor's group, code and metadata.",
    async run(ctx) {
      const handle = ctx.client("json").getOrCreate("counter", ctx.key("gw-user-error"));
      const error = (await ctx.rejects(call(handle, "refuse"), "the refusing action")) as { metadata?: unknown };
      ctx.equal({ error: actorError(error), metadata: error.metadata }, { error: "user.forbidden_thing", metadata: { limit: 3 } }, "the error the client got");
      const actorId = await handle.resolve();
      const response = await fetch(`${ctx.endpoint}/gateway/${actorId}/action/refuse`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-rivet-encoding": "json" },
        body: JSON.stringify({ args: [] }),
      });
      const text = await response.text();
      ctx.check(response.status >= 400 && response.status < 500, `the refusing action answered ${response.status} through the gateway: ${text.slice(0, 200)}`);
    },
  },
  {
    area: "gateway",
    name: "direct/malformed-actor-id-refused",
    level: "recommended",
    description: "A gateway path whose actor ID is not an actor ID at all (/gateway/notanid/…) is refused with a 4xx, not a 5xx.",
    async run(ctx) {
      const response = await fetch(`${ctx.endpoint}/gateway/notanid/request/x`);
      const text = await response.text();
      ctx.check(response.status >= 400 && response.status < 500, `GET /gateway/notanid/request/x answered ${response.status}: ${text.slice(0, 300)}`);
    },
  },
  {
    area: "gateway",
    name: "query/get-or-create-then-get",
    level: "required",
    description:
      "The query path (/gateway/{name}/…?rvt-method=getOrCreate&rvt-key=…&rvt-runner=…) creates the actor, rvt-method=get then reaches the same one, and no rvt-* parameter reaches the actor.",
    async run(ctx) {
      const key = ctx.key("gw-query")[0]!;
      const created = await json(
        ctx,
        await fetch(queryUrl(ctx, "raw", "request/hello", { "rvt-method": "getOrCreate", "rvt-key": key, "rvt-runner": ctx.runnerName }, "&mine=1")),
        "GET /gateway/raw/request/hello?rvt-method=getOrCreate",
      );
      ctx.equal({ path: created.path, search: created.search }, { path: "/hello", search: "?mine=1" }, "the path and query the actor saw");
      const got = await json(ctx, await fetch(queryUrl(ctx, "raw", "request/again", { "rvt-method": "get", "rvt-key": key })), "GET /gateway/raw/request/again?rvt-method=get");
      ctx.equal(got.actorId, created.actorId, "the actor reached by rvt-method=get");
      const listed = await ctx.api.list({ name: "raw", key });
      ctx.equal(
        listed.body.actors.map((a) => a.actor_id),
        [created.actorId],
        "the actor GET /actors lists for the key",
      );
    },
  },
  {
    area: "gateway",
    name: "query/get-missing-refused",
    level: "required",
    description: "The query path with rvt-method=get and a key no actor has is refused with a 4xx (actor.not_found), creating nothing.",
    async run(ctx) {
      const key = ctx.key("gw-query-missing")[0]!;
      const response = await fetch(queryUrl(ctx, "raw", "request/x", { "rvt-method": "get", "rvt-key": key }));
      const text = await response.text();
      ctx.check(response.status >= 400 && response.status < 500, `rvt-method=get of a missing key answered ${response.status}: ${text.slice(0, 300)}`);
      ctx.check(text.includes("not_found"), `the refusal does not say not_found: ${text.slice(0, 300)}`);
      const listed = await ctx.api.list({ name: "raw", key });
      ctx.equal(listed.body.actors.length, 0, "actors listed for the missing key after the request");
    },
  },
  {
    area: "gateway",
    name: "query/invalid-params-refused",
    level: "required",
    description:
      "The query path refuses, with a 400 guard.* error, an unknown rvt-* parameter, an unknown method, getOrCreate without a runner, and get with a runner.",
    async run(ctx) {
      const key = ctx.key("gw-query-bad")[0]!;
      const attempts: [string, Record<string, string>][] = [
        ["an unknown rvt-* parameter", { "rvt-method": "get", "rvt-key": key, "rvt-bogus": "1" }],
        ["an unknown method", { "rvt-method": "bogus", "rvt-key": key }],
        ["getOrCreate without a runner", { "rvt-method": "getOrCreate", "rvt-key": key }],
        ["get with a runner", { "rvt-method": "get", "rvt-key": key, "rvt-runner": ctx.runnerName }],
      ];
      for (const [what, params] of attempts) {
        const response = await fetch(queryUrl(ctx, "raw", "request/x", params));
        const text = await response.text();
        ctx.check(response.status === 400, `the query path with ${what} answered ${response.status}: ${text.slice(0, 300)}`);
        let group: unknown;
        let code: unknown;
        try {
          ({ group, code } = JSON.parse(text) as { group?: unknown; code?: unknown });
        } catch {
          // Checked below.
        }
        ctx.check(group === "guard" && typeof code === "string", `the query path with ${what} answered a 400 without a guard.* error: ${text.slice(0, 300)}`);
        ctx.step(`${what}: 400 ${String(group)}.${String(code)}`);
      }
      const listed = await ctx.api.list({ name: "raw", key });
      ctx.equal(listed.body.actors.length, 0, "actors listed for the key after the refused requests");
    },
  },
  {
    area: "gateway",
    name: "http/request-response-headers",
    level: "required",
    description: "Raw HTTP through the gateway: method, path, query, request headers and body reach onRequest; the status and response headers come back.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("raw", ctx.key("gw-http"));
      const response = await handle.fetch("/some/path?a=1&b=two", {
        method: "PUT",
        headers: { "x-conformance-header": "value 1", "content-type": "text/plain" },
        body: "the body",
      });
      const echoed = await json(ctx, response, "PUT /request/some/path");
      ctx.equal(response.headers.get("x-conformance-reply"), "yes", "the response header x-conformance-reply");
      ctx.equal(
        { method: echoed.method, path: echoed.path, search: echoed.search, text: echoed.text, header: echoed.headers?.["x-conformance-header"] },
        { method: "PUT", path: "/some/path", search: "?a=1&b=two", text: "the body", header: "value 1" },
        "what onRequest saw",
      );
      const teapot = await handle.fetch("/status");
      ctx.equal(teapot.status, 418, "the status of /status");
      ctx.equal(await teapot.text(), "teapot", "the body of /status");
      ctx.equal(teapot.headers.get("x-conformance-reply"), "short and stout", "the header of /status");
    },
  },
  {
    area: "gateway",
    name: "http/methods-and-empty-responses",
    level: "required",
    description: "Raw HTTP through the gateway carries DELETE, PATCH and HEAD to onRequest, and a 204 with no body back.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("raw", ctx.key("gw-methods"));
      for (const method of ["DELETE", "PATCH"]) {
        const echoed = await json(ctx, await handle.fetch("/m", { method, body: method === "PATCH" ? "patch body" : null }), `${method} /request/m`);
        ctx.equal({ method: echoed.method, text: echoed.text }, { method, text: method === "PATCH" ? "patch body" : "" }, `what onRequest saw of the ${method}`);
      }
      const head = await handle.fetch("/m", { method: "HEAD" });
      ctx.equal({ status: head.status, body: await head.text() }, { status: 200, body: "" }, "the HEAD answer");
      const empty = await handle.fetch("/empty", { method: "POST", body: "x" });
      ctx.equal({ status: empty.status, header: empty.headers.get("x-conformance-reply"), body: await empty.text() }, { status: 204, header: "nothing", body: "" }, "the 204 answer");
    },
  },
  {
    area: "gateway",
    name: "http/wakes-sleeping-actor",
    level: "required",
    description: "A raw HTTP request to a sleeping actor wakes it and is answered by it, with its state.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("raw", ctx.key("gw-http-wake"));
      const first = await json(ctx, await handle.fetch("/one"), "GET /request/one");
      await call(handle, "sleep");
      await untilAsleep(ctx, first.actorId as string);
      const second = await json(ctx, await handle.fetch("/two"), "GET /request/two to the sleeping actor");
      ctx.equal({ actorId: second.actorId, path: second.path }, { actorId: first.actorId, path: "/two" }, "the actor that answered after the wake");
      ctx.equal(await call(handle, "hits"), 2, "the hits the actor counted across the sleep");
    },
  },
  {
    area: "gateway",
    name: "http/large-body",
    level: "required",
    description: "Raw HTTP through the gateway carries a 1 MiB request body and a 1 MiB response body byte for byte.",
    timeoutMs: 40_000,
    async run(ctx) {
      const handle = ctx.client().getOrCreate("raw", ctx.key("gw-large"));
      const upload = patternBytes(MIB).map((b) => b ^ 0x5a);
      const echoed = await json(ctx, await handle.fetch("/upload", { method: "POST", body: upload, headers: { "content-type": "application/octet-stream" } }), "POST of 1 MiB");
      ctx.equal({ length: echoed.length, checksum: echoed.checksum }, { length: MIB, checksum: checksum(upload) }, "the length and checksum of the 1 MiB body onRequest read");
      const download = await handle.fetch(`/bytes?n=${MIB}`);
      ctx.check(download.status === 200, `GET /bytes answered ${download.status}`);
      const bytes = new Uint8Array(await download.arrayBuffer());
      ctx.equal(bytes.length, MIB, "the length of the 1 MiB response body");
      const expected = patternBytes(MIB);
      const first = bytes.findIndex((b, i) => b !== expected[i]);
      ctx.check(first === -1, `the 1 MiB response differs from what the actor sent at byte ${first}`);
    },
  },
  {
    area: "gateway",
    name: "http/streamed-response",
    level: "recommended",
    description:
      "A response body of unknown length (the runner sends ToServerResponseChunk frames) reaches the client whole. Rivet's gateway drops response chunks, so this is recommended.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("raw", ctx.key("gw-stream"));
      const response = await handle.fetch("/stream", { signal: AbortSignal.timeout(10_000) });
      const text = await response.text();
      ctx.equal({ status: response.status, text }, { status: 200, text: "chunk0;chunk1;chunk2;" }, "the streamed response");
    },
  },
  {
    area: "gateway",
    name: "websocket/echo",
    level: "required",
    description: "A raw WebSocket through the gateway reaches onWebSocket; text and binary messages are echoed in order.",
    async run(ctx) {
      const ws = await openSocket(ctx, "gw-ws");
      try {
        const replies: (string | ArrayBuffer)[] = [];
        const all = new Promise<void>((resolve) =>
          ws.addEventListener("message", (e) => {
            replies.push(e.data as string | ArrayBuffer);
            if (replies.length === 4) resolve();
          }),
        );
        ws.send("one");
        ws.send(new Uint8Array([0, 1, 2, 255]));
        ws.send("two");
        ws.send("x".repeat(100_000));
        await Promise.race([all, new Promise((_, reject) => setTimeout(() => reject(new CaseFailure(`got ${replies.length} of 4 echoes within 10 s`)), 10_000))]);
        const shown = replies.map((r) => (typeof r === "string" ? (r.length > 20 ? `text(${r.length})` : r) : `bytes(${[...new Uint8Array(r)].join(",")})`));
        ctx.equal(shown, ["echo:one", "bytes(0,1,2,255)", "echo:two", `text(${"echo:".length + 100_000})`], "the echoes, in order");
      } finally {
        ws.close();
      }
    },
  },
  {
    area: "gateway",
    name: "websocket/large-message",
    level: "required",
    description: "A 1 MiB binary WebSocket message crosses the gateway both ways byte for byte.",
    timeoutMs: 40_000,
    async run(ctx) {
      const ws = await openSocket(ctx, "gw-ws-large");
      try {
        const payload = patternBytes(MIB);
        const reply = nextMessage(ws, 20_000);
        ws.send(payload);
        const data = await reply;
        ctx.check(typeof data !== "string", "the echo of a binary message came back as text");
        const bytes = new Uint8Array(data as ArrayBuffer);
        ctx.equal(bytes.length, MIB, "the length of the echoed message");
        const first = bytes.findIndex((b, i) => b !== payload[i]);
        ctx.check(first === -1, `the echoed message differs at byte ${first}`);
      } finally {
        ws.close();
      }
    },
  },
  {
    area: "gateway",
    name: "websocket/wakes-sleeping-actor",
    level: "required",
    description: "A raw WebSocket opened to a sleeping actor wakes it and is served by it.",
    async run(ctx) {
      const key = ctx.key("gw-ws-wake");
      const handle = ctx.client().getOrCreate("raw", key);
      const actorId = await handle.resolve();
      await call(handle, "sleep");
      await untilAsleep(ctx, actorId);
      const from = ctx.runner.mark;
      const ws = await handle.webSocket("/ws");
      try {
        const opened = new Promise<void>((resolve, reject) => {
          ws.addEventListener("open", () => resolve());
          ws.addEventListener("close", (e: CloseEvent) => reject(new CaseFailure(`the WebSocket closed (${e.code} ${e.reason}) before it opened`)));
        });
        await Promise.race([opened, new Promise((_, reject) => setTimeout(() => reject(new CaseFailure("the WebSocket to the sleeping actor did not open within 15 s")), 15_000))]);
        const reply = nextMessage(ws);
        ws.send("awake?");
        ctx.equal(await reply, "echo:awake?", "the echo from the woken actor");
        await ctx.waitForLine("the woken actor's onWebSocket", (l) => l.event === "raw-open" && l.actorId === actorId, { from, timeoutMs: 5_000 });
      } finally {
        ws.close();
      }
    },
  },
  {
    area: "gateway",
    name: "websocket/close-code",
    level: "required",
    description: "A close by the actor with an application code (4001) and reason reaches the client with that code and reason.",
    async run(ctx) {
      const ws = await openSocket(ctx, "gw-ws-close");
      const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", (e) => resolve(e)));
      ws.send("close:4001:bye now");
      const event = await Promise.race([closed, new Promise<never>((_, reject) => setTimeout(() => reject(new CaseFailure("no close within 10 s")), 10_000))]);
      ctx.equal({ code: event.code, reason: event.reason }, { code: 4001, reason: "bye now" }, "the close the client saw");
    },
  },
  {
    area: "gateway",
    name: "websocket/client-close",
    level: "required",
    description: "A close by the client reaches the actor, and the socket reports closed with the client's code.",
    async run(ctx) {
      const ws = await openSocket(ctx, "gw-ws-client-close");
      ws.send("ping");
      ctx.equal(await nextMessage(ws), "echo:ping", "the echo before the close");
      const closed = new Promise<CloseEvent>((resolve) => ws.addEventListener("close", (e) => resolve(e)));
      ws.close(4002, "client leaving");
      const event = await Promise.race([closed, new Promise<never>((_, reject) => setTimeout(() => reject(new CaseFailure("the close did not complete within 10 s")), 10_000))]);
      ctx.check(event.code === 4002 || event.code === 1000 || event.code === 1005, `the client's close completed with code ${event.code} (${event.reason})`);
    },
  },
  {
    area: "gateway",
    name: "connect/events",
    level: "required",
    description: "A /connect connection through the gateway gets Init, answers actions, and receives the events an action broadcasts, including one made by another client.",
    async run(ctx) {
      const key = ctx.key("gw-connect");
      const conn = ctx.client("cbor").getOrCreate("counter", key).connect();
      const seen: number[] = [];
      conn.on("changed", (value: number) => seen.push(value));
      await Promise.race([conn.ready, new Promise((_, reject) => setTimeout(() => reject(new CaseFailure("the connection did not open within 15 s")), 15_000))]);
      ctx.check(typeof conn.actorId === "string" && typeof conn.connId === "string", `Init did not give an actor and connection ID: ${show({ actorId: conn.actorId, connId: conn.connId })}`);
      ctx.equal(await (conn as unknown as { action: (o: { name: string; args: unknown[] }) => Promise<unknown> }).action({ name: "increment", args: [5] }), 5, "increment(5) over the connection");
      ctx.equal(await call(ctx.client("json").getOrCreate("counter", key), "increment", 2), 7, "increment(2) by another client");
      await ctx.until(`events 5 and 7 (seen ${show(seen)})`, () => (seen.length >= 2 ? true : undefined), 10_000);
      ctx.equal(seen, [5, 7], "the events the connection received");
      await conn.dispose();
    },
  },
];

