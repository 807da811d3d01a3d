import type { AddressInfo } from "node:net";
import { runner } from "@actorwire/protocol";
import { eventually } from "@actorwire/testkit";
import { Runner } from "@rivetkit/engine-runner";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { type RunnerConnection, type RunnerEndpointOptions } from "../src/runners/index.js";
import { type Engine, createEngine, listen } from "../src/server.js";

// End-to-end tests of /runners/connect: a real engine on a random loopback port, real
// WebSockets, and Rivet's own runner. Each engine below has the settings one group of tests
// needs, so that short timeouts in one group cannot close sockets of another.

const silent = pino({ level: "silent" });
const engines: Engine[] = [];

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
});

interface TestEngine {
  readonly engine: Engine;
  readonly port: number;
  /** A connect URL with the given query (the defaults are a valid v7 query). */
  url(query?: Record<string, string | undefined>, path?: string): string;
}

async function startEngine(runners: Partial<RunnerEndpointOptions> = {}): Promise<TestEngine> {
  const engine = createEngine({ runners: { logger: silent, ...runners } });
  engines.push(engine);
  const { port } = (await listen(engine.server, { host: "127.0.0.1", port: 0 })) as AddressInfo;
  return {
    engine,
    port,
    url(query = {}, path = "/runners/connect") {
      const full: Record<string, string | undefined> = {
        protocol_version: "7",
        namespace: "default",
        runner_key: `key-${Math.random().toString(36).slice(2)}`,
        ...query,
      };
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(full)) if (v !== undefined) params.set(k, v);
      return `ws://127.0.0.1:${port}${path}?${params}`;
    },
  };
}

interface Closed {
  readonly code: number;
  readonly reason: string;
}

/** A raw runner socket that queues what the engine sends. */
class TestSocket {
  readonly ws: WebSocket;
  readonly closed: Promise<Closed>;
  readonly opened: Promise<void>;
  private readonly frames: Uint8Array[] = [];
  private waiter: ((frame: Uint8Array) => void) | undefined;

  constructor(url: string, protocols: string[] = ["rivet"]) {
    this.ws = new WebSocket(url, protocols);
    this.ws.on("error", () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    this.ws.on("message", (data: Buffer) => {
      const frame = new Uint8Array(data);
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(frame);
      } else this.frames.push(frame);
    });
  }

  /** The next binary frame from the engine. */
  next(): Promise<Uint8Array> {
    const frame = this.frames.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      void this.closed.then((c) => reject(new Error(`closed while waiting for a frame: ${c.code} ${c.reason}`)));
    });
  }

  /** The next message, decoded with runner v7's own codec. */
  async nextV7(): Promise<runner.v7.ToClient> {
    return runner.v7.decodeToClient(await this.next());
  }

  send(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }
}

const initV7 = (name = "raw-runner"): Uint8Array =>
  runner.v7.encodeToServer({
    tag: "ToServerInit",
    val: {
      name,
      version: 1,
      totalSlots: 10,
      prepopulateActorNames: new Map([["counter", { metadata: "{}" }]]),
      metadata: '{"region":"local"}',
    },
  });

/** Opens a socket, sends a v7 init and reads ToClientInit and the replayed commands. */
async function connectV7(t: TestEngine, query: Record<string, string> = {}, name = "raw-runner") {
  const socket = new TestSocket(t.url(query));
  await socket.opened;
  socket.send(initV7(name));
  const init = await socket.nextV7();
  if (init.tag !== "ToClientInit") throw new Error(`expected ToClientInit, got ${init.tag}`);
  const commands = await socket.nextV7();
  expect(commands).toEqual({ tag: "ToClientCommands", val: [] });
  return { socket, runnerId: init.val.runnerId };
}

const reasonOf = (id: string) => new RegExp(`^${id.replace(".", "\\.")}#[0-9a-f-]{36}$`);


