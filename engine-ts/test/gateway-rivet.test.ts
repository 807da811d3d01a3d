import { runner } from "@actorwire/protocol";
import { eventually } from "@actorwire/testkit";
import { Runner } from "@rivetkit/engine-runner";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunnerConnection } from "../src/runners/index.js";
import { type Harness, clientSocket, http, silent, startHarness } from "./gateway-harness.js";

// The gateway against Rivet's own runner (@rivetkit/engine-runner 2.2.1). The test plays
// the lifecycle: it sends CommandStartActor / CommandStopActor through the runner's
// connection and tells the router when the runner reports the actor running or stopped.

type HibernationMeta = {
  gatewayId: ArrayBuffer;
  requestId: ArrayBuffer;
  clientMessageIndex: number;
  serverMessageIndex: number;
  path: string;
  headers: Record<string, string>;
};

describe("the gateway with Rivet's runner", () => {
  let h: Harness;
  let rivet: Runner;
  let connection: RunnerConnection;
  const commandIndex = new Map<string, bigint>();
  /** What a rivetkit actor would persist for its hibernatable sockets, per actor. */
  const persisted = new Map<string, HibernationMeta[]>();
  const serverCloses: { actorId: string; code: number; reason: string }[] = [];
  const acks: number[] = [];

  beforeAll(async () => {
    h = await startHarness({}, { pingIntervalMs: 200 });
    h.runners.on("message", (_c, m) => {
      if (m.tag === "ToServerTunnelMessage" && m.val.messageKind.tag === "ToServerWebSocketMessageAck") {
        acks.push(m.val.messageKind.val.index);
      }
    });
    let onConnected!: () => void;
    const connected = new Promise<void>((resolve) => {
      onConnected = resolve;
    });
    rivet = new Runner({
      version: 1,
      endpoint: `http://127.0.0.1:${h.port}`,
      namespace: "default",
      runnerName: "rivet-runner",
      totalSlots: 10,
      prepopulateActorNames: {},
      logger: silent,
      noAutoShutdown: true,
      onConnected,
      onDisconnected: () => {},
      onShutdown: () => {},
      fetch: async (_runner, actorId, _gatewayId, _requestId, request) => {
        const url = new URL(request.url);
        const body = JSON.stringify({
          actorId,
          method: request.method,
          path: `${url.pathname}${url.search}`,
          body: await request.text(),
          custom: request.headers.get("x-custom"),
          rayId: request.headers.get("x-rivet-ray-id"),
        });
        return new Response(body, { status: 202, headers: { "content-type": "application/json", "x-from": "rivet" } });
      },
      websocket: async (runnerRef, actorId, ws, gatewayId, requestId, _request, path, headers, isHibernatable, isRestoring) => {
        if (isHibernatable && !isRestoring) {
          const list = persisted.get(actorId) ?? [];
          list.push({ gatewayId, requestId, clientMessageIndex: 0, serverMessageIndex: 0, path, headers });
          persisted.set(actorId, list);
        }
        ws.addEventListener("message", (event: { data: unknown; rivetMessageIndex: number }) => {
          const data = event.data;
          ws.send(typeof data === "string" ? `echo:${data}` : data);
          if (!isHibernatable) return;
          const meta = persisted.get(actorId)?.find((m) => Buffer.from(m.requestId).equals(Buffer.from(requestId)));
          if (meta) {
            meta.serverMessageIndex = event.rivetMessageIndex;
            meta.clientMessageIndex++;
          }
          runnerRef.sendHibernatableWebSocketMessageAck(gatewayId, requestId, event.rivetMessageIndex);
        });
        ws.addEventListener("close", (event: { code: number; reason: string }) => {
          serverCloses.push({ actorId, code: event.code, reason: event.reason });
        });
      },
      hibernatableWebSocket: { canHibernate: (_actorId, _g, _r, request) => new URL(request.url).pathname.includes("hws") },
      onActorStart: async (actorId) => {
        await rivet.restoreHibernatingRequests(actorId, persisted.get(actorId) ?? []);
      },
      onActorStop: async () => {},
    });
    await rivet.start();
    await connected;
    connection = await eventually("the runner's connection", () => h.runners.connection(rivet.runnerId as string));
  });

  afterAll(async () => {
    await rivet.shutdown(true);
    await h.close();
  });

  /** Waits for the runner to report an actor's state. */
  function stateReported(actorId: string, state: "ActorStateRunning" | "ActorStateStopped"): Promise<number> {
    return new Promise((resolve) => {
      const off = h.runners.on("message", (_c, m) => {
        if (m.tag !== "ToServerEvents") return;
        for (const e of m.val) {
          if (e.checkpoint.actorId === actorId && e.inner.tag === "EventActorStateUpdate" && e.inner.val.state.tag === state) {
            off();
            resolve(e.checkpoint.generation);
          }
        }
      });
    });
  }

  function command(actorId: string, generation: number, inner: runner.v7.Command): void {
    const key = `${actorId}:${generation}`;
    const index = commandIndex.get(key) ?? 0n;
    commandIndex.set(key, index + 1n);
    connection.send({ tag: "ToClientCommands", val: [{ checkpoint: { actorId, generation, index }, inner }] });
  }

  /** Starts an actor on Rivet's runner, as the lifecycle would, and places it in the router. */
  async function startActor(actorId: string, generation: number): Promise<void> {
    const running = stateReported(actorId, "ActorStateRunning");
    command(actorId, generation, {
      tag: "CommandStartActor",
      val: {
        config: { name: "echo", key: null, createTs: BigInt(Date.now()), input: null },
        hibernatingRequests: h.gateway.hibernatingRequests(actorId),
      },
    });
    expect(await running).toBe(generation);
    h.router.place(actorId, connection.runnerId, generation);
  }

  async function stopActor(actorId: string, generation: number): Promise<void> {
    const stopped = stateReported(actorId, "ActorStateStopped");
    command(actorId, generation, { tag: "CommandStopActor", val: null });
    await stopped;
    h.router.stop(actorId);
  }

  it("serves HTTP through Rivet's fetch handler", async () => {
    await startActor("rivet-http", 1);
    const res = await http(h.port, "/gateway/rivet-http/request/hello?x=1", {
      method: "POST",
      headers: { "x-custom": "value", origin: "http://app.example" },
      body: "ping",
    });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({
      actorId: "rivet-http",
      method: "POST",
      path: "/request/hello?x=1",
      body: "ping",
      custom: "value",
      rayId: res.headers["x-rivet-ray-id"],
    });
    expect(res.headers).toMatchObject({
      "content-type": "application/json",
      "x-from": "rivet",
      "access-control-allow-origin": "http://app.example",
      "access-control-allow-credentials": "true",
    });
    expect(h.gateway.inFlight).toBe(0);
  });

  it("relays a WebSocket to Rivet's websocket handler and closes it when the actor stops", async () => {
    await startActor("rivet-ws", 1);
    const client = clientSocket(h.port, "/gateway/rivet-ws/websocket/echo", ["rivet", "rivet_encoding.json"]);
    expect((await client.opened).protocol).toBe("rivet");
    client.ws.send("hi");
    expect((await client.next()).data.toString()).toBe("echo:hi");
    client.ws.send(Buffer.from([1, 2, 3]));
    const echoed = await client.next();
    expect(echoed.isBinary).toBe(true);
    expect([...echoed.data]).toEqual([1, 2, 3]);

    await stopActor("rivet-ws", 1);
    expect(await client.closed).toEqual({ code: 1000, reason: "actor.stopped" });
    // Rivet's runner closes its side by itself when the actor stops.
    expect(serverCloses).toContainEqual({ actorId: "rivet-ws", code: 1000, reason: "actor.stopped" });
  });

  it("passes a client close to Rivet's handler", async () => {
    await startActor("rivet-close", 1);
    const client = clientSocket(h.port, "/gateway/rivet-close/websocket");
    await client.opened;
    client.ws.close(4002, "client done");
    await client.closed;
    await eventually("the runner-side close of rivet-close", () => serverCloses.find((c) => c.actorId === "rivet-close"));
    expect(serverCloses).toContainEqual({ actorId: "rivet-close", code: 4002, reason: "client done" });
  });

  it("keeps a hibernatable socket across a stop and resumes it on the restarted actor", async () => {
    await startActor("rivet-hws", 1);
    const client = clientSocket(h.port, "/gateway/rivet-hws/hws");
    await client.opened;
    client.ws.send("a");
    expect((await client.next()).data.toString()).toBe("echo:a");
    // Rivet's runner acknowledges with the gateway's index of the message.
    await eventually("the ack of message 1", () => acks.includes(1));

    await stopActor("rivet-hws", 1);
    await eventually("1 hibernating request for rivet-hws", () => h.gateway.hibernatingRequests("rivet-hws").length === 1);
    expect(client.ws.readyState).toBe(client.ws.OPEN);

    // The next client message wakes the actor; it restarts with the socket listed.
    h.router.onWake = (actorId) => void startActor(actorId, 2);
    client.ws.send("b");
    expect((await client.next()).data.toString()).toBe("echo:b");
    h.router.onWake = undefined;
    client.ws.send("c");
    expect((await client.next()).data.toString()).toBe("echo:c");
    await eventually("the ack of message 3", () => acks.includes(3));
    client.ws.close(1000, "bye");
    await eventually("the runner-side close of rivet-hws", () => serverCloses.find((c) => c.actorId === "rivet-hws"));
    expect(serverCloses).toContainEqual({ actorId: "rivet-hws", code: 1000, reason: "bye" });
  });
});
