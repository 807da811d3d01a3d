import * as r1 from "../gen/runner/v1.js";
import * as r2 from "../gen/runner/v2.js";
import * as r3 from "../gen/runner/v3.js";
import { ChainBuilder, notExpressible } from "./chain.js";
import { fromUuidPair, toUuidPair } from "./uuid-compat.js";

/**
 * Runner protocol versions 1-3 ("mk1"): a runner-wide event and command index and runner
 * pings. The latest type is v3. Parts of a message that a step does not change pass through
 * with a cast (identical layouts; only the nominal enum types differ).
 */
export const MK1_VERSIONS = [1, 2, 3] as const;
const FAMILY = "runner";

// ---- ToServer ---------------------------------------------------------------------------

function serverKindUp1(k: r1.ToServerTunnelMessageKind): r2.ToServerTunnelMessageKind {
  switch (k.tag) {
    case "ToServerWebSocketOpen":
      // v1 has no hibernation: the socket is not hibernatable and has seen no message.
      return { tag: k.tag, val: { canHibernate: false, lastMsgIndex: -1n } };
    case "ToServerWebSocketClose":
      return { tag: k.tag, val: { code: k.val.code, reason: k.val.reason, retry: false } };
    default:
      return k as unknown as r2.ToServerTunnelMessageKind;
  }
}

function serverKindDown2(k: r2.ToServerTunnelMessageKind): r1.ToServerTunnelMessageKind {
  switch (k.tag) {
    case "ToServerWebSocketOpen":
      return { tag: k.tag, val: null };
    case "ToServerWebSocketMessageAck":
      return notExpressible(FAMILY, "ToServer", 2, 1, "ToServerWebSocketMessageAck");
    case "ToServerWebSocketClose":
      return { tag: k.tag, val: { code: k.val.code, reason: k.val.reason } };
    default:
      return k as unknown as r1.ToServerTunnelMessageKind;
  }
}

function serverKindUp2(k: r2.ToServerTunnelMessageKind): r3.ToServerTunnelMessageKind {
  switch (k.tag) {
    case "TunnelAck":
      return { tag: "DeprecatedTunnelAck", val: null };
    case "ToServerWebSocketOpen":
      return { tag: k.tag, val: { canHibernate: k.val.canHibernate } };
    case "ToServerWebSocketClose":
      return { tag: k.tag, val: { code: k.val.code, reason: k.val.reason, hibernate: k.val.retry } };
    default:
      return k as unknown as r3.ToServerTunnelMessageKind;
  }
}

function serverKindDown3(k: r3.ToServerTunnelMessageKind): r2.ToServerTunnelMessageKind {
  switch (k.tag) {
    case "DeprecatedTunnelAck":
      return { tag: "TunnelAck", val: null };
    case "ToServerWebSocketOpen":
      return { tag: k.tag, val: { canHibernate: k.val.canHibernate, lastMsgIndex: -1n } };
    case "ToServerWebSocketClose":
      return { tag: k.tag, val: { code: k.val.code, reason: k.val.reason, retry: k.val.hibernate } };
    default:
      return k as unknown as r2.ToServerTunnelMessageKind;
  }
}

/** `ToServer` (runner to engine) across runner protocol v1-v3, read and written as v3. */
export const ToServer = ChainBuilder.start(FAMILY, "ToServer", 1, { encode: r1.encodeToServer, decode: r1.decodeToServer })
  .next(
    2,
    { encode: r2.encodeToServer, decode: r2.decodeToServer },
    (x): r2.ToServer =>
      x.tag === "ToServerTunnelMessage"
        ? { tag: x.tag, val: { ...x.val, messageKind: serverKindUp1(x.val.messageKind) } }
        : (x as unknown as r2.ToServer),
    (x): r1.ToServer =>
      x.tag === "ToServerTunnelMessage"
        ? { tag: x.tag, val: { ...x.val, messageKind: serverKindDown2(x.val.messageKind) } }
        : (x as unknown as r1.ToServer),
  )
  .next(
    3,
    { encode: r3.encodeToServer, decode: r3.decodeToServer },
    (x): r3.ToServer =>
      x.tag === "ToServerTunnelMessage"
        ? {
            tag: x.tag,
            val: { messageId: fromUuidPair(x.val.requestId, x.val.messageId), messageKind: serverKindUp2(x.val.messageKind) },
          }
        : (x as unknown as r3.ToServer),
    (x): r2.ToServer =>
      x.tag === "ToServerTunnelMessage"
        ? { tag: x.tag, val: { ...toUuidPair(x.val.messageId), messageKind: serverKindDown3(x.val.messageKind) } }
        : (x as unknown as r2.ToServer),
  )
  .build(MK1_VERSIONS);

