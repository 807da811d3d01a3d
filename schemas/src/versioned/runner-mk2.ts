import * as r4 from "../gen/runner/v4.js";
import * as r5 from "../gen/runner/v5.js";
import * as r6 from "../gen/runner/v6.js";
import * as r7 from "../gen/runner/v7.js";
import { ChainBuilder, notExpressible } from "./chain.js";

/**
 * Runner protocol versions 4-7 ("mk2"): per-actor checkpoints, engine pings. The latest
 * type is v7.
 *
 * Where a step leaves a part of a message unchanged, the converter passes that part through
 * with a cast: the layouts are identical, but TypeScript treats the enums of two generated
 * modules as different types even when their values are the same strings.
 */
export const MK2_VERSIONS = [4, 5, 6, 7] as const;
const FAMILY = "runner";

function serverUp4(x: r4.ToServer): r5.ToServer {
  switch (x.tag) {
    case "ToServerEvents":
      return {
        tag: "ToServerEvents",
        val: x.val.map((e) => ({
          checkpoint: { actorId: e.checkpoint.actorId, generation: e.inner.val.generation, index: e.checkpoint.index },
          inner: eventUp4(e.inner),
        })),
      };
    case "ToServerAckCommands":
      return {
        tag: "ToServerAckCommands",
        // v4 acks carry no generation; 0 is what Rivet's engine assumes as well.
        val: { lastCommandCheckpoints: x.val.lastCommandCheckpoints.map((c) => ({ ...c, generation: 0 })) },
      };
    default:
      return x as unknown as r5.ToServer;
  }
}

function eventUp4(e: r4.Event): r5.Event {
  switch (e.tag) {
    case "EventActorIntent":
      return { tag: e.tag, val: { intent: e.val.intent } };
    case "EventActorStateUpdate":
      return { tag: e.tag, val: { state: e.val.state as unknown as r5.ActorState } };
    case "EventActorSetAlarm":
      return { tag: e.tag, val: { alarmTs: e.val.alarmTs } };
  }
}

function serverDown5(x: r5.ToServer): r4.ToServer {
  switch (x.tag) {
    case "ToServerEvents":
      return {
        tag: "ToServerEvents",
        val: x.val.map((e) => {
          const { actorId, generation, index } = e.checkpoint;
          return { checkpoint: { actorId, index }, inner: eventDown5(e.inner, actorId, generation) };
        }),
      };
    case "ToServerAckCommands":
      return {
        tag: "ToServerAckCommands",
        val: { lastCommandCheckpoints: x.val.lastCommandCheckpoints.map(({ actorId, index }) => ({ actorId, index })) },
      };
    default:
      return x as unknown as r4.ToServer;
  }
}

function eventDown5(e: r5.Event, actorId: string, generation: number): r4.Event {
  switch (e.tag) {
    case "EventActorIntent":
      return { tag: e.tag, val: { actorId, generation, intent: e.val.intent } };
    case "EventActorStateUpdate":
      return { tag: e.tag, val: { actorId, generation, state: e.val.state as unknown as r4.ActorState } };
    case "EventActorSetAlarm":
      return { tag: e.tag, val: { actorId, generation, alarmTs: e.val.alarmTs } };
  }
}

function serverDown7(x: r7.ToServer): r6.ToServer {
  if (x.tag === "ToServerKvRequest" && x.val.data.tag === "KvDeleteRangeRequest") {
    notExpressible(FAMILY, "ToServer", 7, 6, "KvDeleteRangeRequest");
  }
  return x as unknown as r6.ToServer;
}

/** `ToServer` (runner to engine) across runner protocol v4-v7, read and written as v7. */
export const ToServer = ChainBuilder.start(FAMILY, "ToServer", 4, { encode: r4.encodeToServer, decode: r4.decodeToServer })
  .next(5, { encode: r5.encodeToServer, decode: r5.decodeToServer }, serverUp4, serverDown5)
  // v5 and v6 share one ToServer layout.
  .next(
    6,
    { encode: r6.encodeToServer, decode: r6.decodeToServer },
    (x) => x as unknown as r6.ToServer,
    (x) => x as unknown as r5.ToServer,
  )
  .next(7, { encode: r7.encodeToServer, decode: r7.decodeToServer }, (x) => x as unknown as r7.ToServer, serverDown7)
  .build(MK2_VERSIONS);

function clientUp4(x: r4.ToClient): r5.ToClient {
  switch (x.tag) {
    case "ToClientCommands":
      return {
        tag: "ToClientCommands",
        val: x.val.map((c) => ({
          checkpoint: { actorId: c.checkpoint.actorId, generation: c.inner.val.generation, index: c.checkpoint.index },
          inner:
            c.inner.tag === "CommandStartActor"
              ? {
                  tag: "CommandStartActor",
                  val: { config: c.inner.val.config, hibernatingRequests: c.inner.val.hibernatingRequests },
                }
              : { tag: "CommandStopActor", val: null },
        })),
      };
    case "ToClientAckEvents":
      return {
        tag: "ToClientAckEvents",
        val: { lastEventCheckpoints: x.val.lastEventCheckpoints.map((c) => ({ ...c, generation: 0 })) },
      };
    default:
      return x as unknown as r5.ToClient;
  }
}

function clientDown5(x: r5.ToClient): r4.ToClient {
  switch (x.tag) {
    case "ToClientCommands":
      return {
        tag: "ToClientCommands",
        val: x.val.map((c) => {
          const { actorId, generation, index } = c.checkpoint;
          return {
            checkpoint: { actorId, index },
            inner:
              c.inner.tag === "CommandStartActor"
                ? { tag: "CommandStartActor", val: { generation, ...c.inner.val } }
                : { tag: "CommandStopActor", val: { generation } },
          };
        }),
      };
    case "ToClientAckEvents":
      return {
        tag: "ToClientAckEvents",
        val: { lastEventCheckpoints: x.val.lastEventCheckpoints.map(({ actorId, index }) => ({ actorId, index })) },
      };
    default:
      return x as unknown as r4.ToClient;
  }
}

function clientUp5(x: r5.ToClient): r6.ToClient {
  if (x.tag === "ToClientInit") {
    const { runnerId, metadata } = x.val;
    return {
      tag: "ToClientInit",
      // Rivet's engine fills the same defaults when it reads a v5 init.
      val: {
        runnerId,
        metadata: { runnerLostThreshold: metadata.runnerLostThreshold, actorStopThreshold: 0n, serverlessDrainGracePeriod: null },
      },
    };
  }
  return x as unknown as r6.ToClient;
}

function clientDown6(x: r6.ToClient): r5.ToClient {
  if (x.tag === "ToClientInit") {
    const { runnerId, metadata } = x.val;
    return { tag: "ToClientInit", val: { runnerId, metadata: { runnerLostThreshold: metadata.runnerLostThreshold } } };
  }
  return x as unknown as r5.ToClient;
}

/** `ToClient` (engine to runner) across runner protocol v4-v7, read and written as v7. */
export const ToClient = ChainBuilder.start(FAMILY, "ToClient", 4, { encode: r4.encodeToClient, decode: r4.decodeToClient })
  .next(5, { encode: r5.encodeToClient, decode: r5.decodeToClient }, clientUp4, clientDown5)
  .next(6, { encode: r6.encodeToClient, decode: r6.decodeToClient }, clientUp5, clientDown6)
  // v6 and v7 share one ToClient layout.
  .next(
    7,
    { encode: r7.encodeToClient, decode: r7.decodeToClient },
    (x) => x as unknown as r7.ToClient,
    (x) => x as unknown as r6.ToClient,
  )
  .build(MK2_VERSIONS);
