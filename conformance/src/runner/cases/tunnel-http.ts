/** Tunnel HTTP cases (`rivet-protocol.md` §1.7, §1.9), against the http-echo and crasher actors. */
import { MAX_TUNNEL_PAYLOAD_BYTES, runner } from "@actorwire/protocol";
import { createHash } from "node:crypto";
import { GATEWAY_ID, type CaseContext, type RunnerCase } from "../context.js";
import { tunnelKey } from "../invariants.js";

const decoder = new TextDecoder();

function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

const digest = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex").slice(0, 16);

function echoBodyCase(size: number, level: "required" | "recommended" = "required"): RunnerCase {
  return {
    name: `tunnel/http/body-size/${size}`,
    level,
    description: `A ${size}-byte request body is echoed back whole in one response${size === 0 ? " (an empty body travels as body=null or empty)" : ""}.`,
    timeoutMs: 40_000,
    async run(ctx) {
      const actor = await ctx.started("http-echo");
      const body = pattern(size);
      const result = await ctx.http(actor.actorId, { method: "POST", path: "/echo", body }, 30_000);
      ctx.check(!result.aborted && result.status === 200, `answered ${result.aborted ? "with an abort" : result.status}`);
      ctx.check(result.body.byteLength === size && digest(result.body) === digest(body), `the echoed body has ${result.body.byteLength} bytes (sha256 ${digest(result.body)}), sent ${size} (sha256 ${digest(body)})`);
    },
  };
}

async function responseOf(ctx: CaseContext, n: number): Promise<{ status: number; aborted: boolean; body: Uint8Array }> {
  const actor = await ctx.started("http-echo");
  return ctx.http(actor.actorId, { path: `/bytes?n=${n}` }, 30_000);
}