// ---- ToClient ---------------------------------------------------------------------------

function clientKindUp1(k: r1.ToClientTunnelMessageKind): r2.ToClientTunnelMessageKind {
  if (k.tag === "ToClientWebSocketMessage") return { tag: k.tag, val: { index: 0, ...k.val } };
  return k as unknown as r2.ToClientTunnelMessageKind;
}

function clientKindDown2(k: r2.ToClientTunnelMessageKind): r1.ToClientTunnelMessageKind {
  if (k.tag === "ToClientWebSocketMessage") return { tag: k.tag, val: { data: k.val.data, binary: k.val.binary } };
  return k as unknown as r1.ToClientTunnelMessageKind;
}

function clientKindUp2(k: r2.ToClientTunnelMessageKind): r3.ToClientTunnelMessageKind {
  switch (k.tag) {
    case "TunnelAck":
      return { tag: "DeprecatedTunnelAck", val: null };
    case "ToClientWebSocketMessage":
      return { tag: k.tag, val: { data: k.val.data, binary: k.val.binary } };
    default:
      return k as unknown as r3.ToClientTunnelMessageKind;
  }
}

function clientKindDown3(k: r3.ToClientTunnelMessageKind, messageIndex: number): r2.ToClientTunnelMessageKind {
  switch (k.tag) {
    case "DeprecatedTunnelAck":
      return { tag: "TunnelAck", val: null };
    case "ToClientWebSocketMessage":
      // v2 repeats the message index inside the WebSocket message.
      return { tag: k.tag, val: { index: messageIndex, data: k.val.data, binary: k.val.binary } };
    default:
      return k as unknown as r2.ToClientTunnelMessageKind;
  }
}

function commandsUp2(commands: r2.ToClientCommands): r3.ToClientCommands {
  return commands.map((c) => ({
    index: c.index,
    inner:
      c.inner.tag === "CommandStartActor"
        ? { tag: "CommandStartActor", val: { ...c.inner.val, hibernatingRequests: [] } }
        : c.inner,
  }));
}

function commandsDown3(commands: r3.ToClientCommands): r2.ToClientCommands {
  return commands.map((c) => {
    if (c.inner.tag !== "CommandStartActor") return { index: c.index, inner: c.inner };
    const { actorId, generation, config } = c.inner.val;
    return { index: c.index, inner: { tag: "CommandStartActor", val: { actorId, generation, config } } };
  });
}

/** `ToClient` (engine to runner) across runner protocol v1-v3, read and written as v3. */
export const ToClient = ChainBuilder.start(FAMILY, "ToClient", 1, { encode: r1.encodeToClient, decode: r1.decodeToClient })
  .next(
    2,
    { encode: r2.encodeToClient, decode: r2.decodeToClient },
    (x): r2.ToClient =>
      x.tag === "ToClientTunnelMessage"
        ? { tag: x.tag, val: { ...x.val, messageKind: clientKindUp1(x.val.messageKind) } }
        : (x as unknown as r2.ToClient),
    (x): r1.ToClient =>
      x.tag === "ToClientTunnelMessage"
        ? { tag: x.tag, val: { ...x.val, messageKind: clientKindDown2(x.val.messageKind) } }
        : (x as unknown as r1.ToClient),
  )
  .next(
    3,
    { encode: r3.encodeToClient, decode: r3.decodeToClient },
    (x): r3.ToClient => {
      switch (x.tag) {
        case "ToClientTunnelMessage":
          return {
            tag: x.tag,
            val: { messageId: fromUuidPair(x.val.requestId, x.val.messageId), messageKind: clientKindUp2(x.val.messageKind) },
          };
        case "ToClientCommands":
          return { tag: x.tag, val: commandsUp2(x.val) };
        default:
          return x as unknown as r3.ToClient;
      }
    },
    (x): r2.ToClient => {
      switch (x.tag) {
        case "ToClientTunnelMessage":
          return {
            tag: x.tag,
            val: {
              ...toUuidPair(x.val.messageId),
              messageKind: clientKindDown3(x.val.messageKind, x.val.messageId.messageIndex),
              // The reply subject is internal to Rivet's engine and never reaches a runner.
              gatewayReplyTo: null,
            },
          };
        case "ToClientCommands":
          return { tag: x.tag, val: commandsDown3(x.val) };
        default:
          return x as unknown as r2.ToClient;
      }
    },
  )
  .build(MK1_VERSIONS);