describe("runner handshake", async () => {
  const t = await startEngine();

  it("answers a v7 init with ToClientInit and an empty command replay", async () => {
    const socket = new TestSocket(t.url({ runner_key: "handshake-v7" }));
    await socket.opened;
    expect(socket.ws.protocol).toBe("rivet");
    socket.send(initV7());
    const bytes = await socket.next();
    const init = runner.v7.decodeToClient(bytes);
    expect(init).toEqual({
      tag: "ToClientInit",
      val: {
        runnerId: expect.stringMatching(/^[0-9a-z]{30}$/),
        metadata: { runnerLostThreshold: 15000n, actorStopThreshold: 1800000n, serverlessDrainGracePeriod: null },
      },
    });
    // The bytes Rivet's engine 2.3.19 sends: tag 0, a 30-byte ID, 15000, 1800000, no grace period.
    expect([...bytes.subarray(0, 2)]).toEqual([0x00, 0x1e]);
    expect(Buffer.from(bytes.subarray(32)).toString("hex")).toBe("983a00000000000040771b000000000000");
    expect(await socket.nextV7()).toEqual({ tag: "ToClientCommands", val: [] });

    const runnerId = init.tag === "ToClientInit" ? init.val.runnerId : "";
    const connection = await eventually("the runner's connection", () => t.engine.runners.connection(runnerId));
    expect(connection).toMatchObject({
      protocolVersion: 7,
      family: "mk2",
      name: "raw-runner",
      runnerKey: "handshake-v7",
      runnerVersion: 1,
      totalSlots: 10,
      metadata: '{"region":"local"}',
      namespace: { name: "default" },
      draining: false,
    });
    expect(connection.prepopulateActorNames).toEqual(new Map([["counter", { metadata: "{}" }]]));
    socket.close();
    await socket.closed;
  });

  it("answers a v4 init in v4's layout", async () => {
    const socket = new TestSocket(t.url({ protocol_version: "4" }));
    await socket.opened;
    socket.send(
      runner.v4.encodeToServer({
        tag: "ToServerInit",
        val: { name: "v4-runner", version: 3, totalSlots: 2, prepopulateActorNames: null, metadata: null },
      }),
    );
    const init = runner.v4.decodeToClient(await socket.next());
    expect(init).toEqual({
      tag: "ToClientInit",
      val: { runnerId: expect.stringMatching(/^[0-9a-z]{30}$/), metadata: { runnerLostThreshold: 15000n } },
    });
    expect(runner.v4.decodeToClient(await socket.next())).toEqual({ tag: "ToClientCommands", val: [] });
    const runnerId = init.tag === "ToClientInit" ? init.val.runnerId : "";
    expect(t.engine.runners.connection(runnerId)).toMatchObject({ protocolVersion: 4, name: "v4-runner", totalSlots: 2 });
    socket.close();
  });

  it("accepts mk1 runners (v3 and v1) at the handshake level", async () => {
    for (const version of [3, 1] as const) {
      const socket = new TestSocket(t.url({ protocol_version: String(version) }));
      await socket.opened;
      const codec = version === 3 ? runner.v3 : runner.v1;
      socket.send(
        codec.encodeToServer({
          tag: "ToServerInit",
          val: {
            name: "old-runner",
            version: 1,
            totalSlots: 1,
            lastCommandIdx: null,
            prepopulateActorNames: null,
            metadata: null,
          },
        }),
      );
      expect(codec.decodeToClient(await socket.next())).toEqual({
        tag: "ToClientInit",
        val: {
          runnerId: expect.stringMatching(/^[0-9a-z]{30}$/),
          lastEventIdx: -1n,
          metadata: { runnerLostThreshold: 15000n },
        },
      });
      expect(codec.decodeToClient(await socket.next())).toEqual({ tag: "ToClientCommands", val: [] });
      socket.close();
      await socket.closed;
    }
  });

  it("routes any path with the rivet_target.runner subprotocol", async () => {
    const socket = new TestSocket(t.url({}, "/anything/else"), ["rivet", "rivet_target.runner"]);
    await socket.opened;
    expect(socket.ws.protocol).toBe("rivet");
    socket.send(initV7());
    expect((await socket.nextV7()).tag).toBe("ToClientInit");
    socket.close();
  });

  it("answers 404 to upgrades for other paths and keeps /health working", async () => {
    const socket = new TestSocket(t.url({}, "/nope"));
    await expect(socket.opened).rejects.toThrow("HTTP 404");
    const res = await fetch(`http://127.0.0.1:${t.port}/health`);
    expect(await res.json()).toMatchObject({ status: "ok" });
  });

  it("reuses the runner ID and evicts the older connection with the same key", async () => {
    const evictions: boolean[] = [];
    const off = t.engine.runners.on("disconnected", (_c, info) => evictions.push(info.evicted));
    const first = await connectV7(t, { runner_key: "same-key" }, "evict-me");
    const second = await connectV7(t, { runner_key: "same-key" }, "evict-me");
    expect(second.runnerId).toBe(first.runnerId);
    const closed = await first.socket.closed;
    expect(closed.code).toBe(1000);
    expect(closed.reason).toMatch(reasonOf("ws.eviction"));
    await eventually("an eviction", () => evictions.length > 0);
    expect(evictions).toEqual([true]);
    // The newer socket is the runner's current connection and is still served.
    const current = t.engine.runners.connection(first.runnerId) as RunnerConnection;
    expect(current.open).toBe(true);
    const other = await connectV7(t, { runner_key: "another-key" }, "evict-me");
    expect(other.runnerId).not.toBe(first.runnerId);
    off();
    second.socket.close();
    other.socket.close();
  });

  it("answers KV for live actors of its namespace with the engine's KV service, and routes to a plugged-in handler", async () => {
    const { socket } = await connectV7(t);
    const kvRequest = (requestId: number, actorId: string, data: runner.v7.KvRequestData) =>
      runner.v7.encodeToServer({ tag: "ToServerKvRequest", val: { actorId, requestId, data } });
    const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

    socket.send(kvRequest(7, "no-such-actor", { tag: "KvGetRequest", val: { keys: [bytes("a")] } }));
    expect(await socket.nextV7()).toEqual({
      tag: "ToClientKvResponse",
      val: { requestId: 7, data: { tag: "KvErrorResponse", val: { message: "actor does not exist" } } },
    });

    const ns = t.engine.catalog.requireNamespace("default");
    // An actor that is not placed on this runner may not use KV through it. Its runner name
    // must be one the namespace has seen, or the actor could not be created at all.
    t.engine.runnerPools.record(ns, "other", []);
    const elsewhere = t.engine.catalog.createActor(ns, { name: "kv", key: null, input: null, runnerNameSelector: "other", crashPolicy: "sleep" });
    socket.send(kvRequest(6, elsewhere.actor_id, { tag: "KvGetRequest", val: { keys: [bytes("a")] } }));
    expect(await socket.nextV7()).toEqual({
      tag: "ToClientKvResponse",
      val: { requestId: 6, data: { tag: "KvErrorResponse", val: { message: "actor does not belong to runner" } } },
    });

    // The lifecycle places an actor of this runner's name (and of an actor name it announced)
    // here and sends its start command.
    const actor = t.engine.catalog.createActor(ns, { name: "counter", key: null, input: null, runnerNameSelector: "raw-runner", crashPolicy: "sleep" });
    t.engine.lifecycle.actorCreated(actor.actor_id);
    const start = await socket.nextV7();
    expect(start).toMatchObject({ tag: "ToClientCommands", val: [{ checkpoint: { actorId: actor.actor_id, generation: 0, index: 0n } }] });
    const put = { keys: [bytes("a1"), bytes("a2"), bytes("b1")], values: [bytes("x"), bytes("y"), bytes("z")] };
    socket.send(kvRequest(8, actor.actor_id, { tag: "KvPutRequest", val: put }));
    expect(await socket.nextV7()).toEqual({ tag: "ToClientKvResponse", val: { requestId: 8, data: { tag: "KvPutResponse", val: null } } });
    socket.send(kvRequest(9, actor.actor_id, { tag: "KvDeleteRangeRequest", val: { start: bytes("a"), end: bytes("b") } }));
    expect(await socket.nextV7()).toEqual({ tag: "ToClientKvResponse", val: { requestId: 9, data: { tag: "KvDeleteResponse", val: null } } });
    socket.send(kvRequest(10, actor.actor_id, { tag: "KvListRequest", val: { query: { tag: "KvListAllQuery", val: null }, reverse: null, limit: null } }));
    const listed = (await socket.nextV7()) as unknown as { val: { data: { tag: string; val: { keys: ArrayBuffer[]; values: ArrayBuffer[] } } } };
    expect(listed.val.data.tag).toBe("KvListResponse");
    expect(listed.val.data.val.keys).toEqual([bytes("b1")]);
    expect(listed.val.data.val.values).toEqual([bytes("z")]);
    socket.close();
  });

  it("marks a runner draining on ToServerStopping", async () => {
    const draining: string[] = [];
    const off = t.engine.runners.on("draining", (c) => draining.push(c.runnerId));
    const { socket, runnerId } = await connectV7(t);
    socket.send(runner.v7.encodeToServer({ tag: "ToServerStopping", val: null }));
    await eventually("a draining notice", () => draining.length > 0);
    expect(draining).toEqual([runnerId]);
    expect(t.engine.runners.connection(runnerId)?.draining).toBe(true);
    off();
    socket.close();
  });
});