export const tunnelHttpCases: RunnerCase[] = [
  {
    name: "tunnel/http/status-and-headers",
    level: "required",
    description: "Status, headers and the path with its query string reach the actor and come back as it answered.",
    async run(ctx) {
      const actor = await ctx.started("http-echo");
      const result = await ctx.http(actor.actorId, { method: "PUT", path: "/echo?status=201&x=%20y", headers: { "x-echo-one": "1", "x-echo-utf8": "héllo", "content-type": "text/plain" }, body: new TextEncoder().encode("hi") });
      ctx.check(result.status === 201, `status ${result.status}, asked 201`);
      const header = (name: string): string | undefined => result.headers.get(name);
      ctx.check(header("x-echo-one") === "1", `x-echo-one: ${header("x-echo-one")}`);
      ctx.check(header("x-echo-utf8") === "héllo", `x-echo-utf8: ${header("x-echo-utf8")}`);
      ctx.check(header("x-method") === "PUT", `x-method: ${header("x-method")}`);
      ctx.check(header("x-path") === "/echo?status=201&x=%20y", `x-path: ${header("x-path")}`);
      ctx.check(decoder.decode(result.body) === "hi", `body ${JSON.stringify(decoder.decode(result.body))}`);
      for (const status of [204, 404, 503]) {
        const r = await ctx.http(actor.actorId, { path: `/echo?status=${status}` });
        ctx.check(r.status === status, `status ${r.status}, asked ${status}`);
      }
    },
  },
  echoBodyCase(0),
  echoBodyCase(16_385),
  echoBodyCase(1_048_576),
  {
    name: `tunnel/http/body-size/${MAX_TUNNEL_PAYLOAD_BYTES}`,
    level: "required",
    description: "A response body of exactly 20 MiB (the engine's limit) is sent whole.",
    timeoutMs: 40_000,
    async run(ctx) {
      const result = await responseOf(ctx, MAX_TUNNEL_PAYLOAD_BYTES);
      ctx.check(!result.aborted && result.status === 200, `answered ${result.aborted ? "with an abort" : result.status}`);
      ctx.check(result.body.byteLength === MAX_TUNNEL_PAYLOAD_BYTES && digest(result.body) === digest(pattern(MAX_TUNNEL_PAYLOAD_BYTES)), `the body has ${result.body.byteLength} bytes`);
    },
  },
  {
    name: "tunnel/http/body-size/over-limit",
    level: "required",
    description: "A response body one byte over 20 MiB is refused without sending it (an error status or ResponseAbort), and the connection stays up.",
    timeoutMs: 40_000,
    async run(ctx) {
      const conn = ctx.conn();
      const result = await responseOf(ctx, MAX_TUNNEL_PAYLOAD_BYTES + 1);
      ctx.check(result.aborted || result.status >= 400, `answered ${result.status} with ${result.body.byteLength} bytes`);
      ctx.check(ctx.conn() === conn, "the runner connection was replaced");
      await ctx.alive();
    },
  },
  {
    name: "tunnel/http/concurrent",
    level: "required",
    description: "Ten concurrent requests answered in a different order each get exactly their own response.",
    async run(ctx) {
      const actor = await ctx.started("http-echo");
      const delays = [450, 50, 300, 0, 200, 400, 100, 350, 150, 250];
      const results = await Promise.all(delays.map((ms, i) => ctx.http(actor.actorId, { method: "POST", path: `/echo?i=${i}`, headers: { "x-echo-i": String(i) }, body: new TextEncoder().encode(`body-${i}`) })));
      results.forEach((r, i) => ctx.check(r.headers.get("x-echo-i") === String(i) && decoder.decode(r.body) === `body-${i}`, `request ${i} got ${r.headers.get("x-echo-i")} ${JSON.stringify(decoder.decode(r.body))}`));
      const slow = await Promise.all(delays.map((ms) => ctx.http(actor.actorId, { method: "POST", path: `/slow?ms=${ms}` })));
      slow.forEach((r, i) => ctx.check(r.status === 200, `slow request ${i} answered ${r.status}`));
    },
  },
  {
    name: "tunnel/http/handler-throws",
    level: "required",
    description: "A request whose handler throws gets exactly one error response (status 500 or higher, or an abort), and the actor keeps serving.",
    async run(ctx) {
      const actor = await ctx.started("crasher");
      const result = await ctx.http(actor.actorId, { method: "POST", path: "/throw" });
      ctx.check(result.aborted || result.status >= 500, `answered ${result.status}`);
      const again = await ctx.json(actor.actorId, "GET", "/info");
      ctx.check(again.status === 200, `GET /info answered ${again.status} afterwards`);
    },
  },
  {
    name: "tunnel/http/message-index",
    level: "recommended",
    description: "The runner numbers its tunnel messages per request from 0.",
    async run(ctx) {
      const actor = await ctx.started("http-echo");
      const result = await ctx.http(actor.actorId, { path: "/echo" });
      ctx.check(result.indices[0] === 0, `the response's message index is ${result.indices[0]}`);
    },
  },
  {
    name: "tunnel/http/streamed-request",
    level: "recommended",
    description: "A request with stream=true whose body arrives in ToClientRequestChunk messages is answered with the whole body.",
    async run(ctx) {
      const actor = await ctx.started("http-echo");
      const requestId = ctx.ids.requestId();
      const key = tunnelKey(GATEWAY_ID, requestId);
      const since = ctx.engine.trace.mark;
      const message = (index: number, kind: runner.v7.ToClientTunnelMessageKind): runner.v7.ToClient => ({ tag: "ToClientTunnelMessage", val: { messageId: { gatewayId: GATEWAY_ID, requestId, messageIndex: index }, messageKind: kind } });
      const enc = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer as ArrayBuffer;
      ctx.conn().send(message(0, { tag: "ToClientRequestStart", val: { actorId: actor.actorId, method: "POST", path: "/echo", headers: new Map(), body: null, stream: true } }));
      ctx.conn().send(message(1, { tag: "ToClientRequestChunk", val: { body: enc("hello "), finish: false } }));
      ctx.conn().send(message(2, { tag: "ToClientRequestChunk", val: { body: enc("world"), finish: true } }));
      const result = await ctx.awaitResponse(key, since, "the streamed request", 2000);
      ctx.check(decoder.decode(result.body) === "hello world", `echoed ${JSON.stringify(decoder.decode(result.body))}`);
    },
  },
  {
    name: "tunnel/http/unknown-actor",
    level: "recommended",
    description: "A request for an actor the runner does not host is answered 503 with x-rivet-error: runner.actor_not_found (so the gateway retries), not left hanging.",
    async run(ctx) {
      const result = await ctx.http(ctx.ids.actorId("nobody"), { path: "/info" }, 2000);
      ctx.check(result.status === 503 && result.headers.get("x-rivet-error") === "runner.actor_not_found", `answered ${result.status} x-rivet-error=${result.headers.get("x-rivet-error")}`);
    },
  },
];
