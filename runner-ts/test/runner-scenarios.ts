/**
 * The runner connection's end-to-end scenarios, written once and run against every engine
 * (ours and Rivet's binary): the same cases, the same host, only the engine differs.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { type SkipGroup, withSkips } from "@actorwire/testkit";
import { describe, expect, it as vitestIt } from "vitest";
import { WebSocket } from "ws";
import { type TestHost, patternBytes } from "./runner-host.js";

const MiB = 1024 * 1024;

/** What a scenario needs: the engine's base URL and the host connected to it. */
export interface ScenarioContext {
  readonly base: string;
  readonly host: TestHost;
  readonly runnerName: string;
}

/** Creates an actor through the public API (`PUT /actors`, get-or-create) and returns its ID. */
export async function createActor(ctx: ScenarioContext, key: string): Promise<string> {
  const res = await fetch(`${ctx.base}/actors?namespace=default`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "test", key, runner_name_selector: ctx.runnerName, crash_policy: "sleep" }),
  });
  const body = (await res.json()) as { actor?: { actor_id: string } };
  if (res.status !== 200 || body.actor === undefined) throw new Error(`PUT /actors answered ${res.status}: ${JSON.stringify(body)}`);
  return body.actor.actor_id;
}

/** Creates an actor and waits until the host has started it. */
export async function startedActor(ctx: ScenarioContext, key: string): Promise<string> {
  const actorId = await createActor(ctx, key);
  await ctx.host.next("start", (e) => e.actorId === actorId);
  return actorId;
}

export function gatewayUrl(ctx: ScenarioContext, actorId: string, path: string): string {
  return `${ctx.base}/gateway/${actorId}${path}`;
}

