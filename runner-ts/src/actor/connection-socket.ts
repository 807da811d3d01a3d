/**
 * WebSocket `/connect`: the stateful connection of rivetkit clients.
 *
 * A new socket runs the connection hooks before it is accepted; once open it receives `Init`
 * (or, when a hook refused it, an `Error` and a close `1011 group.code`). Frames carry
 * `ActionRequest` (answered by `ActionResponse` or `Error{actionId}`) and
 * `SubscriptionRequest`; events reach subscribed connections only.
 *
 * A hibernatable socket (every `/connect` by default) has a persisted record. Each incoming
 * message is acked to the gateway only once it is durably handled (the action's state changes
 * and the record with its subscriptions are written), in order, so the gateway replays
 * whatever a crash or a sleep interrupted. Messages arriving while the actor is shutting down
 * are left unacked on purpose: the gateway delivers them again after the wake. A socket
 * restored after a wake gets neither hooks nor `Init`: the client never noticed.
 */
import type { TunnelMessageEvent, TunnelRequestInfo, TunnelWebSocket } from "../runner/types.js";
import { ActorConn, CONN_INTERNALS, holdEvent, type ConnTransport } from "./connection.js";
import { ActorError, toCallerError } from "./errors.js";
import type { SurfaceRuntime } from "./surfaces-runtime.js";
import { CLIENT_LATEST_VERSION, type ClientEncoding, type ToClientMessage } from "@actorwire/protocol";
import { decodeToServer, encodeToClient, errorBody, socketConnParams, socketEncoding, socketProtocols, wireSize } from "./wire.js";
import { invalidRequest, outgoingTooLong } from "./wire-errors.js";

/** Takes one `/connect` socket (fresh or restored). */
export async function acceptConnectSocket(rt: SurfaceRuntime, socket: TunnelWebSocket, request: Request, info: TunnelRequestInfo): Promise<void> {
  const protocols = socketProtocols(request);
  const encoding = socketEncoding(protocols);
  if (encoding === undefined) {
    closeWhenOpen(socket, 1003, "actor.unsupported_websocket_encoding");
    return;
  }
  if (info.isRestoring) {
    const conn = rt.connections.byTunnel(info.gatewayId, info.requestId);
    if (!conn) {
      rt.host.log.warn("a restored /connect socket has no persisted connection; closing it");
      socket.close(1011, "actor.hibernation_conn_not_found");
      return;
    }
    attach(rt, conn, socket, encoding);
    return;
  }
  let conn: ActorConn;
  try {
    let params: unknown;
    try {
      params = socketConnParams(protocols);
    } catch (err) {
      throw invalidRequest(`connection params: ${(err as Error).message}`);
    }
    conn = await rt.connections.connect({
      kind: "connect",
      params,
      request,
      hibernation: socket.isHibernatable
        ? { gatewayId: info.gatewayId, requestId: info.requestId, requestPath: pathOf(request), requestHeaders: headerRecord(request) }
        : undefined,
    });
  } catch (err) {
    const error = toCallerError(err, rt.host.log, "a connection hook failed");
    if (error.code !== "internal_error") rt.host.log.debug({ group: error.group, code: error.code }, "connection refused");
    socket.addEventListener("open", () => {
      sendFrame(socket, errorBody(error, null), encoding, CLIENT_LATEST_VERSION, Number.MAX_SAFE_INTEGER);
      socket.close(1011, `${error.group}.${error.code}`);
    });
    return;
  }
  attach(rt, conn, socket, encoding);
  socket.addEventListener("open", () => {
    sendFrame(socket, { tag: "Init", val: { actorId: rt.host.actorId, connectionId: conn.id } }, encoding, CLIENT_LATEST_VERSION, rt.maxOutgoingMessageSize);
    // Events `onConnect` sent (before the socket was open) follow the Init, as in rivetkit.
    const internals = conn[CONN_INTERNALS];
    const pending = internals.pendingEvents;
    internals.pendingEvents = undefined;
    if (pending) for (const [name, args] of pending) internals.transport?.sendEvent?.(name, args);
  });
}