describe("close reasons", async () => {
  const t = await startEngine({ maxPayloadBytes: 4096 });

  async function closeOf(url: string, send?: (s: TestSocket) => void): Promise<Closed> {
    const socket = new TestSocket(url);
    await socket.opened;
    send?.(socket);
    return socket.closed;
  }

  it("closes a URL without runner_key with ws.invalid_url", async () => {
    const closed = await closeOf(t.url({ runner_key: undefined }));
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("ws.invalid_url"));
  });

  it("closes a URL with a non-numeric protocol_version with ws.invalid_url", async () => {
    expect((await closeOf(t.url({ protocol_version: "seven" }))).reason).toMatch(reasonOf("ws.invalid_url"));
  });

  it("closes protocol_version=9 with ws.invalid_packet", async () => {
    const closed = await closeOf(t.url({ protocol_version: "9" }));
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("ws.invalid_packet"));
  });

  it("closes an unknown namespace with namespace.not_found", async () => {
    const closed = await closeOf(t.url({ namespace: "nope" }));
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("namespace.not_found"));
  });

  it("closes an init with a 2-byte version prefix with ws.invalid_packet", async () => {
    for (const version of [7, 4]) {
      const codec = version === 7 ? runner.v7 : runner.v4;
      const body = codec.encodeToServer({
        tag: "ToServerInit",
        val: { name: "prefixed", version: 1, totalSlots: 1, prepopulateActorNames: null, metadata: null },
      });
      const prefixed = new Uint8Array([version, 0, ...body]);
      const closed = await closeOf(t.url({ protocol_version: String(version) }), (s) => s.send(prefixed));
      expect(closed.code).toBe(1011);
      expect(closed.reason).toMatch(reasonOf("ws.invalid_packet"));
    }
  });

  it("closes a text first frame with ws.invalid_initial_packet", async () => {
    const closed = await closeOf(t.url(), (s) => s.send("hello"));
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("ws.invalid_initial_packet"));
  });

  it("closes a first message other than ToServerInit with ws.invalid_initial_packet", async () => {
    const pong = runner.v7.encodeToServer({ tag: "ToServerPong", val: { ts: 1n } });
    expect((await closeOf(t.url(), (s) => s.send(pong))).reason).toMatch(reasonOf("ws.invalid_initial_packet"));
  });

  it("closes an oversized frame with 1009 ws.message_too_large", async () => {
    const closed = await closeOf(t.url(), (s) => s.send(new Uint8Array(5000)));
    expect(closed.code).toBe(1009);
    expect(closed.reason).toMatch(reasonOf("ws.message_too_large"));
  });

  it("closes only the connection that sends a malformed frame after init", async () => {
    const bad = await connectV7(t);
    const good = await connectV7(t);
    bad.socket.send(new Uint8Array([0xff, 0x01, 0x02]));
    const closed = await bad.socket.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("ws.invalid_packet"));
    good.socket.send(
      runner.v7.encodeToServer({
        tag: "ToServerKvRequest",
        val: { actorId: "a", requestId: 1, data: { tag: "KvDropRequest", val: null } },
      }),
    );
    expect((await good.socket.nextV7()).tag).toBe("ToClientKvResponse");
    // Text frames after the handshake are ignored, as on Rivet's engine.
    good.socket.send("ignored");
    expect(t.engine.runners.connection(good.runnerId)?.open).toBe(true);
    good.socket.close();
  });

  it("closes a socket that sends no init in time with ws.timed_out_waiting_for_init", async () => {
    const short = await startEngine({ initTimeoutMs: 200 });
    const closed = await closeOf(short.url());
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("ws.timed_out_waiting_for_init"));
  });

  it("closes every runner with ws.going_away when the engine shuts down", async () => {
    const doomed = await startEngine();
    const { socket } = await connectV7(doomed);
    const pending = new TestSocket(doomed.url());
    await pending.opened;
    await doomed.engine.close();
    for (const closed of [await socket.closed, await pending.closed]) {
      expect(closed.code).toBe(1011);
      expect(closed.reason).toMatch(reasonOf("ws.going_away"));
    }
  });
});