async function kv(ctx: ScenarioContext, actorId: string, op: string, body: object = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(gatewayUrl(ctx, actorId, `/kv/${op}`), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function kvOk(ctx: ScenarioContext, actorId: string, op: string, body: object = {}): Promise<Record<string, unknown>> {
  const res = await kv(ctx, actorId, op, body);
  expect(res, `kv ${op} ${JSON.stringify(body).slice(0, 200)}`).toMatchObject({ status: 200 });
  return res.body;
}

/** POSTs `/count` and returns its answer. */
export async function count(ctx: ScenarioContext, actorId: string): Promise<{ count: number; generation: number; runnerId: string }> {
  const res = await fetch(gatewayUrl(ctx, actorId, "/count"), { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as { count: number; generation: number; runnerId: string };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** What an engine's test file passes besides its context. */
export interface ScenarioOptions {
  /** Scenarios this engine does not support, each group with its reason; they are reported as skipped. */
  readonly skip?: readonly SkipGroup[];
}

/**
 * Registers every shared scenario; `context` is read inside each test (after beforeAll). The
 * host must have been made with `hibernate: true`.
 */
export function runnerScenarios(context: () => ScenarioContext, options: ScenarioOptions = {}): void {
  const it = withSkips(vitestIt, options.skip);
  describe("handshake and start", () => {
    it("registers the runner and starts an actor the API creates, with its name and key", async () => {
      const ctx = context();
      expect(ctx.host.runner.runnerId).toMatch(/\S/);
      const actorId = await startedActor(ctx, "hello");
      const start = await ctx.host.next("start", (e) => e.actorId === actorId);
      expect(start).toMatchObject({ generation: 0, name: "test", key: "hello" });
      // Reported running: the gateway reaches it.
      expect(await count(ctx, actorId)).toEqual({ count: 1, generation: 0, runnerId: ctx.host.runner.runnerId });
    });
  });

  describe("HTTP through the gateway", () => {
    it("relays method, path, query, headers and body both ways", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "http");
      const res = await fetch(gatewayUrl(ctx, actorId, "/echo?x=1&y=two"), {
        method: "POST",
        headers: { "content-type": "text/plain", "x-test": "yes" },
        body: "ping",
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-echo-method")).toBe("POST");
      expect(res.headers.get("x-echo-path")).toBe("/echo");
      expect(res.headers.get("x-echo-query")).toBe("?x=1&y=two");
      expect(res.headers.get("x-echo-header")).toBe("yes");
      expect(await res.text()).toBe("ping");

      const empty = await fetch(gatewayUrl(ctx, actorId, "/echo"));
      expect(empty.headers.get("x-echo-length")).toBe("0");
      expect((await empty.arrayBuffer()).byteLength).toBe(0);
    });

    it("carries a 10 MiB request body and a 10 MiB response body byte for byte", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "http-big");
      const body = randomBytes(10 * MiB);
      const res = await fetch(gatewayUrl(ctx, actorId, "/echo"), { method: "POST", body });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-echo-sha256")).toBe(sha256(body));
      expect(Buffer.from(await res.arrayBuffer()).equals(body)).toBe(true);

      const big = await fetch(gatewayUrl(ctx, actorId, `/bytes?n=${10 * MiB}`));
      expect(big.status).toBe(200);
      expect(Buffer.from(await big.arrayBuffer()).equals(patternBytes(10 * MiB))).toBe(true);
    });

    it("answers 500 when the handler throws, and 404 from the actor's own routing", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "http-errors");
      const thrown = await fetch(gatewayUrl(ctx, actorId, "/throw"), { method: "POST" });
      expect(thrown.status).toBe(500);
      expect(await thrown.text()).toBe("Internal Server Error");
      const missing = await fetch(gatewayUrl(ctx, actorId, "/nowhere"));
      expect(missing.status).toBe(404);
    });

    it("relays a response body of unknown length as a stream", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "streamed");
      const res = await fetch(gatewayUrl(ctx, actorId, "/stream?chunks=5&size=1000"));
      expect(res.status).toBe(200);
      expect(res.headers.get("x-streamed")).toBe("yes");
      // Chunked: the length was not known when the head went out.
      expect(res.headers.get("content-length")).toBeNull();
      expect(res.headers.get("transfer-encoding")).toBe("chunked");
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.length).toBe(5000);
      for (let n = 0; n < 5; n++) expect(body.subarray(n * 1000, (n + 1) * 1000).every((b) => b === 0x30 + n)).toBe(true);
    });
  });

  describe("WebSockets through the gateway", () => {
    async function open(ctx: ScenarioContext, actorId: string, path: string) {
      const ws = new WebSocket(`${ctx.base.replace(/^http/, "ws")}/gateway/${actorId}${path}`, ["rivet"]);
      const received: { data: Buffer; binary: boolean }[] = [];
      const wakeups: (() => void)[] = [];
      ws.on("message", (data: Buffer, binary: boolean) => {
        received.push({ data, binary });
        for (const w of wakeups.splice(0)) w();
      });
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      await once(ws, "open");
      const nextMessage = async () => {
        while (received.length === 0) await new Promise<void>((r) => wakeups.push(r));
        return received.shift() as { data: Buffer; binary: boolean };
      };
      return { ws, closed, nextMessage };
    }

    it("echoes text as text and binary as binary, in order", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "ws-echo");
      const from = ctx.host.mark;
      const { ws, nextMessage } = await open(ctx, actorId, "/ws/echo");
      await ctx.host.next("wsOpen", (e) => e.actorId === actorId, { from });
      ws.send("hello, actor");
      expect(await nextMessage()).toMatchObject({ binary: false, data: Buffer.from("hello, actor") });
      const payload = randomBytes(64 * 1024);
      ws.send(payload);
      const echoed = await nextMessage();
      expect(echoed.binary).toBe(true);
      expect(echoed.data.equals(payload)).toBe(true);
      for (let i = 0; i < 10; i++) ws.send(i % 2 === 0 ? `t${i}` : Buffer.from([i, i]));
      for (let i = 0; i < 10; i++) {
        const m = await nextMessage();
        if (i % 2 === 0) expect([m.binary, m.data.toString()]).toEqual([false, `t${i}`]);
        else expect([m.binary, [...m.data]]).toEqual([true, [i, i]]);
      }
      ws.close(1000, "done");
      expect(await ctx.host.next("wsClose", (e) => e.actorId === actorId, { from })).toMatchObject({ code: 1000, reason: "done" });
    });

    it("passes close codes and reasons both ways", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "ws-close");
      let from = ctx.host.mark;
      const client = await open(ctx, actorId, "/ws/client-closes");
      await ctx.host.next("wsOpen", (e) => e.actorId === actorId, { from });
      client.ws.close(4001, "bye");
      expect(await ctx.host.next("wsClose", (e) => e.path === "/ws/client-closes", { from })).toMatchObject({ code: 4001, reason: "bye" });
      await client.closed;

      from = ctx.host.mark;
      const actor = await open(ctx, actorId, "/ws/actor-closes");
      await ctx.host.next("wsOpen", (e) => e.path === "/ws/actor-closes", { from });
      actor.ws.send("close:4002:actor says goodbye");
      expect(await actor.closed).toEqual({ code: 4002, reason: "actor says goodbye" });
      expect(await ctx.host.next("wsClose", (e) => e.path === "/ws/actor-closes", { from })).toMatchObject({ code: 4002, reason: "actor says goodbye" });
    });
  });

  describe("KV", () => {
    it("gets in the asked order with null for missing keys, and lists all, by prefix and by range", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "kv-read");
      await kvOk(ctx, actorId, "put", { entries: [["b1", "v-b1"], ["a2", "v-a2"], ["c", "v-c"], ["a1", "v-a1"], ["b2", "v-b2"]] });
      expect(await kvOk(ctx, actorId, "get", { keys: ["c", "missing", "a1", "b", "c"] })).toEqual({ values: ["v-c", null, "v-a1", null, "v-c"] });
      expect(await kvOk(ctx, actorId, "get", { keys: [] })).toEqual({ values: [] });
      // More than 8 keys takes the map path of the reordering.
      const many = ["c", "b2", "zz", "b1", "a2", "a1", "nope", "c", "a1", "b2"];
      expect(await kvOk(ctx, actorId, "get", { keys: many })).toEqual({
        values: ["v-c", "v-b2", null, "v-b1", "v-a2", "v-a1", null, "v-c", "v-a1", "v-b2"],
      });

      const keys = async (body: object) => ((await kvOk(ctx, actorId, "list", body)).entries as string[][]).map(([k]) => k);
      expect(await kvOk(ctx, actorId, "list", { mode: "all" })).toEqual({
        entries: [["a1", "v-a1"], ["a2", "v-a2"], ["b1", "v-b1"], ["b2", "v-b2"], ["c", "v-c"]],
      });
      expect(await keys({ mode: "all", reverse: true, limit: 2 })).toEqual(["c", "b2"]);
      expect(await keys({ mode: "all", limit: 1 })).toEqual(["a1"]);
      expect(await keys({ mode: "prefix", prefix: "a" })).toEqual(["a1", "a2"]);
      expect(await keys({ mode: "prefix", prefix: "b", reverse: true })).toEqual(["b2", "b1"]);
      expect(await keys({ mode: "prefix", prefix: "zz" })).toEqual([]);
      expect(await keys({ mode: "range", start: "a1", end: "b1" })).toEqual(["a1", "a2", "b1"]);
      expect(await keys({ mode: "range", start: "a1", end: "b1", reverse: true })).toEqual(["b1", "a2", "a1"]);
      expect(await keys({ mode: "range", start: "a1", end: "b1", exclusive: true })).toEqual(["a1", "a2"]);
      expect(await keys({ mode: "range", start: "a1", end: "b1", exclusive: true, reverse: true, limit: 1 })).toEqual(["a2"]);
      expect(await keys({ mode: "range", start: "x", end: "z" })).toEqual([]);
    });

    it("deletes keys (missing ones included), a half-open range, and everything with drop", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "kv-write");
      await kvOk(ctx, actorId, "put", { entries: [["d1", "x"], ["d2", "x"], ["d3", "x"], ["e", "x"], ["f", "x"]] });
      await kvOk(ctx, actorId, "delete", { keys: ["d1", "never-there"] });
      expect(await kvOk(ctx, actorId, "get", { keys: ["d1", "d2"] })).toEqual({ values: [null, "x"] });
      await kvOk(ctx, actorId, "deleteRange", { start: "d2", end: "e" });
      expect(await kvOk(ctx, actorId, "list", { mode: "all" })).toEqual({ entries: [["e", "x"], ["f", "x"]] });
      await kvOk(ctx, actorId, "drop");
      expect(await kvOk(ctx, actorId, "list", { mode: "all" })).toEqual({ entries: [] });
      await kvOk(ctx, actorId, "put", { entries: [["again", "1"]] });
      expect(await kvOk(ctx, actorId, "list", { mode: "all" })).toEqual({ entries: [["again", "1"]] });
    });

    it("takes every limit exactly and refuses one more, before sending, with a clear error", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "kv-limits");
      const keysOf = (n: number) => Array.from({ length: n }, (_, i) => `k/${String(i).padStart(3, "0")}`);
      // 128 keys.
      await kvOk(ctx, actorId, "put", { entries: keysOf(128).map((k) => [k, k]) });
      expect((await kvOk(ctx, actorId, "get", { keys: keysOf(128) })).values).toEqual(keysOf(128));
      expect(await kv(ctx, actorId, "put", { entries: keysOf(129).map((k) => [k, "new"]) })).toEqual({
        status: 500,
        body: { error: "A maximum of 128 key-value entries is allowed", id: "kv.limit_exceeded" },
      });
      expect((await kv(ctx, actorId, "get", { keys: keysOf(129) })).body).toEqual({ error: "a maximum of 128 keys is allowed", id: "kv.limit_exceeded" });
      expect((await kv(ctx, actorId, "delete", { keys: keysOf(129) })).body).toEqual({ error: "a maximum of 128 keys is allowed", id: "kv.limit_exceeded" });
      await kvOk(ctx, actorId, "delete", { keys: keysOf(128) });

      // A 128 KiB value.
      await kvOk(ctx, actorId, "put", { entries: [["big", { repeat: 128 * 1024, byte: 0x62 }]] });
      expect(((await kvOk(ctx, actorId, "get", { keys: ["big"] })).values as string[])[0]?.length).toBe(128 * 1024);
      expect((await kv(ctx, actorId, "put", { entries: [["big", { repeat: 128 * 1024 + 1 }]] })).body).toEqual({
        error: "value is too large (max 128 KiB)",
        id: "kv.limit_exceeded",
      });

      // A key of 2046 bytes (2048 as the engine measures it).
      await kvOk(ctx, actorId, "put", { entries: [[{ repeat: 2046, byte: 0x6b }, "long key"]] });
      expect(await kvOk(ctx, actorId, "get", { keys: [{ repeat: 2046, byte: 0x6b }] })).toEqual({ values: ["long key"] });
      expect((await kv(ctx, actorId, "get", { keys: [{ repeat: 2047, byte: 0x6b }] })).body).toEqual({
        error: "key is too long (max 2048 bytes)",
        id: "kv.limit_exceeded",
      });

      // A put of exactly 976 KiB: eight 2-byte keys (4 bytes each as measured), seven 128 KiB values and the rest.
      const total = 976 * 1024;
      const rest = total - 8 * 4 - 7 * 128 * 1024;
      const entries = (last: number) => [...Array.from({ length: 7 }, (_, i) => [`p${i}`, { repeat: 128 * 1024 }]), ["p7", { repeat: last }]];
      await kvOk(ctx, actorId, "put", { entries: entries(rest) });
      expect(((await kvOk(ctx, actorId, "get", { keys: ["p7"] })).values as string[])[0]?.length).toBe(rest);
      expect((await kv(ctx, actorId, "put", { entries: entries(rest + 1) })).body).toEqual({
        error: "total payload is too large (max 976 KiB)",
        id: "kv.limit_exceeded",
      });
    });
  });

  describe("sleep and wake", () => {
    it("stops an actor that asks to sleep and starts it again on the next request, with its KV", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "sleepy");
      expect(await count(ctx, actorId)).toMatchObject({ count: 1, generation: 0 });
      const from = ctx.host.mark;
      expect((await fetch(gatewayUrl(ctx, actorId, "/sleep"), { method: "POST" })).status).toBe(200);
      expect(await ctx.host.next("stop", (e) => e.actorId === actorId, { from })).toMatchObject({ generation: 0, reason: "sleep" });

      expect(await count(ctx, actorId)).toMatchObject({ count: 2, generation: 1 });
      expect(ctx.host.all("start").filter((e) => e.actorId === actorId).map((e) => e.generation)).toEqual([0, 1]);
    });

    it("wakes a sleeping actor at its alarm, without any request", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "alarm");
      expect(await count(ctx, actorId)).toMatchObject({ count: 1, generation: 0 });
      const from = ctx.host.mark;
      expect((await fetch(gatewayUrl(ctx, actorId, "/alarm?in=1500&sleep=1"), { method: "POST" })).status).toBe(200);
      await ctx.host.next("stop", (e) => e.actorId === actorId && e.generation === 0, { from });
      // Nothing asks for the actor: only its alarm can start it again.
      await ctx.host.next("start", (e) => e.actorId === actorId && e.generation === 1, { from, timeoutMs: 30_000 });
      expect(await count(ctx, actorId)).toMatchObject({ count: 2, generation: 1 });
    });

    it("stops an actor that asks to be destroyed with reason destroy", async () => {
      const ctx = context();
      const actorId = await startedActor(ctx, "doomed");
      const from = ctx.host.mark;
      expect((await fetch(gatewayUrl(ctx, actorId, "/destroy"), { method: "POST" })).status).toBe(200);
      expect(await ctx.host.next("stop", (e) => e.actorId === actorId, { from })).toMatchObject({ generation: 0, reason: "destroy" });
    });

    it("keeps a hibernatable WebSocket across a sleep and wakes the actor for its next message", async () => {
      await hibernationAcrossSleep(context(), "hibernating");
    });
  });

  vitestIt("skips only scenarios the suite has", () => it.checkAllUsed());
}