/** Wires a socket to its connection: events out, messages in, close. */
function attach(rt: SurfaceRuntime, conn: ActorConn, socket: TunnelWebSocket, encoding: ClientEncoding): void {
  const internals = conn[CONN_INTERNALS];
  const { host } = rt;
  /** The client's protocol version, learnt from its frames. */
  let version = CLIENT_LATEST_VERSION;
  /** Subscription requests are handled one after another, in arrival order. */
  let subscriptions: Promise<void> = Promise.resolve();
  // Subscription changes queued in `subscriptions` and not yet applied.
  let pendingSubscriptions = 0;

  const send = (body: ToClientMessage): boolean => sendFrame(socket, body, encoding, version, rt.maxOutgoingMessageSize);
  const transport: ConnTransport & { socket: TunnelWebSocket } = {
    socket,
    sendEvent(name, args) {
      // Not open yet: the event waits for the Init (see acceptConnectSocket).
      if (socket.readyState === 0) return holdEvent(internals, name, args);
      if (socket.readyState !== 1) return;
      if (!send({ tag: "Event", val: { name, args: [...args] } })) socket.close(1011, "message.outgoing_too_long");
    },
    close(reason) {
      socket.close(1000, reason);
    },
  };
  internals.transport = transport;
  if (internals.hibernation) internals.hibernation.socket = socket;

  /** Acks a hibernatable socket's messages as far as they are all durably handled. */
  const handled = async (index: number): Promise<void> => {
    const h = internals.hibernation;
    if (!h) return;
    const ackTo = h.acks.handled(index);
    if (ackTo === undefined) return;
    await rt.connections.persist(conn);
    socket.ack(ackTo);
  };

  const onAction = async (id: bigint, name: string, args: unknown, index: number): Promise<void> => {
    let reply: ToClientMessage;
    // A succeeded action's message is marked handled before its changes are made durable, so
    // that the connection record with the new ack goes in the same batch as the state: one
    // KV round trip per action instead of two, and the ack can never be durable without the
    // state change (or the other way round).
    let staged: { readonly ackTo: number | undefined } | undefined;
    const beforeDurable = (): void => {
      // A stopping actor keeps the old order (an action cut short is replayed after the wake).
      if (!internals.hibernation || host.abortSignal.aborted) return;
      staged = { ackTo: internals.hibernation.acks.handled(index) };
      if (staged.ackTo !== undefined) rt.connections.stage(conn);
    };
    try {
      const output = await host.invokeAction(name, Array.isArray(args) ? args : [], { conn, beforeDurable });
      reply = { tag: "ActionResponse", val: { id, output } };
    } catch (err) {
      // An action cut short by a sleep is left unacked: the gateway replays it after the wake.
      if (internals.hibernation && host.abortSignal.aborted) return;
      reply = errorBody(toCallerError(err, host.log, "action failed", { action: name }), id);
    }
    try {
      if (staged === undefined) await handled(index);
      else if (staged.ackTo !== undefined) {
        // Already durable with a strict actor's state; an interval actor writes it now.
        await host.flushState();
        socket.ack(staged.ackTo);
      }
    } catch (err) {
      host.log.error({ err }, "persisting a hibernatable connection failed");
      socket.close(1011, "actor.hibernation_persist_failed");
      return;
    }
    if (!send(reply)) send(errorBody(outgoingTooLong(), id));
  };

  const onSubscription = async (eventName: string, subscribe: boolean, index: number): Promise<void> => {
    if (subscribe) {
      const events = host.config["events"] as Record<string, { canSubscribe?: (c: unknown) => unknown }> | undefined;
      const canSubscribe = events?.[eventName]?.canSubscribe;
      if (typeof canSubscribe === "function") {
        let allowed: unknown;
        try {
          allowed = await host.track(async () => canSubscribe(host.context({ conn })));
          if (typeof allowed !== "boolean") throw new Error("canSubscribe must return a boolean");
        } catch (err) {
          const error = ActorError.from(err);
          host.log.error({ err, eventName }, "canSubscribe failed");
          socket.close(1011, `${error.group}.${error.code}`);
          return;
        }
        if (!allowed) {
          socket.close(1011, "auth.forbidden");
          return;
        }
      }
      internals.subscriptions.add(eventName);
    } else {
      internals.subscriptions.delete(eventName);
    }
    try {
      await handled(index);
    } catch (err) {
      host.log.error({ err }, "persisting a hibernatable connection failed");
      socket.close(1011, "actor.hibernation_persist_failed");
    }
  };

  socket.addEventListener("message", (event: TunnelMessageEvent) => {
    const size = typeof event.data === "string" ? Buffer.byteLength(event.data) : event.data.byteLength;
    if (size > rt.maxIncomingMessageSize) {
      socket.close(1011, "message.incoming_too_long");
      return;
    }
    if (internals.hibernation && host.abortSignal.aborted) return;
    let decoded: ReturnType<typeof decodeToServer>;
    try {
      decoded = decodeToServer(event.data, encoding);
    } catch (err) {
      host.log.debug({ err }, "undecodable client frame; closing the connection");
      socket.close(1011, "actor.invalid_request");
      return;
    }
    version = decoded.version;
    internals.hibernation?.acks.received(event.messageIndex);
    const { body } = decoded;
    if (body.tag === "ActionRequest") {
      const { id, name, args } = body.val;
      // Actions run in parallel with each other, but never ahead of a subscription change the
      // client sent before them: a client that subscribes and then calls an action that
      // broadcasts must receive that event (rivetkit handles a connection's frames in order).
      if (pendingSubscriptions === 0) void onAction(id, name, args, event.messageIndex);
      else void subscriptions.then(() => onAction(id, name, args, event.messageIndex));
    } else {
      const { eventName, subscribe } = body.val;
      pendingSubscriptions++;
      subscriptions = subscriptions
        .then(() => onSubscription(eventName, subscribe, event.messageIndex))
        .finally(() => {
          pendingSubscriptions--;
        });
    }
  });

  socket.addEventListener("close", (event) => {
    void rt.connections.disconnect(conn, event.reason, true);
  });
}

/** Encodes and sends one frame; false (and nothing sent) when it is over `limit`. */
function sendFrame(socket: TunnelWebSocket, body: ToClientMessage, encoding: ClientEncoding, version: number, limit: number): boolean {
  const data = encodeToClient(body, encoding, version);
  if (wireSize(data) > limit) return false;
  socket.send(data);
  return true;
}

/** Accepts a socket only to close it at once with a reason (a refusal the client can read). */
function closeWhenOpen(socket: TunnelWebSocket, code: number, reason: string): void {
  socket.addEventListener("open", () => socket.close(code, reason));
}

/** The request's path with its query, as the tunnel gave it. */
export function pathOf(request: Request): string {
  const url = new URL(request.url);
  return url.pathname + url.search;
}

/** The request's headers as a plain record with lower-case names. */
export function headerRecord(request: Request): Record<string, string> {
  const out: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}
