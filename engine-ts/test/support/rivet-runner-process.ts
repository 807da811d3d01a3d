/**
 * Rivet's own runner, `@rivetkit/engine-runner@2.2.1`, in a process of its own so that a test
 * can SIGKILL it. It hosts one test actor on the engine at `ACTORWIRE_TEST_ENDPOINT` under the
 * runner name `ACTORWIRE_TEST_RUNNER_NAME`, and prints one JSON line per lifecycle callback
 * and WebSocket open/close (`test-actor.ts`) on stdout.
 *
 * Run: `node --import tsx --conditions=source engine-ts/test/support/rivet-runner-process.ts`.
 *
 * The test actor answers HTTP through the gateway (paths are actor-relative):
 *
 * | Route | What it does |
 * |---|---|
 * | `* /request/echo` | answers the request body as it came, with `x-echo-*` headers (method, path, query, length, sha256) and `x-request-count`, a counter in the actor's KV |
 * | `GET /request/bytes?n=N` | answers `N` bytes of {@link patternBytes} |
 * | `* /request/count` | adds one to the KV key `count`; answers `{count, generation, runnerId}` |
 * | `POST /request/kv/<op>` | one KV call of Rivet's runner API; `op` is get, list, put, delete, deleteRange or drop (body below) |
 * | `POST /request/alarm?in=MS[&sleep=1]` | `runner.setAlarm(now + MS)`, then (with `sleep`) `runner.sleepActor` |
 * | `POST /request/sleep` | `runner.sleepActor` shortly after answering |
 *
 * KV bodies are JSON. A byte string is a UTF-8 string or `{repeat: N, byte?: B}` (N copies of
 * byte B, default `a`); answers give keys and values back as UTF-8 strings. get `{keys}` →
 * `{values}` (null for a missing key); list `{mode: "all"|"range"|"prefix", start, end,
 * exclusive, prefix, reverse, limit}` → `{entries: [key, value][]}`; put `{entries: [key,
 * value][]}`; delete `{keys}`; deleteRange `{start, end}`; drop `{}`. A refused call answers
 * 500 `{error}` with the message Rivet's runner rejected with.
 *
 * WebSockets echo text and binary frames as they came. The text frame `close:<code>:<reason>`
 * makes the actor close the socket with that code and reason.
 */
import { createHash } from "node:crypto";
import { Runner } from "@rivetkit/engine-runner";
import { type RunnerEvent, patternBytes } from "./test-actor.js";

