import { idHex, MAX_TUNNEL_PAYLOAD_BYTES, nextU16, previousU16, type runner, wrappingLtU16 } from "@actorwire/protocol";
import { bytesEqual, exactArrayBuffer } from "./bytes.js";
import { RunnerError } from "./errors.js";
import type { LocalActor } from "./local-actor.js";
import type { Tunnel, TunnelEntry } from "./tunnel.js";
import type {
  HibernatedSocketMeta,
  TunnelCloseEvent,
  TunnelMessageEvent,
  TunnelRequestInfo,
  TunnelWebSocket,
} from "./types.js";

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

type Listener = (...args: never[]) => void;

function closeMessage(code: number, reason: string): runner.v7.ToServerTunnelMessageKind {
  return { tag: "ToServerWebSocketClose", val: { code, reason, hibernate: false } };
}

/** The request a WebSocket handler sees: a GET with the upgrade headers, as the client sent it. */
function upgradeRequest(path: string, headers: Iterable<[string, string]>): Request {
  const h = new Headers();
  for (const [name, value] of headers) {
    try {
      h.append(name, value);
    } catch {
      // A header Headers refuses is left out rather than refusing the socket.
    }
  }
  h.set("upgrade", "websocket");
  h.set("connection", "Upgrade");
  return new Request(`http://actor${path.startsWith("/") ? path : `/${path}`}`, { method: "GET", headers: h });
}

/** `ToClientWebSocketOpen`: refuses at once if the actor is not here, otherwise hands a socket to the handler. */
export function openWebSocket(tunnel: Tunnel, gatewayId: ArrayBuffer, requestId: ArrayBuffer, open: runner.v7.ToClientWebSocketOpen): void {
  const { host } = tunnel;
  const actor = host.actor(open.actorId);
  if (actor === undefined || actor.state === "stopping") {
    host.log.debug({ actorId: open.actorId, requestId: idHex(requestId) }, "WebSocket for an actor not hosted here");
    tunnel.sendAt(gatewayId, requestId, 0, closeMessage(1011, "runner.actor_not_found"));
    return;
  }
  let request: Request;
  try {
    request = upgradeRequest(open.path, open.headers);
  } catch (err) {
    host.log.warn({ err, path: open.path }, "could not build the request of a tunnelled WebSocket");
    tunnel.sendAt(gatewayId, requestId, 0, closeMessage(1011, "ws.invalid_request"));
    return;
  }
  let canHibernate = false;
  try {
    canHibernate = host.handler.canHibernate?.(actor.actorId, request) === true;
  } catch (err) {
    host.log.error({ err, actorId: actor.actorId }, "canHibernate threw; the socket will not hibernate");
  }
  const socket = new TunnelSocket(tunnel, actor, gatewayId, requestId, canHibernate, CONNECTING, false);
  tunnel.register(socket);
  actor.entries.add(socket);
  void socket.accept(request);
}

/**
 * Rebuilds the hibernated sockets of a starting actor from what its host persisted (see
 * `RunnerApi.restoreHibernatedSockets`). Sockets the engine lists without persisted data are
 * closed towards the gateway; persisted sockets the engine no longer lists are handed to the
 * handler and closed locally at once (`ws.stale_metadata`), so the host forgets them.
 */
export async function restoreSockets(tunnel: Tunnel, actor: LocalActor, entries: readonly HibernatedSocketMeta[]): Promise<void> {
  const { host } = tunnel;
  const work: Promise<void>[] = [];
  for (const { gatewayId, requestId } of actor.hibernatingRequests) {
    const meta = entries.find((e) => bytesEqual(e.gatewayId, gatewayId) && bytesEqual(e.requestId, requestId));
    if (meta === undefined) {
      host.log.warn({ actorId: actor.actorId, requestId: idHex(requestId) }, "closing a hibernating WebSocket with nothing persisted for it");
      tunnel.sendAt(gatewayId, requestId, 0, closeMessage(1000, "ws.meta_not_found_during_restore"));
      continue;
    }
    const socket = new TunnelSocket(tunnel, actor, gatewayId, requestId, true, OPEN, false);
    // The persisted indices are u16s (the record's type), so they are on the ring already.
    socket.lastReceivedIndex = meta.lastReceivedIndex;
    socket.nextIndex = nextU16(meta.lastSentIndex);
    tunnel.register(socket);
    actor.entries.add(socket);
    work.push(socket.restore(meta));
  }
  for (const meta of entries) {
    const listed = actor.hibernatingRequests.some((r) => bytesEqual(r.gatewayId, meta.gatewayId) && bytesEqual(r.requestId, meta.requestId));
    if (listed) continue;
    host.log.warn({ actorId: actor.actorId, requestId: idHex(meta.requestId) }, "dropping a persisted WebSocket the gateway no longer holds");
    const socket = new TunnelSocket(tunnel, actor, meta.gatewayId, meta.requestId, true, OPEN, true);
    work.push(socket.restore(meta).then(() => socket.closeLocally(1000, "ws.stale_metadata")));
  }
  await Promise.allSettled(work);
}