describe("liveness", async () => {
  const t = await startEngine({ pingIntervalMs: 50, pingJitterMs: 10, pingTimeoutMs: 600 });

  it("pings, records the RTT of each pong and keeps a runner that answers", async () => {
    const { socket, runnerId } = await connectV7(t);
    const connection = t.engine.runners.connection(runnerId) as RunnerConnection;
    const stamps: bigint[] = [];
    const started = Date.now();
    // Answer pings for well past the pong timeout.
    while (Date.now() - started < 1500) {
      const msg = await socket.nextV7();
      expect(msg.tag).toBe("ToClientPing");
      if (msg.tag !== "ToClientPing") break;
      stamps.push(msg.val.ts);
      socket.send(runner.v7.encodeToServer({ tag: "ToServerPong", val: { ts: msg.val.ts } }));
    }
    expect(stamps.length).toBeGreaterThan(3);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThan(stamps[i - 1] as bigint);
    const rtt = await eventually("a round-trip time", () => connection.rttMs);
    expect(rtt).toBeGreaterThanOrEqual(0);
    expect(rtt).toBeLessThan(5000);
    expect(connection.lastPongAt).toBeGreaterThan(connection.connectedAt);
    expect(connection.open).toBe(true);
    socket.close();
  });

  it("drops a runner that stops answering pings", async () => {
    const { socket } = await connectV7(t);
    const closed = await socket.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toMatch(reasonOf("ws.ping_timed_out"));
  });
});