const endpoint = process.env.ACTORWIRE_TEST_ENDPOINT;
const runnerName = process.env.ACTORWIRE_TEST_RUNNER_NAME;
if (endpoint === undefined || runnerName === undefined) {
  throw new Error("ACTORWIRE_TEST_ENDPOINT and ACTORWIRE_TEST_RUNNER_NAME must be set");
}
const totalSlots = Number(process.env.ACTORWIRE_TEST_RUNNER_SLOTS ?? "20");

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function emit(event: RunnerEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

type ByteSpec = string | { readonly repeat: number; readonly byte?: number };

function bytes(spec: ByteSpec): Uint8Array {
  if (typeof spec === "string") return encoder.encode(spec);
  return new Uint8Array(spec.repeat).fill(spec.byte ?? 0x61);
}

function text(value: Uint8Array): string {
  return decoder.decode(value);
}

interface KvBody {
  readonly keys?: ByteSpec[];
  readonly entries?: [ByteSpec, ByteSpec][];
  readonly mode?: "all" | "range" | "prefix";
  readonly start?: ByteSpec;
  readonly end?: ByteSpec;
  readonly exclusive?: boolean;
  readonly prefix?: ByteSpec;
  readonly reverse?: boolean;
  readonly limit?: number;
}

/** One call of Rivet's runner KV API, as `POST /request/kv/<op>` asks. */
async function kv(runner: Runner, actorId: string, op: string, body: KvBody): Promise<unknown> {
  const keys = (body.keys ?? []).map(bytes);
  const options = { ...(body.reverse !== undefined ? { reverse: body.reverse } : {}), ...(body.limit !== undefined ? { limit: body.limit } : {}) };
  const entries = (list: [Uint8Array, Uint8Array][]) => list.map(([k, v]) => [text(k), text(v)]);
  switch (op) {
    case "get":
      return { values: (await runner.kvGet(actorId, keys)).map((v) => (v === null ? null : text(v))) };
    case "list":
      if (body.mode === "range") {
        return { entries: entries(await runner.kvListRange(actorId, bytes(body.start ?? ""), bytes(body.end ?? ""), body.exclusive ?? false, options)) };
      }
      if (body.mode === "prefix") return { entries: entries(await runner.kvListPrefix(actorId, bytes(body.prefix ?? ""), options)) };
      return { entries: entries(await runner.kvListAll(actorId, options)) };
    case "put":
      await runner.kvPut(actorId, (body.entries ?? []).map(([k, v]) => [bytes(k), bytes(v)]));
      return { ok: true };
    case "delete":
      await runner.kvDelete(actorId, keys);
      return { ok: true };
    case "deleteRange":
      await runner.kvDeleteRange(actorId, bytes(body.start ?? ""), bytes(body.end ?? ""));
      return { ok: true };
    case "drop":
      await runner.kvDrop(actorId);
      return { ok: true };
    default:
      throw new Error(`unknown kv op ${op}`);
  }
}

/** Adds one to a counter in the actor's KV and returns the new value. */
async function bump(runner: Runner, actorId: string, name: string): Promise<number> {
  const key = encoder.encode(name);
  const [current] = await runner.kvGet(actorId, [key]);
  const next = (current == null ? 0 : Number(text(current))) + 1;
  await runner.kvPut(actorId, [[key, encoder.encode(String(next))]]);
  return next;
}

async function handle(runner: Runner, actorId: string, request: Request): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  const generation = runner.getActor(actorId)?.generation ?? -1;
  if (path === "/request/echo") {
    const body = new Uint8Array(await request.arrayBuffer());
    const count = await bump(runner, actorId, "requests");
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "application/octet-stream",
        "x-echo-method": request.method,
        "x-echo-path": path,
        "x-echo-query": url.search,
        "x-echo-length": String(body.length),
        "x-echo-sha256": createHash("sha256").update(body).digest("hex"),
        "x-request-count": String(count),
      },
    });
  }
  if (path === "/request/bytes") {
    return new Response(patternBytes(Number(url.searchParams.get("n") ?? "0")), { headers: { "content-type": "application/octet-stream" } });
  }
  if (path === "/request/count") {
    return Response.json({ count: await bump(runner, actorId, "count"), generation, runnerId: runner.runnerId });
  }
  if (path.startsWith("/request/kv/")) {
    const body = (await request.json()) as KvBody;
    try {
      return Response.json(await kv(runner, actorId, path.slice("/request/kv/".length), body));
    } catch (err) {
      return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 500 });
    }
  }
  if (path === "/request/alarm") {
    const alarmTs = Date.now() + Number(url.searchParams.get("in") ?? "0");
    runner.setAlarm(actorId, alarmTs);
    // The alarm event goes out first on the runner's socket, so the engine knows the alarm
    // before it hears that the actor wants to sleep.
    if (url.searchParams.has("sleep")) sleepSoon(runner, actorId);
    return Response.json({ alarmTs, generation });
  }
  if (path === "/request/sleep") {
    sleepSoon(runner, actorId);
    return Response.json({ ok: true, generation });
  }
  return Response.json({ error: `no route ${path}` }, { status: 404 });
}

/**
 * Asks to sleep once this answer is on its way: the stop that follows rejects the actor's
 * pending requests, this one included if it were still pending.
 */
function sleepSoon(runner: Runner, actorId: string): void {
  setTimeout(() => runner.sleepActor(actorId), 100);
}

interface SocketLike {
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  addEventListener(type: "close", listener: (event: { code: number; reason: string }) => void): void;
  send(data: unknown): void;
  close(code?: number, reason?: string): void;
}

const runner = new Runner({
  version: 1,
  endpoint,
  namespace: "default",
  totalSlots,
  runnerName,
  prepopulateActorNames: { test: { metadata: { kind: "e2e" } } },
  noAutoShutdown: true,
  onConnected: () => emit({ event: "connected", runnerId: runner.runnerId ?? "" }),
  onDisconnected: (code, reason) => emit({ event: "disconnected", code, reason: String(reason) }),
  onShutdown: () => {},
  onActorStart: async (actorId, generation, config) => {
    emit({ event: "actorStart", actorId, generation, name: config.name, key: config.key });
  },
  onActorStop: async (actorId, generation) => {
    emit({ event: "actorStop", actorId, generation });
  },
  fetch: async (r, actorId, _gatewayId, _requestId, request) => {
    try {
      return await handle(r, actorId, request);
    } catch (err) {
      return Response.json({ error: err instanceof Error ? err.message : String(err) }, { status: 500 });
    }
  },
  websocket: async (_r, actorId, ws: SocketLike, _gatewayId, _requestId, _request, path) => {
    emit({ event: "wsOpen", actorId, path });
    ws.addEventListener("message", (event) => {
      const data = event.data;
      if (typeof data === "string" && data.startsWith("close:")) {
        const [, code, ...reason] = data.split(":");
        ws.close(Number(code), reason.join(":"));
        return;
      }
      ws.send(data);
    });
    ws.addEventListener("close", (event) => emit({ event: "wsClose", actorId, path, code: event.code, reason: event.reason }));
  },
  hibernatableWebSocket: { canHibernate: () => false },
});

process.once("SIGTERM", () => {
  void runner.shutdown(true).finally(() => process.exit(0));
});
await runner.start();