/**
 * One client WebSocket of an actor, carried by the tunnel: the subset of the standard
 * WebSocket that `TunnelWebSocket` promises, plus hibernation acks. For hibernatable
 * sockets incoming indices are checked: a repeat is ignored, a gap closes the socket with
 * `1008 ws.message_index_skip` (the gateway replays from the last ack after a wake).
 */
class TunnelSocket implements TunnelWebSocket, TunnelEntry {
  readyState: number;
  nextIndex = 0;
  lastReceivedIndex = 0;
  private messageListeners: ((event: TunnelMessageEvent) => void)[] = [];
  private closeListeners: ((event: TunnelCloseEvent) => void)[] = [];
  private openListeners: (() => void)[] = [];

  constructor(
    private readonly tunnel: Tunnel,
    private readonly actor: LocalActor,
    readonly gatewayId: ArrayBuffer,
    readonly requestId: ArrayBuffer,
    readonly isHibernatable: boolean,
    readyState: number,
    /** True for a socket the gateway no longer holds: nothing about it is sent. */
    private readonly detached: boolean,
  ) {
    this.readyState = readyState;
  }

  get lastSentIndex(): number {
    return previousU16(this.nextIndex);
  }

  /** Hands a new socket to the handler, then accepts it towards the gateway and fires `open`. */
  async accept(request: Request): Promise<void> {
    const { host } = this.tunnel;
    try {
      if (this.actor.state === "starting" && !(await this.actor.started)) {
        this.refuse(1011, "runner.actor_not_found");
        return;
      }
      if (this.readyState !== CONNECTING) return;
      const info: TunnelRequestInfo = { gatewayId: this.gatewayId, requestId: this.requestId, isRestoring: false };
      await host.handler.websocket(this.actor.actorId, this, request, info);
    } catch (err) {
      host.log.error({ err, actorId: this.actor.actorId }, "the actor's websocket handler threw; refusing the socket");
      this.refuse(1011, "ws.handler_error");
      return;
    }
    // The handler may have closed (refused) the socket, or the actor stopped meanwhile.
    if (this.readyState !== CONNECTING) return;
    this.tunnel.send(this, { tag: "ToServerWebSocketOpen", val: { canHibernate: this.isHibernatable } });
    this.readyState = OPEN;
    for (const l of this.openListeners) this.call(l, undefined);
  }