/**
 * A hibernatable WebSocket across a sleep: the client stays connected while the actor
 * sleeps, its next message wakes the actor, and the restored socket answers it.
 */
async function hibernationAcrossSleep(ctx: ScenarioContext, key: string): Promise<void> {
  const actorId = await startedActor(ctx, key);
  const ws = new WebSocket(`${ctx.base.replace(/^http/, "ws")}/gateway/${actorId}/hws/chat`, ["rivet"]);
  const received: string[] = [];
  const wakeups: (() => void)[] = [];
  ws.on("message", (data: Buffer) => {
    received.push(data.toString());
    for (const w of wakeups.splice(0)) w();
  });
  let closed: { code: number; reason: string } | undefined;
  ws.on("close", (code, reason) => {
    closed = { code, reason: reason.toString() };
  });
  await once(ws, "open");
  const next = async () => {
    while (received.length === 0) await new Promise<void>((r) => wakeups.push(r));
    return received.shift() as string;
  };
  ws.send("one");
  expect(await next()).toBe("one (generation 0)");
  const from = ctx.host.mark;
  ws.send("sleep");
  expect(await next()).toBe("sleep (generation 0)");
  await ctx.host.next("stop", (e) => e.actorId === actorId && e.generation === 0, { from });
  // Asleep, the client is still connected.
  expect(closed).toBeUndefined();
  ws.send("two");
  expect(await next()).toBe("two (generation 1)");
  ws.send("three");
  expect(await next()).toBe("three (generation 1)");
  expect(ctx.host.persisted.get(actorId)?.length).toBe(1);
  ws.close(1000, "done");
  await ctx.host.next("wsClose", (e) => e.actorId === actorId && e.path === "/hws/chat", { from });
  expect(ctx.host.persisted.get(actorId)).toEqual([]);
}