describe("Rivet's own runner (@rivetkit/engine-runner 2.2.1)", async () => {
  const t = await startEngine({ pingIntervalMs: 100 });

  it("connects, receives our ToClientInit, answers pings and shuts down with ToServerStopping", async () => {
    const events: string[] = [];
    t.engine.runners.on("connected", (c) => events.push(`connected ${c.runnerId}`));
    t.engine.runners.on("draining", (c) => events.push(`draining ${c.runnerId}`));
    const disconnected = new Promise<{ code: number; reason: string }>((resolve) =>
      t.engine.runners.on("disconnected", (_c, info) => resolve(info)),
    );

    let onConnected!: () => void;
    const connected = new Promise<void>((resolve) => {
      onConnected = resolve;
    });
    const rivet = new Runner({
      version: 1,
      endpoint: `http://127.0.0.1:${t.port}`,
      namespace: "default",
      runnerName: "rivet-runner",
      totalSlots: 4,
      prepopulateActorNames: { counter: { metadata: { kind: "test" } } },
      metadata: { from: "test" },
      noAutoShutdown: true,
      onConnected,
      onDisconnected: () => {},
      onShutdown: () => {},
      fetch: async () => new Response(null, { status: 404 }),
      websocket: async () => {},
      hibernatableWebSocket: { canHibernate: () => false },
      onActorStart: async () => {},
      onActorStop: async () => {},
    });
    await rivet.start();
    try {
      await connected;

      const runnerId = rivet.runnerId as string;
      expect(runnerId).toMatch(/^[0-9a-z]{30}$/);
      const connection = t.engine.runners.connection(runnerId) as RunnerConnection;
      expect(connection).toMatchObject({
        protocolVersion: 7,
        name: "rivet-runner",
        totalSlots: 4,
        runnerVersion: 1,
        metadata: '{"from":"test"}',
      });
      expect(connection.prepopulateActorNames).toEqual(new Map([["counter", { metadata: '{"kind":"test"}' }]]));
      expect(events).toEqual([`connected ${runnerId}`]);

      // It answers our pings: an RTT appears once the first pong arrives.
      const rtt = await eventually("a round-trip time", () => connection.rttMs);
      expect(rtt).toBeGreaterThanOrEqual(0);

      await rivet.shutdown(false);
      const info = await disconnected;
      expect(events).toEqual([`connected ${runnerId}`, `draining ${runnerId}`]);
      expect(info).toEqual({ code: 1000, reason: "pegboard.runner_shutdown", evicted: false });
    } finally {
      // If an assertion failed before the graceful shutdown, stop its timers and reconnects.
      await rivet.shutdown(true);
    }
  });
});
