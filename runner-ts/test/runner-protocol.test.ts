import { runner as protocol } from "@actorwire/protocol";
import { FakeEngine } from "@actorwire/conformance/src/runner/fake-engine.js";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { Runner, type RunnerHandler, type TunnelWebSocket } from "../src/runner/index.js";

// Our runner SDK's own behaviour against conformance's engine peer (FakeEngine, a real
// WebSocket server on loopback speaking runner protocol v7), for what a real engine cannot be
// made to do on cue (replayed starts, hibernatable socket indices and restores) and for what
// the SDK adds on top of the protocol (handler calls and their reasons, abort signals, limits
// checked before sending). What any runner must do on the wire is checked by the conformance
// runner suite, which runs against this runner and Rivet's (conformance/src/cli-runner-*.test.ts).

type ToServer = protocol.v7.ToServer;
type ValOf = { [M in ToServer as M["tag"]]: M["val"] };
type TunnelKind = protocol.v7.ToServerTunnelMessageKind;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const GW = new Uint8Array([1, 2, 3, 4]).buffer;
const silent = pino({ level: "silent" });

function rid(n: number): ArrayBuffer {
  return new Uint8Array([0, 0, 0, n]).buffer;
}

function ab(text: string): ArrayBuffer {
  return encoder.encode(text).buffer as ArrayBuffer;
}

/**
 * The fake engine with the runner's messages read off its trace, each at most once and in
 * order, so that a test can take "the next ack" or "the next tunnel message of request 5".
 */
class Engine {
  private readonly taken = new Set<number>();

  constructor(readonly fake: FakeEngine) {}

  send(message: protocol.v7.ToClient): void {
    this.fake.current?.send(message);
  }

  commands(...commands: protocol.v7.CommandWrapper[]): void {
    this.send({ tag: "ToClientCommands", val: commands });
  }

  tunnel(requestId: number, messageIndex: number, messageKind: protocol.v7.ToClientTunnelMessageKind): void {
    this.send({ tag: "ToClientTunnelMessage", val: { messageId: { gatewayId: GW, requestId: rid(requestId), messageIndex }, messageKind } });
  }

  /** The first message with this tag that matches and was not taken before, marked taken. */
  take<T extends ToServer["tag"]>(tag: T, match: (val: ValOf[T]) => boolean = () => true, timeoutMs = 10_000): Promise<ValOf[T]> {
    return this.fake.trace.waitFor(
      0,
      (entry) => {
        if (entry.kind !== "recv" || entry.message.tag !== tag || this.taken.has(entry.seq)) return undefined;
        const val = entry.message.val as ValOf[T];
        if (!match(val)) return undefined;
        this.taken.add(entry.seq);
        return val;
      },
      timeoutMs,
      tag,
    );
  }

  /** The messages with this tag not taken yet. */
  untaken(tag: ToServer["tag"]): ToServer[] {
    return this.fake.trace.collect(0, (entry) => (entry.kind === "recv" && entry.message.tag === tag && !this.taken.has(entry.seq) ? entry.message : undefined));
  }

  /** The next tunnel message of a request. */
  async tunnelOut(requestId: number, tag?: TunnelKind["tag"]): Promise<{ index: number; kind: TunnelKind }> {
    const m = await this.take(
      "ToServerTunnelMessage",
      (v) => new Uint8Array(v.messageId.requestId)[3] === requestId && (tag === undefined || v.messageKind.tag === tag),
    );
    return { index: m.messageId.messageIndex, kind: m.messageKind };
  }

  /** The first event that matches, taking the whole batch it came in. */
  async event(match: (e: protocol.v7.EventWrapper) => boolean): Promise<protocol.v7.EventWrapper> {
    let found: protocol.v7.EventWrapper | undefined;
    await this.take("ToServerEvents", (events) => {
      found = events.find(match);
      return found !== undefined;
    });
    return found as protocol.v7.EventWrapper;
  }
}

