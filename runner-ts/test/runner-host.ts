/**
 * A tiny actor host for the runner connection's end-to-end tests: a `RunnerHandler` with
 * echo routes, a KV counter and every KV operation behind HTTP routes, WebSocket echo, and a
 * record of every callback so that tests can wait for them. The real actor runtime is built
 * elsewhere against the same contract.
 *
 * Routes (actor-relative):
 *
 * | Route | What it does |
 * |---|---|
 * | `* /ping` | answers `pong` (the smallest round trip) |
 * | `* /echo` | answers the body as it came, with `x-echo-method`, `-path`, `-query`, `-length`, `-sha256` |
 * | `GET /bytes?n=N` | answers N bytes of {@link patternBytes} |
 * | `GET /stream?chunks=N&size=S` | a streamed body (no content-length): N chunks of S bytes, produced over time |
 * | `* /count` | adds one to the KV key `count`; answers `{count, generation, runnerId}` |
 * | `POST /kv/<op>` | one KV call (get, list, put, delete, deleteRange, drop); body as in engine-ts's test actor |
 * | `POST /alarm?in=MS[&sleep=1]` | sets an alarm, then (with `sleep`) asks to sleep |
 * | `POST /sleep`, `POST /destroy` | asks to sleep / to be destroyed, shortly after answering |
 * | `* /throw` | the handler throws |
 *
 * WebSockets echo text and binary frames; the text `close:<code>:<reason>` makes the actor close.
 * With `hibernate`, sockets under `/hws` hibernate: their text answers name the generation
 * that answered, and the text `sleep` puts the actor to sleep.
 */
import { createHash } from "node:crypto";
import pino from "pino";
import type {
  ActorStartInfo,
  ActorStopReason,
  HibernatedSocketMeta,
  RunnerHandler,
  TunnelRequestInfo,
  TunnelWebSocket,
} from "../src/runner/index.js";
import { Runner, RunnerError } from "../src/runner/index.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What the host saw, in order. */
export type HostEvent =
  | { readonly event: "start"; readonly actorId: string; readonly generation: number; readonly name: string; readonly key: string | null }
  | { readonly event: "stop"; readonly actorId: string; readonly generation: number; readonly reason: ActorStopReason }
  | { readonly event: "wsOpen"; readonly actorId: string; readonly path: string }
  | { readonly event: "wsClose"; readonly actorId: string; readonly path: string; readonly code: number; readonly reason: string };

/** Byte `i` is `(i * 31 + 7) mod 256`. */
export function patternBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

type ByteSpec = string | { readonly repeat: number; readonly byte?: number };

