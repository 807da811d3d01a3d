/**
 * Testee adapter for our own low-level runner, `Runner` from `@actorwire/runner`: hosts the
 * standard conformance actors (`fixtures/conformance-actors/`) through its `RunnerHandler`
 * contract, configured from the environment contract of `actorwire-conformance runner`.
 *
 *   actorwire-conformance runner --runner "node --import tsx --conditions=source conformance/testees/actorwire-runner.ts"
 */
import { Runner, type TunnelWebSocket } from "@actorwire/runner";
import { readRunnerEnv } from "./runner-env.js";
import { type ActorHost, type ActorSocket, refusesSocket, STANDARD_ACTOR_NAMES, type StandardActor, startStandardActor, wantsHibernation } from "./standard-actors.js";

const env = readRunnerEnv();
const actors = new Map<string, { actor: StandardActor; name: string }>();

function hostFor(runner: Runner, actorId: string, generation: number): ActorHost {
  const kv = runner.kv;
  return {
    actorId,
    generation,
    kvGet: (keys) => kv.get(actorId, keys),
    kvList: (query, options) =>
      kv.list(
        actorId,
        query.kind === "all" ? { kind: "all" } : query.kind === "prefix" ? { kind: "prefix", prefix: query.prefix } : { kind: "range", start: query.start, end: query.end, exclusive: query.exclusive },
        options,
      ),
    kvPut: (entries) => kv.put(actorId, entries),
    kvDelete: (keys) => kv.delete(actorId, keys),
    kvDeleteRange: (start, end) => kv.deleteRange(actorId, start, end),
    kvDrop: () => kv.drop(actorId),
    sleep: () => runner.sleepActor(actorId),
    destroy: () => runner.destroyActor(actorId),
    setAlarm: (ts) => runner.setAlarm(actorId, ts),
    exitProcess: (code) => process.exit(code),
  };
}

function socketFor(ws: TunnelWebSocket): ActorSocket {
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
    ack: (index) => ws.ack(index),
  };
}

const runner: Runner = new Runner({
  endpoint: env.endpoint,
  ...(env.token !== undefined ? { token: env.token } : {}),
  namespace: env.namespace,
  runnerName: env.runnerName,
  totalSlots: env.totalSlots,
  actorNames: Object.fromEntries(STANDARD_ACTOR_NAMES.map((name) => [name, { metadata: {} }])),
  metadata: { testee: "actorwire-runner" },
  handler: {
    async onActorStart(info) {
      const actor = startStandardActor(hostFor(runner, info.actorId, info.generation), { name: info.name, key: info.key, input: info.input });
      actors.set(info.actorId, { actor, name: info.name });
    },
    async onActorStop(actorId) {
      actors.delete(actorId);
    },
    async fetch(actorId, request) {
      const entry = actors.get(actorId);
      if (entry === undefined) return new Response("actor not hosted", { status: 503, headers: { "x-rivet-error": "runner.actor_not_found" } });
      return entry.actor.fetch(request);
    },
    websocket(actorId, ws, request) {
      const entry = actors.get(actorId);
      const path = new URL(request.url).pathname;
      if (entry === undefined || refusesSocket(entry.name, path)) throw new Error(`socket refused on ${path}`);
      const socket = socketFor(ws);
      ws.addEventListener("message", (event) => {
        const data = typeof event.data === "string" ? event.data : new Uint8Array(event.data);
        entry.actor.onSocketMessage(socket, data, event.messageIndex, ws.isHibernatable);
      });
    },
    canHibernate(actorId, request) {
      const entry = actors.get(actorId);
      return entry !== undefined && wantsHibernation(entry.name, new URL(request.url).pathname);
    },
  },
});

// Our runner exits by itself after a drain (its signal handler); after an eviction it has
// shut down and this process has nothing left to do.
runner.on("shutdown", () => setTimeout(() => process.exit(0), 50));
await runner.start();