function start(actorId: string, generation: number, index: number, hibernating: protocol.v7.HibernatingRequest[] = []): protocol.v7.CommandWrapper {
  return {
    checkpoint: { actorId, generation, index: BigInt(index) },
    inner: { tag: "CommandStartActor", val: { config: { name: "test", key: "k", createTs: 1n, input: null }, hibernatingRequests: hibernating } },
  };
}

function stop(actorId: string, generation: number, index: number): protocol.v7.CommandWrapper {
  return { checkpoint: { actorId, generation, index: BigInt(index) }, inner: { tag: "CommandStopActor", val: null } };
}

function isState(e: protocol.v7.EventWrapper, actorId: string, generation: number, state: "ActorStateRunning" | "ActorStateStopped"): boolean {
  return e.checkpoint.actorId === actorId && e.checkpoint.generation === generation && e.inner.tag === "EventActorStateUpdate" && e.inner.val.state.tag === state;
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

interface Calls {
  starts: [string, number][];
  stops: [string, number, string][];
  sockets: TunnelWebSocket[];
  received: { data: string | ArrayBuffer; messageIndex: number }[];
  closes: { code: number; reason: string }[];
  signals: AbortSignal[];
}

async function setup(overrides: Partial<RunnerHandler> = {}) {
  const fake = await FakeEngine.start({ namespace: "ns one", runnerName: "scripted", token: "" });
  cleanup.push(() => fake.close());
  const engine = new Engine(fake);
  const calls: Calls = { starts: [], stops: [], sockets: [], received: [], closes: [], signals: [] };
  const handler: RunnerHandler = {
    onActorStart: async (info) => {
      calls.starts.push([info.actorId, info.generation]);
    },
    onActorStop: async (actorId, generation, reason) => {
      calls.stops.push([actorId, generation, reason]);
    },
    fetch: async (_actorId, request) => {
      calls.signals.push(request.signal);
      const path = new URL(request.url).pathname;
      if (path === "/body") return new Response(await request.text());
      if (path === "/huge") return new Response(new Uint8Array(20 * 1024 * 1024 + 1));
      if (path === "/hang") return new Promise<Response>(() => {});
      return new Response("ok");
    },
    websocket: (_actorId, socket) => {
      calls.sockets.push(socket);
      socket.addEventListener("message", (e) => calls.received.push(e));
      socket.addEventListener("close", (e) => calls.closes.push({ code: e.code, reason: e.reason }));
    },
    canHibernate: (_actorId, request) => new URL(request.url).pathname.startsWith("/hws"),
    ...overrides,
  };
  const runner = new Runner({
    endpoint: fake.endpoint,
    namespace: "ns one",
    runnerName: "scripted",
    runnerKey: "key/1",
    version: 3,
    totalSlots: 7,
    actorNames: { counter: { metadata: { a: 1 } } },
    metadata: { region: "here" },
    handler,
    handleSignals: false,
    logger: silent,
  });
  cleanup.push(() => runner.shutdown({ immediate: true }));
  await runner.start();
  return { engine, runner, calls };
}

describe("commands and events", () => {
  it("starts once for a repeated start, reports Running after start, acks promptly, and reports Stopped after stop", async () => {
    const { engine, calls } = await setup();
    engine.commands(start("a1", 0, 0));
    const running = await engine.event((e) => isState(e, "a1", 0, "ActorStateRunning"));
    expect(running.checkpoint.index).toBe(0n);
    expect(await engine.take("ToServerAckCommands")).toEqual({ lastCommandCheckpoints: [{ actorId: "a1", generation: 0, index: 0n }] });

    // A replay of the same start (as after a reconnect) is acked but not run again.
    engine.commands(start("a1", 0, 0));
    expect(await engine.take("ToServerAckCommands")).toEqual({ lastCommandCheckpoints: [{ actorId: "a1", generation: 0, index: 0n }] });
    expect(calls.starts).toEqual([["a1", 0]]);

    engine.commands(stop("a1", 0, 1));
    const stopped = await engine.event((e) => isState(e, "a1", 0, "ActorStateStopped"));
    expect(stopped.checkpoint.index).toBe(1n);
    // A plain stop (sleep) reports ERROR, as Rivet's runner does.
    expect(stopped.inner).toEqual({ tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code: protocol.v7.StopCode.Error, message: null } } } });
    expect(calls.stops).toEqual([["a1", 0, "sleep"]]);

    // A replayed start of the generation that ended is not run again either.
    engine.commands(start("a1", 0, 0), stop("a1", 0, 1));
    await engine.take("ToServerAckCommands");
    expect(calls.starts).toEqual([["a1", 0]]);
  });

  it("stops the old generation before starting a newer one, and numbers events per generation", async () => {
    const { engine, calls } = await setup();
    engine.commands(start("a2", 0, 0));
    await engine.event((e) => isState(e, "a2", 0, "ActorStateRunning"));
    engine.commands(start("a2", 1, 0));
    const old = await engine.event((e) => isState(e, "a2", 0, "ActorStateStopped"));
    expect(old.checkpoint.index).toBe(1n);
    const fresh = await engine.event((e) => isState(e, "a2", 1, "ActorStateRunning"));
    expect(fresh.checkpoint.index).toBe(0n);
    expect(calls.stops).toEqual([["a2", 0, "lost"]]);
    expect(calls.starts).toEqual([["a2", 0], ["a2", 1]]);
  });

  it("reports Stopped with ERROR and a message when start code throws", async () => {
    const { engine, calls } = await setup({
      onActorStart: async () => {
        throw new Error("boom");
      },
    });
    engine.commands(start("bad", 0, 0));
    const stopped = await engine.event((e) => isState(e, "bad", 0, "ActorStateStopped"));
    expect(stopped.checkpoint.index).toBe(0n);
    expect(stopped.inner).toMatchObject({ val: { state: { val: { code: protocol.v7.StopCode.Error, message: "actor start failed: boom" } } } });
    expect(calls.stops).toEqual([]);
  });

  it("sends intents and alarms (an unchanged alarm once), OK for a stop after destroy", async () => {
    const { engine, runner } = await setup();
    engine.commands(start("a3", 0, 0));
    await engine.event((e) => isState(e, "a3", 0, "ActorStateRunning"));
    runner.setAlarm("a3", 5000);
    runner.setAlarm("a3", 5000);
    runner.setAlarm("a3", null);
    runner.sleepActor("a3");
    runner.destroyActor("a3");
    const kinds: string[] = [];
    while (kinds.length < 4) {
      const batch = await engine.take("ToServerEvents");
      for (const e of batch) kinds.push(`${e.checkpoint.index}:${e.inner.tag}:${JSON.stringify(e.inner.val, (_k, v) => (typeof v === "bigint" ? Number(v) : v))}`);
    }
    expect(kinds).toEqual([
      '1:EventActorSetAlarm:{"alarmTs":5000}',
      '2:EventActorSetAlarm:{"alarmTs":null}',
      '3:EventActorIntent:{"intent":{"tag":"ActorIntentSleep","val":null}}',
      '4:EventActorIntent:{"intent":{"tag":"ActorIntentStop","val":null}}',
    ]);
    engine.commands(stop("a3", 0, 1));
    const stopped = await engine.event((e) => isState(e, "a3", 0, "ActorStateStopped"));
    expect(stopped.inner).toMatchObject({ val: { state: { val: { code: protocol.v7.StopCode.Ok } } } });
  });
});