function bytes(spec: ByteSpec): Uint8Array {
  if (typeof spec === "string") return encoder.encode(spec);
  return new Uint8Array(spec.repeat).fill(spec.byte ?? 0x61);
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

/** Options of {@link TestHost}. */
export interface TestHostOptions {
  readonly endpoint: string;
  readonly runnerName: string;
  readonly runnerKey?: string;
  readonly token?: string;
  /** Called inside `onActorStop`, e.g. to hold a stop. */
  readonly onStop?: (actorId: string, reason: ActorStopReason) => Promise<void> | void;
  /** Called inside `onActorStart`; a throw fails the start. */
  readonly onStart?: (info: ActorStartInfo) => Promise<void> | void;
  /** Called for every host event as it happens. */
  readonly onEvent?: (event: HostEvent) => void;
  /** Passed to the runner; false when not given (tests run in a shared worker process). */
  readonly handleSignals?: boolean;
  /**
   * Lets sockets on paths under `/hws` hibernate: the host persists each one's indices (in
   * memory, as a real host would in its storage), acks every message it handled, and
   * restores them when the actor starts again.
   */
  readonly hibernate?: boolean;
}

/** The test host and the runner it runs on. */
export class TestHost {
  readonly events: HostEvent[] = [];
  readonly runner: Runner;
  /** What the host persisted of each actor's hibernatable sockets. */
  readonly persisted = new Map<string, HibernatedSocketMeta[]>();
  private readonly wakeups = new Set<() => void>();

  constructor(private readonly options: TestHostOptions) {
    const handler: RunnerHandler = {
      onActorStart: async (info) => {
        await options.onStart?.(info);
        if (options.hibernate === true) await this.runner.restoreHibernatedSockets(info.actorId, this.persisted.get(info.actorId) ?? []);
        this.push({ event: "start", actorId: info.actorId, generation: info.generation, name: info.name, key: info.key });
      },
      onActorStop: async (actorId, generation, reason) => {
        this.push({ event: "stop", actorId, generation, reason });
        await options.onStop?.(actorId, reason);
      },
      fetch: (actorId, request) => this.fetch(actorId, request),
      websocket: (actorId, socket, request, info) => this.websocket(actorId, socket, request, info),
      canHibernate: (_actorId, request) => options.hibernate === true && new URL(request.url).pathname.startsWith("/hws"),
    };
    this.runner = new Runner({
      endpoint: options.endpoint,
      runnerName: options.runnerName,
      ...(options.runnerKey !== undefined ? { runnerKey: options.runnerKey } : {}),
      ...(options.token !== undefined ? { token: options.token } : {}),
      totalSlots: 100,
      actorNames: { test: { metadata: { kind: "runner-e2e" } } },
      metadata: { test: true },
      handler,
      handleSignals: options.handleSignals ?? false,
      logger: pino({ level: process.env.ACTORWIRE_RUNNER_LOG_LEVEL ?? "silent" }),
    });
  }

  /** The generation currently running for an actor (from the host's own record). */
  generation(actorId: string): number {
    let generation = -1;
    for (const e of this.events) if (e.event === "start" && e.actorId === actorId) generation = e.generation;
    return generation;
  }

  /** Every event of a kind so far. */
  all<E extends HostEvent["event"]>(event: E): Extract<HostEvent, { event: E }>[] {
    return this.events.filter((e): e is Extract<HostEvent, { event: E }> => e.event === event);
  }

  /** Waits for an event (from index `from` on) that matches. */
  async next<E extends HostEvent["event"]>(
    event: E,
    match: (e: Extract<HostEvent, { event: E }>) => boolean = () => true,
    options: { from?: number; timeoutMs?: number } = {},
  ): Promise<Extract<HostEvent, { event: E }>> {
    const deadline = Date.now() + (options.timeoutMs ?? 20_000);
    for (;;) {
      for (let i = options.from ?? 0; i < this.events.length; i++) {
        const e = this.events[i] as HostEvent;
        if (e.event === event && match(e as Extract<HostEvent, { event: E }>)) return e as Extract<HostEvent, { event: E }>;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no host event ${event} in time; saw ${JSON.stringify(this.events.slice(options.from ?? 0))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, left);
        function wake() {
          clearTimeout(timer);
          resolve();
        }
        this.wakeups.add(wake);
      });
    }
  }

  /** The index the next event will have. */
  get mark(): number {
    return this.events.length;
  }

  private push(event: HostEvent): void {
    this.events.push(event);
    this.options.onEvent?.(event);
    const wakeups = [...this.wakeups];
    this.wakeups.clear();
    for (const w of wakeups) w();
  }

  private async fetch(actorId: string, request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const kv = this.runner.kv;
    if (path === "/echo") {
      const body = new Uint8Array(await request.arrayBuffer());
      return new Response(body, {
        headers: {
          "content-type": "application/octet-stream",
          "x-echo-method": request.method,
          "x-echo-path": path,
          "x-echo-query": url.search,
          "x-echo-length": String(body.length),
          "x-echo-sha256": createHash("sha256").update(body).digest("hex"),
          "x-echo-header": request.headers.get("x-test") ?? "",
        },
      });
    }
    if (path === "/ping") return new Response("pong");
    if (path === "/bytes") return new Response(patternBytes(Number(url.searchParams.get("n") ?? "0")));
    if (path === "/stream") {
      const chunks = Number(url.searchParams.get("chunks") ?? "3");
      const size = Number(url.searchParams.get("size") ?? "16");
      let sent = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (sent === chunks) {
            controller.close();
            return;
          }
          await new Promise((r) => setTimeout(r, 20));
          controller.enqueue(new Uint8Array(size).fill(0x30 + (sent % 10)));
          sent++;
        },
      });
      return new Response(stream, { headers: { "content-type": "application/octet-stream", "x-streamed": "yes" } });
    }
    if (path === "/count") {
      const key = encoder.encode("count");
      const [current] = await kv.get(actorId, [key]);
      const count = (current === null || current === undefined ? 0 : Number(decoder.decode(current))) + 1;
      await kv.put(actorId, [[key, encoder.encode(String(count))]]);
      return Response.json({ count, generation: this.generation(actorId), runnerId: this.runner.runnerId });
    }
    if (path.startsWith("/kv/")) {
      const body = (await request.json()) as KvBody;
      try {
        return Response.json(await this.kv(actorId, path.slice("/kv/".length), body));
      } catch (err) {
        const id = err instanceof RunnerError ? err.id : "unknown";
        return Response.json({ error: err instanceof Error ? err.message : String(err), id }, { status: 500 });
      }
    }
    if (path === "/alarm") {
      const alarmTs = Date.now() + Number(url.searchParams.get("in") ?? "0");
      this.runner.setAlarm(actorId, alarmTs);
      if (url.searchParams.has("sleep")) setTimeout(() => this.runner.sleepActor(actorId), 50);
      return Response.json({ alarmTs });
    }
    if (path === "/sleep") {
      setTimeout(() => this.runner.sleepActor(actorId), 50);
      return Response.json({ ok: true });
    }
    if (path === "/destroy") {
      setTimeout(() => this.runner.destroyActor(actorId), 50);
      return Response.json({ ok: true });
    }
    if (path === "/throw") throw new Error("the handler failed on purpose");
    return Response.json({ error: `no route ${path}` }, { status: 404 });
  }

  private async kv(actorId: string, op: string, body: KvBody): Promise<unknown> {
    const kv = this.runner.kv;
    const keys = (body.keys ?? []).map(bytes);
    const options = { ...(body.reverse !== undefined ? { reverse: body.reverse } : {}), ...(body.limit !== undefined ? { limit: body.limit } : {}) };
    const entries = (list: [Uint8Array, Uint8Array][]) => list.map(([k, v]) => [decoder.decode(k), decoder.decode(v)]);
    switch (op) {
      case "get":
        return { values: (await kv.get(actorId, keys)).map((v) => (v === null ? null : decoder.decode(v))) };
      case "list":
        if (body.mode === "range") {
          const query = { kind: "range" as const, start: bytes(body.start ?? ""), end: bytes(body.end ?? ""), exclusive: body.exclusive ?? false };
          return { entries: entries(await kv.list(actorId, query, options)) };
        }
        if (body.mode === "prefix") return { entries: entries(await kv.list(actorId, { kind: "prefix", prefix: bytes(body.prefix ?? "") }, options)) };
        return { entries: entries(await kv.list(actorId, { kind: "all" }, options)) };
      case "put":
        await kv.put(actorId, (body.entries ?? []).map(([k, v]) => [bytes(k), bytes(v)] as const));
        return { ok: true };
      case "delete":
        await kv.delete(actorId, keys);
        return { ok: true };
      case "deleteRange":
        await kv.deleteRange(actorId, bytes(body.start ?? ""), bytes(body.end ?? ""));
        return { ok: true };
      case "drop":
        await kv.drop(actorId);
        return { ok: true };
      default:
        throw new Error(`unknown kv op ${op}`);
    }
  }

  private websocket(actorId: string, ws: TunnelWebSocket, request: Request, info: TunnelRequestInfo): void {
    const path = new URL(request.url).pathname;
    this.push({ event: "wsOpen", actorId, path });
    let meta: HibernatedSocketMeta | undefined;
    if (ws.isHibernatable) {
      const list = this.persisted.get(actorId) ?? [];
      this.persisted.set(actorId, list);
      meta = list.find((m) => Buffer.from(m.requestId).equals(Buffer.from(info.requestId)));
      if (meta === undefined) {
        const headers: Record<string, string> = {};
        request.headers.forEach((value, name) => {
          headers[name] = value;
        });
        meta = { gatewayId: info.gatewayId, requestId: info.requestId, path, headers, lastReceivedIndex: 0, lastSentIndex: 0 };
        list.push(meta);
      }
    }
    const persist = () => {
      if (meta === undefined) return;
      const list = this.persisted.get(actorId) ?? [];
      const i = list.indexOf(meta);
      meta = { ...meta, lastReceivedIndex: ws.lastReceivedIndex, lastSentIndex: ws.lastSentIndex };
      if (i >= 0) list[i] = meta;
    };
    ws.addEventListener("message", (event) => {
      const data = event.data;
      if (typeof data === "string" && data.startsWith("close:")) {
        const [, code, ...reason] = data.split(":");
        ws.close(Number(code), reason.join(":"));
        return;
      }
      if (!ws.isHibernatable) {
        ws.send(data);
        return;
      }
      // Hibernatable sockets say which generation answered, and `sleep` puts the actor to sleep.
      if (data === "sleep") setTimeout(() => this.runner.sleepActor(actorId), 50);
      ws.send(typeof data === "string" ? `${data} (generation ${this.generation(actorId)})` : data);
      // Handled and persisted: the gateway may forget it.
      persist();
      if (ws.isHibernatable) ws.ack(event.messageIndex);
    });
    ws.addEventListener("close", (event) => {
      this.push({ event: "wsClose", actorId, path, code: event.code, reason: event.reason });
      // A closed socket is forgotten; one that hibernates never sees a close here.
      const list = this.persisted.get(actorId);
      const i = list === undefined || meta === undefined ? -1 : list.indexOf(meta);
      if (i >= 0) list?.splice(i, 1);
    });
  }
}
