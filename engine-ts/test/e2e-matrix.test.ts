import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { EngineProcess } from "@actorwire/testkit";
import { RunnerProcess } from "./support/runner-process.js";
import { patternBytes } from "./support/test-actor.js";

// The engine issue's end-to-end matrix, part one: the engine binary and Rivet's own runner
// (@rivetkit/engine-runner@2.2.1, in a child process) hosting the test actor, reached through
// our gateway. HTTP with small and 10 MiB bodies, WebSocket frames and close codes both ways,
// the six KV operations at their edges, sleep and wake, and a wake by alarm.

const RUNNER = "matrix";
const MiB = 1024 * 1024;
let engine: EngineProcess;
let runner: RunnerProcess;

beforeAll(async () => {
  engine = await EngineProcess.start();
  runner = await RunnerProcess.start({ endpoint: engine.base, name: RUNNER });
});

afterAll(async () => {
  await runner?.kill();
  await engine?.close();
});

/** Creates an actor for the runner and waits until Rivet's runner has started it. */
async function startedActor(key: string): Promise<string> {
  const actorId = await engine.createActor({ key, runnerName: RUNNER });
  await runner.actorStart(actorId, 0);
  return actorId;
}

/** One KV call of Rivet's runner API, made by the actor. */
async function kv(actorId: string, op: string, body: object = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(engine.gatewayUrl(actorId, `/request/kv/${op}`), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function kvOk(actorId: string, op: string, body: object = {}): Promise<Record<string, unknown>> {
  const res = await kv(actorId, op, body);
  expect(res, `kv ${op} ${JSON.stringify(body).slice(0, 200)}`).toMatchObject({ status: 200 });
  return res.body;
}

async function count(actorId: string): Promise<{ count: number; generation: number; runnerId: string }> {
  const res = await fetch(engine.gatewayUrl(actorId, "/request/count"), { method: "POST" });
  expect(res.status).toBe(200);
  return (await res.json()) as { count: number; generation: number; runnerId: string };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("HTTP through the gateway", () => {
  let actorId: string;
  beforeAll(async () => {
    actorId = await startedActor("http");
  });

  it("relays small requests and responses with method, path, query, headers and body", async () => {
    const res = await fetch(engine.gatewayUrl(actorId, "/request/echo?x=1&y=two"), {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "ping",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-echo-method")).toBe("POST");
    expect(res.headers.get("x-echo-path")).toBe("/request/echo");
    expect(res.headers.get("x-echo-query")).toBe("?x=1&y=two");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("x-rivet-ray-id")).not.toBeNull();
    expect(await res.text()).toBe("ping");

    const empty = await fetch(engine.gatewayUrl(actorId, "/request/echo"));
    expect(empty.status).toBe(200);
    expect(empty.headers.get("x-echo-method")).toBe("GET");
    expect(empty.headers.get("x-echo-length")).toBe("0");
    expect((await empty.arrayBuffer()).byteLength).toBe(0);

    const small = randomBytes(1000);
    const put = await fetch(engine.gatewayUrl(actorId, "/request/echo"), { method: "PUT", body: small });
    expect(Buffer.from(await put.arrayBuffer()).equals(small)).toBe(true);
    // The echo handler counts its requests in the actor's KV.
    expect(put.headers.get("x-request-count")).toBe("3");
  });

  it("carries a 10 MiB request body and a 10 MiB response body byte for byte", async () => {
    const body = randomBytes(10 * MiB);
    const res = await fetch(engine.gatewayUrl(actorId, "/request/echo"), { method: "POST", body });
    expect(res.status).toBe(200);
    // What the actor received, and what came back.
    expect(res.headers.get("x-echo-length")).toBe(String(10 * MiB));
    expect(res.headers.get("x-echo-sha256")).toBe(sha256(body));
    const echoed = Buffer.from(await res.arrayBuffer());
    expect(echoed.length).toBe(10 * MiB);
    expect(echoed.equals(body)).toBe(true);

    const big = await fetch(engine.gatewayUrl(actorId, `/request/bytes?n=${10 * MiB}`));
    expect(big.status).toBe(200);
    const served = Buffer.from(await big.arrayBuffer());
    expect(served.length).toBe(10 * MiB);
    expect(served.equals(patternBytes(10 * MiB))).toBe(true);
  });
});

describe("WebSockets through the gateway", () => {
  let actorId: string;
  beforeAll(async () => {
    actorId = await startedActor("ws");
  });

  /** Opens a socket to the actor and collects what it receives. */
  async function open(path: string) {
    const ws = new WebSocket(engine.websocketUrl(actorId, path), ["rivet"]);
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

  it("echoes text frames as text and binary frames as binary", async () => {
    const from = runner.events.mark;
    const { ws, nextMessage } = await open("/ws/echo");
    await runner.next("wsOpen", (e) => e.actorId === actorId && e.path === "/ws/echo", { from });

    ws.send("hello, actor");
    const text = await nextMessage();
    expect(text.binary).toBe(false);
    expect(text.data.toString()).toBe("hello, actor");

    const payload = randomBytes(64 * 1024);
    ws.send(payload);
    const binary = await nextMessage();
    expect(binary.binary).toBe(true);
    expect(binary.data.equals(payload)).toBe(true);

    const large = randomBytes(4 * MiB);
    ws.send(large);
    const echoedLarge = await nextMessage();
    expect(echoedLarge.binary).toBe(true);
    expect(echoedLarge.data.equals(large)).toBe(true);

    // Order is kept across many frames of both kinds.
    for (let i = 0; i < 20; i++) ws.send(i % 2 === 0 ? `t${i}` : Buffer.from([i, i, i]));
    for (let i = 0; i < 20; i++) {
      const m = await nextMessage();
      if (i % 2 === 0) expect([m.binary, m.data.toString()]).toEqual([false, `t${i}`]);
      else expect([m.binary, [...m.data]]).toEqual([true, [i, i, i]]);
    }
    ws.close(1000, "done");
    expect(await runner.next("wsClose", (e) => e.actorId === actorId && e.path === "/ws/echo", { from })).toMatchObject({ code: 1000, reason: "done" });
  });

  it("passes the client's close code and reason to the actor", async () => {
    const from = runner.events.mark;
    const { ws, closed } = await open("/ws/client-closes");
    await runner.next("wsOpen", (e) => e.actorId === actorId && e.path === "/ws/client-closes", { from });
    ws.close(4001, "bye");
    const seen = await runner.next("wsClose", (e) => e.actorId === actorId && e.path === "/ws/client-closes", { from });
    expect(seen).toMatchObject({ code: 4001, reason: "bye" });
    await closed;
  });

  it("passes the actor's close code and reason to the client", async () => {
    const from = runner.events.mark;
    const { ws, closed } = await open("/ws/actor-closes");
    await runner.next("wsOpen", (e) => e.actorId === actorId && e.path === "/ws/actor-closes", { from });
    ws.send("close:4002:actor says goodbye");
    expect(await closed).toEqual({ code: 4002, reason: "actor says goodbye" });
    const seen = await runner.next("wsClose", (e) => e.actorId === actorId && e.path === "/ws/actor-closes", { from });
    expect(seen).toMatchObject({ code: 4002, reason: "actor says goodbye" });
  });
});

describe("KV through Rivet's runner API", () => {
  let actorId: string;
  beforeAll(async () => {
    actorId = await startedActor("kv");
    await kvOk(actorId, "put", {
      entries: [
        ["b1", "v-b1"],
        ["a2", "v-a2"],
        ["c", "v-c"],
        ["a1", "v-a1"],
        ["b2", "v-b2"],
      ],
    });
  });

  it("gets values in the asked order, with null for missing keys", async () => {
    expect(await kvOk(actorId, "get", { keys: ["c", "missing", "a1", "b"] })).toEqual({ values: ["v-c", null, "v-a1", null] });
    expect(await kvOk(actorId, "get", { keys: [] })).toEqual({ values: [] });
  });

  it("lists everything in byte order, reversed and limited", async () => {
    expect(await kvOk(actorId, "list", { mode: "all" })).toEqual({
      entries: [
        ["a1", "v-a1"],
        ["a2", "v-a2"],
        ["b1", "v-b1"],
        ["b2", "v-b2"],
        ["c", "v-c"],
      ],
    });
    expect(await kvOk(actorId, "list", { mode: "all", reverse: true, limit: 2 })).toEqual({
      entries: [
        ["c", "v-c"],
        ["b2", "v-b2"],
      ],
    });
    expect(await kvOk(actorId, "list", { mode: "all", limit: 1 })).toEqual({ entries: [["a1", "v-a1"]] });
  });

  it("lists a range with its end included unless exclusive", async () => {
    const keys = async (body: object) => ((await kvOk(actorId, "list", { mode: "range", ...body })).entries as string[][]).map(([k]) => k);
    expect(await keys({ start: "a1", end: "b1" })).toEqual(["a1", "a2", "b1"]);
    expect(await keys({ start: "a1", end: "b1", reverse: true })).toEqual(["b1", "a2", "a1"]);
    expect(await keys({ start: "a1", end: "b1", exclusive: true })).toEqual(["a1", "a2"]);
    expect(await keys({ start: "a1", end: "b1", exclusive: true, reverse: true, limit: 1 })).toEqual(["a2"]);
    expect(await keys({ start: "a", end: "b" })).toEqual(["a1", "a2"]);
    expect(await keys({ start: "x", end: "z" })).toEqual([]);
  });

  it("lists a prefix", async () => {
    const keys = async (body: object) => ((await kvOk(actorId, "list", { mode: "prefix", ...body })).entries as string[][]).map(([k]) => k);
    expect(await keys({ prefix: "a" })).toEqual(["a1", "a2"]);
    expect(await keys({ prefix: "b", reverse: true })).toEqual(["b2", "b1"]);
    expect(await keys({ prefix: "b", limit: 1 })).toEqual(["b1"]);
    expect(await keys({ prefix: "zz" })).toEqual([]);
  });

  it("deletes keys, missing ones included, and a half-open range", async () => {
    await kvOk(actorId, "put", { entries: [["d1", "x"], ["d2", "x"], ["d3", "x"], ["e", "x"]] });
    await kvOk(actorId, "delete", { keys: ["d1", "never-there"] });
    expect(await kvOk(actorId, "get", { keys: ["d1", "d2"] })).toEqual({ values: [null, "x"] });
    // [d2, e): d2 and d3 go, e stays.
    await kvOk(actorId, "deleteRange", { start: "d2", end: "e" });
    expect(((await kvOk(actorId, "list", { mode: "prefix", prefix: "d" })).entries as unknown[]).length).toBe(0);
    expect(await kvOk(actorId, "get", { keys: ["e"] })).toEqual({ values: ["x"] });
    await kvOk(actorId, "delete", { keys: ["e"] });
  });

  it("takes a 128 KiB value and refuses one byte more with a clear error", async () => {
    await kvOk(actorId, "put", { entries: [["big", { repeat: 128 * 1024, byte: 0x62 }]] });
    const [value] = (await kvOk(actorId, "get", { keys: ["big"] })).values as string[];
    expect(value?.length).toBe(128 * 1024);
    expect(value?.[0]).toBe("b");

    const refused = await kv(actorId, "put", { entries: [["big", { repeat: 128 * 1024 + 1, byte: 0x63 }]] });
    expect(refused.status).toBe(500);
    expect(refused.body.error).toBe("value is too large (max 128 KiB)");
    // Nothing of the refused put was written.
    const [after] = (await kvOk(actorId, "get", { keys: ["big"] })).values as string[];
    expect(after?.[0]).toBe("b");
    await kvOk(actorId, "delete", { keys: ["big"] });
  });

  it("takes 128 keys in one call and refuses 129", async () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `many/${String(i).padStart(3, "0")}`);
    await kvOk(actorId, "put", { entries: keys(128).map((k) => [k, k]) });
    const got = (await kvOk(actorId, "get", { keys: keys(128) })).values as string[];
    expect(got).toEqual(keys(128));

    const put = await kv(actorId, "put", { entries: keys(129).map((k) => [k, "new"]) });
    expect(put).toEqual({ status: 500, body: { error: "A maximum of 128 key-value entries is allowed" } });
    expect((await kv(actorId, "get", { keys: keys(129) })).body).toEqual({ error: "a maximum of 128 keys is allowed" });
    expect((await kv(actorId, "delete", { keys: keys(129) })).body).toEqual({ error: "a maximum of 128 keys is allowed" });
    // The refused calls changed nothing.
    expect(((await kvOk(actorId, "list", { mode: "prefix", prefix: "many/" })).entries as string[][]).map(([, v]) => v)).toEqual(keys(128));
    await kvOk(actorId, "deleteRange", { start: "many/", end: "many0" });
  });

  it("drops all of the actor's KV", async () => {
    expect(((await kvOk(actorId, "list", { mode: "all" })).entries as unknown[]).length).toBe(5);
    await kvOk(actorId, "drop");
    expect(await kvOk(actorId, "list", { mode: "all" })).toEqual({ entries: [] });
    expect(await kvOk(actorId, "get", { keys: ["a1"] })).toEqual({ values: [null] });
    // The actor can write again after a drop.
    await kvOk(actorId, "put", { entries: [["again", "1"]] });
    expect(await kvOk(actorId, "list", { mode: "all" })).toEqual({ entries: [["again", "1"]] });
  });
});

describe("sleep and wake", () => {
  it("wakes a sleeping actor on the next gateway request, in a new generation, with its KV state", async () => {
    const actorId = await startedActor("sleepy");
    expect(await count(actorId)).toMatchObject({ count: 1, generation: 0 });
    expect(await count(actorId)).toMatchObject({ count: 2, generation: 0 });

    const from = engine.lines.mark;
    const res = await fetch(engine.gatewayUrl(actorId, "/request/sleep"), { method: "POST" });
    expect(res.status).toBe(200);
    await runner.actorStop(actorId, 0);
    await engine.transition(actorId, "sleeping", { from });

    expect(await count(actorId)).toMatchObject({ count: 3, generation: 1 });
    await runner.actorStart(actorId, 1);
    expect(runner.all("actorStart").filter((e) => e.actorId === actorId).map((e) => e.generation)).toEqual([0, 1]);
  });

  it("wakes a sleeping actor once for many concurrent requests", async () => {
    const actorId = await startedActor("sleepy-many");
    const from = engine.lines.mark;
    expect((await fetch(engine.gatewayUrl(actorId, "/request/sleep"), { method: "POST" })).status).toBe(200);
    await engine.transition(actorId, "sleeping", { from });

    const bodies = Array.from({ length: 20 }, (_, i) => `request ${i}`);
    const answers = await Promise.all(
      bodies.map(async (body) => {
        const res = await fetch(engine.gatewayUrl(actorId, "/request/echo"), { method: "POST", body });
        return [res.status, await res.text()];
      }),
    );
    expect(answers).toEqual(bodies.map((b) => [200, b]));
    expect(runner.all("actorStart").filter((e) => e.actorId === actorId).map((e) => e.generation)).toEqual([0, 1]);
  });

  it("wakes a sleeping actor for a WebSocket", async () => {
    const actorId = await startedActor("sleepy-ws");
    const from = engine.lines.mark;
    expect((await fetch(engine.gatewayUrl(actorId, "/request/sleep"), { method: "POST" })).status).toBe(200);
    await engine.transition(actorId, "sleeping", { from });

    const ws = new WebSocket(engine.websocketUrl(actorId, "/ws/wake"), ["rivet"]);
    const reply = new Promise<string>((resolve) => ws.once("message", (data: Buffer) => resolve(data.toString())));
    await once(ws, "open");
    await runner.actorStart(actorId, 1);
    ws.send("awake?");
    expect(await reply).toBe("awake?");
    ws.close(1000, "done");
    await once(ws, "close");
  });

  it("wakes a sleeping actor at its alarm, without any request", async () => {
    const actorId = await startedActor("alarm");
    expect(await count(actorId)).toMatchObject({ count: 1, generation: 0 });

    const from = engine.lines.mark;
    const res = await fetch(engine.gatewayUrl(actorId, "/request/alarm?in=1000&sleep=1"), { method: "POST" });
    expect(res.status).toBe(200);
    await runner.actorStop(actorId, 0);

    // No request goes to the actor until Rivet's runner has started it again. (Had stopping
    // taken longer than the alarm's second, the engine would start it again straight from
    // stopping, which is right too.)
    await runner.actorStart(actorId, 1, { timeoutMs: 20_000 });
    const woken = await engine.transition(actorId, "starting", { from, generation: 1 });
    expect(woken.reason).toMatch(/woken by its alarm$/);
    expect(await count(actorId)).toMatchObject({ count: 2, generation: 1 });
  });
});