describe("KV", () => {
  it("refuses over-limit calls without sending them", async () => {
    const { engine, runner } = await setup();
    await expect(runner.kv.get("k", Array.from({ length: 129 }, () => new Uint8Array(1)))).rejects.toMatchObject({ id: "kv.limit_exceeded" });
    await expect(runner.kv.list("k", { kind: "prefix", prefix: new Uint8Array(2047) })).rejects.toMatchObject({ id: "kv.limit_exceeded" });
    await expect(runner.kv.list("k", { kind: "all" }, { limit: -1 })).rejects.toMatchObject({ id: "kv.invalid_request" });
    expect(engine.untaken("ToServerKvRequest")).toEqual([]);
  });
});

describe("tunnel", () => {
  async function running(engine: Engine, actorId: string, hibernating: protocol.v7.HibernatingRequest[] = []) {
    engine.commands(start(actorId, 0, 0, hibernating));
    await engine.event((e) => isState(e, actorId, 0, "ActorStateRunning"));
  }

  function requestStart(actorId: string, path: string, body: string | null, stream = false, method = "POST"): protocol.v7.ToClientTunnelMessageKind {
    return { tag: "ToClientRequestStart", val: { actorId, method, path, headers: new Map([["x-a", "b"]]), body: body === null ? null : ab(body), stream } };
  }

  it("feeds a streamed request body from chunks, aborts on RequestAbort, and refuses a body over 20 MiB with a 500", async () => {
    const { engine, calls } = await setup();
    await running(engine, "t1");
    engine.tunnel(2, 0, requestStart("t1", "/body", null, true));
    engine.tunnel(2, 1, { tag: "ToClientRequestChunk", val: { body: ab("hel"), finish: false } });
    engine.tunnel(2, 2, { tag: "ToClientRequestChunk", val: { body: ab("lo"), finish: true } });
    const answered = await engine.tunnelOut(2);
    expect(answered.index).toBe(0);
    expect(answered.kind).toMatchObject({ tag: "ToServerResponseStart", val: { status: 200, stream: false } });
    expect(decoder.decode((answered.kind.val as protocol.v7.ToServerResponseStart).body as ArrayBuffer)).toBe("hello");
    expect((answered.kind.val as protocol.v7.ToServerResponseStart).headers.get("content-length")).toBe("5");

    engine.tunnel(3, 0, requestStart("t1", "/hang", null, false, "GET"));
    await expect.poll(() => calls.signals.length).toBe(2);
    engine.tunnel(3, 1, { tag: "ToClientRequestAbort", val: null });
    await expect.poll(() => calls.signals[1]?.aborted).toBe(true);

    engine.tunnel(4, 0, requestStart("t1", "/huge", null, false, "GET"));
    const huge = await engine.tunnelOut(4);
    expect(huge.kind).toMatchObject({ tag: "ToServerResponseStart", val: { status: 500 } });
  });

  it("opens a hibernatable socket, ignores repeated indices, acks, refuses oversize sends, and closes on an index gap", async () => {
    const { engine, calls } = await setup();
    await running(engine, "w1");
    engine.tunnel(5, 0, { tag: "ToClientWebSocketOpen", val: { actorId: "w1", path: "/hws/chat", headers: new Map() } });
    expect(await engine.tunnelOut(5)).toEqual({ index: 0, kind: { tag: "ToServerWebSocketOpen", val: { canHibernate: true } } });
    const socket = calls.sockets[0] as TunnelWebSocket;
    expect(socket.isHibernatable).toBe(true);
    expect(socket.readyState).toBe(1);

    engine.tunnel(5, 1, { tag: "ToClientWebSocketMessage", val: { data: ab("one"), binary: false } });
    engine.tunnel(5, 1, { tag: "ToClientWebSocketMessage", val: { data: ab("one again"), binary: false } });
    engine.tunnel(5, 2, { tag: "ToClientWebSocketMessage", val: { data: new Uint8Array([9]).buffer, binary: true } });
    await expect.poll(() => calls.received.length).toBe(2);
    expect(calls.received[0]).toEqual({ data: "one", messageIndex: 1 });
    expect(new Uint8Array(calls.received[1]?.data as ArrayBuffer)).toEqual(new Uint8Array([9]));
    socket.ack(2);
    expect(await engine.tunnelOut(5)).toEqual({ index: 1, kind: { tag: "ToServerWebSocketMessageAck", val: { index: 2 } } });
    socket.send("reply");
    expect(await engine.tunnelOut(5)).toMatchObject({ index: 2, kind: { tag: "ToServerWebSocketMessage", val: { binary: false } } });
    expect(socket.lastSentIndex).toBe(2);
    expect(socket.lastReceivedIndex).toBe(2);

    engine.tunnel(5, 4, { tag: "ToClientWebSocketMessage", val: { data: ab("skipped one"), binary: false } });
    expect(await engine.tunnelOut(5)).toEqual({ index: 3, kind: { tag: "ToServerWebSocketClose", val: { code: 1008, reason: "ws.message_index_skip", hibernate: false } } });
    expect(calls.closes).toEqual([{ code: 1008, reason: "ws.message_index_skip" }]);

    engine.tunnel(6, 0, { tag: "ToClientWebSocketOpen", val: { actorId: "w1", path: "/plain", headers: new Map() } });
    expect(await engine.tunnelOut(6)).toEqual({ index: 0, kind: { tag: "ToServerWebSocketOpen", val: { canHibernate: false } } });
    (calls.sockets[1] as TunnelWebSocket).send(new Uint8Array(20 * 1024 * 1024 + 1));
    expect(await engine.tunnelOut(6)).toEqual({ index: 1, kind: { tag: "ToServerWebSocketClose", val: { code: 1009, reason: "ws.message_too_large", hibernate: false } } });
  });

  it("closes plain sockets with actor.stopped when the actor stops, and leaves hibernatable ones to the gateway", async () => {
    const { engine, calls } = await setup();
    await running(engine, "w2");
    engine.tunnel(7, 0, { tag: "ToClientWebSocketOpen", val: { actorId: "w2", path: "/plain", headers: new Map() } });
    engine.tunnel(8, 0, { tag: "ToClientWebSocketOpen", val: { actorId: "w2", path: "/hws", headers: new Map() } });
    await engine.tunnelOut(7, "ToServerWebSocketOpen");
    await engine.tunnelOut(8, "ToServerWebSocketOpen");
    engine.commands(stop("w2", 0, 1));
    expect(await engine.tunnelOut(7)).toEqual({ index: 1, kind: { tag: "ToServerWebSocketClose", val: { code: 1000, reason: "actor.stopped", hibernate: false } } });
    await engine.event((e) => isState(e, "w2", 0, "ActorStateStopped"));
    expect(engine.untaken("ToServerTunnelMessage")).toEqual([]);
    expect(calls.closes).toEqual([{ code: 1000, reason: "actor.stopped" }]);
  });

  it("restores hibernated sockets from persisted indices and closes those with nothing persisted", async () => {
    const persisted = { gatewayId: GW, requestId: rid(10), path: "/hws/restored", headers: { "x-h": "1" }, lastReceivedIndex: 4, lastSentIndex: 6 };
    const stale = { ...persisted, requestId: rid(12) };
    let runnerRef: Runner | undefined;
    const restoring: boolean[] = [];
    const { engine, runner, calls } = await setup({
      onActorStart: async (info) => {
        await (runnerRef as Runner).restoreHibernatedSockets(info.actorId, [persisted, stale]);
      },
      websocket: (_actorId, socket, _request, info) => {
        restoring.push(info.isRestoring);
        calls.sockets.push(socket);
        socket.addEventListener("message", (e) => calls.received.push(e));
        socket.addEventListener("close", (e) => calls.closes.push({ code: e.code, reason: e.reason }));
      },
    });
    runnerRef = runner;
    // The gateway resends its unacked message before the start has finished.
    engine.commands(start("h1", 0, 0, [{ gatewayId: GW, requestId: rid(10) }, { gatewayId: GW, requestId: rid(11) }]));
    engine.tunnel(10, 5, { tag: "ToClientWebSocketMessage", val: { data: ab("after wake"), binary: false } });
    expect(await engine.tunnelOut(11)).toEqual({ index: 0, kind: { tag: "ToServerWebSocketClose", val: { code: 1000, reason: "ws.meta_not_found_during_restore", hibernate: false } } });
    await engine.event((e) => isState(e, "h1", 0, "ActorStateRunning"));
    expect(restoring).toEqual([true, true]);
    expect(calls.closes).toEqual([{ code: 1000, reason: "ws.stale_metadata" }]);
    await expect.poll(() => calls.received).toEqual([{ data: "after wake", messageIndex: 5 }]);
    const restored = calls.sockets[0] as TunnelWebSocket;
    expect(restored.readyState).toBe(1);
    restored.send("hi again");
    expect(await engine.tunnelOut(10)).toMatchObject({ index: 7, kind: { tag: "ToServerWebSocketMessage" } });
  });
});