  /** Hands a rebuilt (already open) socket to the handler. */
  async restore(meta: HibernatedSocketMeta): Promise<void> {
    const { host } = this.tunnel;
    try {
      const request = upgradeRequest(meta.path, Object.entries(meta.headers));
      const info: TunnelRequestInfo = { gatewayId: this.gatewayId, requestId: this.requestId, isRestoring: true };
      await host.handler.websocket(this.actor.actorId, this, request, info);
    } catch (err) {
      host.log.error({ err, actorId: this.actor.actorId }, "the actor's websocket handler threw while restoring; closing the socket");
      this.close(1011, "ws.restore_error");
    }
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState === CONNECTING) throw new RunnerError("tunnel.invalid_state", "the WebSocket is not open yet");
    if (this.readyState !== OPEN) return;
    let bytes: ArrayBuffer;
    let binary: boolean;
    if (typeof data === "string") {
      bytes = encoder.encode(data).buffer as ArrayBuffer;
      binary = false;
    } else if (data instanceof ArrayBuffer) {
      bytes = data;
      binary = true;
    } else if (ArrayBuffer.isView(data)) {
      bytes = exactArrayBuffer(data);
      binary = true;
    } else {
      throw new TypeError("WebSocket data must be a string, an ArrayBuffer or an ArrayBufferView");
    }
    if (bytes.byteLength > MAX_TUNNEL_PAYLOAD_BYTES) {
      // Sent, it would fail the request on our engine and the whole runner socket on Rivet's.
      this.tunnel.host.log.error({ actorId: this.actor.actorId, size: bytes.byteLength }, "WebSocket message over the tunnel limit; closing the socket");
      this.close(1009, "ws.message_too_large");
      return;
    }
    if (this.detached) return;
    this.tunnel.send(this, { tag: "ToServerWebSocketMessage", val: { data: bytes, binary } });
  }

  close(code = 1000, reason = ""): void {
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    if (!this.detached) this.tunnel.send(this, closeMessage(code, reason));
    this.finish(code, reason);
  }

  ack(messageIndex: number): void {
    if (!Number.isInteger(messageIndex) || messageIndex < 0 || messageIndex > 0xffff) {
      throw new RunnerError("tunnel.invalid_state", `invalid message index ${String(messageIndex)}`);
    }
    if (!this.isHibernatable || this.detached || this.readyState !== OPEN) return;
    this.tunnel.send(this, { tag: "ToServerWebSocketMessageAck", val: { index: messageIndex } });
  }

  addEventListener(type: "message" | "close" | "open", listener: Listener): void {
    // Copy on write: a listener that adds or removes listeners cannot disturb a dispatch in progress.
    if (type === "message") this.messageListeners = [...this.messageListeners, listener as (event: TunnelMessageEvent) => void];
    else if (type === "close") this.closeListeners = [...this.closeListeners, listener as (event: TunnelCloseEvent) => void];
    else if (type === "open") this.openListeners = [...this.openListeners, listener as () => void];
  }

  removeEventListener(type: "message" | "close" | "open", listener: Listener): void {
    if (type === "message") this.messageListeners = this.messageListeners.filter((l) => l !== listener);
    else if (type === "close") this.closeListeners = this.closeListeners.filter((l) => l !== listener);
    else if (type === "open") this.openListeners = this.openListeners.filter((l) => l !== listener);
  }

  onTunnelMessage(kind: runner.v7.ToClientTunnelMessageKind, messageIndex: number): void {
    if (kind.tag === "ToClientWebSocketMessage") {
      if (this.readyState !== OPEN) return;
      if (this.isHibernatable) {
        if (!wrappingLtU16(this.lastReceivedIndex, messageIndex)) {
          this.tunnel.host.log.debug({ messageIndex, last: this.lastReceivedIndex }, "ignoring a repeated hibernatable WebSocket message");
          return;
        }
        if (messageIndex !== nextU16(this.lastReceivedIndex)) {
          this.tunnel.host.log.warn({ messageIndex, last: this.lastReceivedIndex }, "WebSocket message index skipped; closing the socket");
          this.close(1008, "ws.message_index_skip");
          return;
        }
      }
      this.lastReceivedIndex = messageIndex;
      const { data, binary } = kind.val;
      const event: TunnelMessageEvent = { data: binary ? data : decoder.decode(data), messageIndex };
      const listeners = this.messageListeners;
      for (let i = 0; i < listeners.length; i++) this.call(listeners[i] as (e: TunnelMessageEvent) => void, event);
      return;
    }
    if (kind.tag === "ToClientWebSocketClose") {
      if (this.readyState >= CLOSING) return;
      this.readyState = CLOSING;
      this.finish(kind.val.code ?? 1005, kind.val.reason ?? "");
      return;
    }
    this.tunnel.host.log.debug({ tag: kind.tag }, "unexpected tunnel message for a WebSocket");
  }

  onActorStopped(): void {
    if (this.readyState >= CLOSING) return;
    if (this.isHibernatable && this.readyState === OPEN) {
      // The gateway keeps the client connected while the actor sleeps; the next start lists
      // this socket again. Locally it is simply gone, without a close event.
      this.readyState = CLOSED;
      this.unregister();
      return;
    }
    this.close(1000, "actor.stopped");
  }

  supersede(): void {
    this.closeLocally(1000, "ws.duplicate_open");
  }

  /** Closes on this side only: the gateway already knows (or never held the socket). */
  closeLocally(code: number, reason: string): void {
    if (this.readyState >= CLOSING) return;
    this.readyState = CLOSING;
    this.finish(code, reason);
  }

  private refuse(code: number, reason: string): void {
    if (this.readyState !== CONNECTING) return;
    this.readyState = CLOSING;
    this.tunnel.send(this, closeMessage(code, reason));
    this.readyState = CLOSED;
    this.unregister();
  }

  private finish(code: number, reason: string): void {
    this.readyState = CLOSED;
    this.unregister();
    const event: TunnelCloseEvent = { code, reason, wasClean: true };
    for (const l of this.closeListeners) this.call(l, event);
  }

  private unregister(): void {
    this.tunnel.unregister(this);
    this.actor.entries.delete(this);
  }

  /** Runs a listener; a throw is logged, never passed to the tunnel (or the process). */
  private call<E>(listener: (event: E) => void, event: E): void {
    try {
      listener(event);
    } catch (err) {
      this.tunnel.host.log.error({ err, actorId: this.actor.actorId }, "a WebSocket listener threw");
    }
  }
}
