/**
 * Testee adapter for Rivet's own runner, `@rivetkit/engine-runner@2.2.1`: hosts the standard
 * conformance actors (`fixtures/conformance-actors/`) with its `Runner` class, configured from
 * the environment contract of `actorwire-conformance runner`.
 *
 *   actorwire-conformance runner --runner "node --import tsx --conditions=source conformance/testees/rivet-engine-runner.ts"
 *
 * Nothing here works around Rivet's behaviour: where it differs from the suite, the case fails
 * and `conformance/known-failing/rivet-engine-runner-2.2.1.txt` says why.
 */
import { Runner } from "@rivetkit/engine-runner";
import { readRunnerEnv } from "./runner-env.js";
import { type ActorHost, type ActorSocket, refusesSocket, STANDARD_ACTOR_NAMES, type StandardActor, startStandardActor, wantsHibernation } from "./standard-actors.js";

const env = readRunnerEnv();
const actors = new Map<string, { actor: StandardActor; name: string }>();

function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function hostFor(runner: Runner, actorId: string, generation: number): ActorHost {
  return {
    actorId,
    generation,
    kvGet: (keys) => runner.kvGet(actorId, keys),
    kvList: (query, options) =>
      query.kind === "all"
        ? runner.kvListAll(actorId, options)
        : query.kind === "prefix"
          ? runner.kvListPrefix(actorId, copy(query.prefix), options)
          : runner.kvListRange(actorId, copy(query.start), copy(query.end), query.exclusive, options),
    kvPut: (entries) => runner.kvPut(actorId, entries),
    kvDelete: (keys) => runner.kvDelete(actorId, keys),
    kvDeleteRange: (start, end) => runner.kvDeleteRange(actorId, start, end),
    kvDrop: () => runner.kvDrop(actorId),
    sleep: () => runner.sleepActor(actorId, generation),
    destroy: () => runner.destroyActor(actorId, generation),
    setAlarm: (ts) => runner.setAlarm(actorId, ts, generation),
    exitProcess: (code) => process.exit(code),
  };
}

const runner: Runner = new Runner({
  version: 1,
  endpoint: env.endpoint,
  ...(env.token !== undefined ? { token: env.token } : {}),
  namespace: env.namespace,
  totalSlots: env.totalSlots,
  runnerName: env.runnerName,
  prepopulateActorNames: Object.fromEntries(STANDARD_ACTOR_NAMES.map((name) => [name, { metadata: {} }])),
  metadata: { testee: "rivet-engine-runner" },
  onConnected: () => {},
  onDisconnected: () => {},
  // Rivet's runner does not exit by itself after a drain or an eviction; a runner process
  // that has shut down has nothing left to do.
  onShutdown: () => setTimeout(() => process.exit(0), 50),
  fetch: async (_runner, actorId, _gatewayId, _requestId, request) => {
    const entry = actors.get(actorId);
    if (entry === undefined) return new Response("actor not hosted", { status: 503, headers: { "x-rivet-error": "runner.actor_not_found" } });
    return entry.actor.fetch(request);
  },
  websocket: async (_runner, actorId, ws, gatewayId, requestId, _request, path, _headers, isHibernatable) => {
    const entry = actors.get(actorId);
    if (entry === undefined || refusesSocket(entry.name, path)) throw new Error(`socket refused on ${path}`);
    const socket: ActorSocket = {
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
      ack: (index) => runner.sendHibernatableWebSocketMessageAck(gatewayId, requestId, index),
    };
    ws.addEventListener("message", (event: { data: unknown; rivetMessageIndex: number }) => {
      const data = typeof event.data === "string" ? event.data : new Uint8Array(event.data as ArrayBufferLike);
      entry.actor.onSocketMessage(socket, data, event.rivetMessageIndex, isHibernatable);
    });
  },
  hibernatableWebSocket: {
    canHibernate: (actorId, _gatewayId, _requestId, request) => {
      const entry = actors.get(actorId);
      return entry !== undefined && wantsHibernation(entry.name, new URL(request.url).pathname);
    },
  },
  onActorStart: async (actorId, generation, config) => {
    const actor = startStandardActor(hostFor(runner, actorId, generation), { name: config.name, key: config.key, input: config.input });
    actors.set(actorId, { actor, name: config.name });
    // The standard actors persist no hibernated sockets; restoring with no entries closes any
    // the engine lists, as Rivet's runner requires this call from every start.
    await runner.restoreHibernatingRequests(actorId, []);
  },
  onActorStop: async (actorId) => {
    actors.delete(actorId);
  },
});

await runner.start();
