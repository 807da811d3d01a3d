/**
 * Raw WebSockets on `/websocket/*`, handed to the user's `onWebSocket(c, ws)`.
 *
 * The socket appears in `c.conns` (after the connection hooks ran), but carries no events.
 * It keeps the actor awake while open unless it can hibernate (`canHibernateWebSocket`), and
 * an async `onWebSocket` keeps it awake while it runs. Message events that arrive before the
 * handler attached a message listener (it may do so after an `await`) are held and delivered
 * once one is attached, so nothing is lost to a slow handler. A hibernatable socket acks each
 * message after its listeners ran and the connection record holds the new index; after a wake
 * the handler is called again with the restored socket (no `open` event: it already happened).
 */
import type { TunnelCloseEvent, TunnelMessageEvent, TunnelRequestInfo, TunnelWebSocket } from "../runner/types.js";
import { CONN_INTERNALS, type ActorConn, type ConnTransport } from "./connection.js";
import { headerRecord, pathOf } from "./connection-socket.js";
import { ActorError } from "./errors.js";
import type { SurfaceRuntime } from "./surfaces-runtime.js";
import { socketConnParams, socketProtocols } from "./wire.js";

type MessageListener = (event: { data: string | ArrayBuffer }) => void;
type CloseListener = (event: { code: number; reason: string; wasClean: boolean }) => void;
type OpenListener = () => void;

/** The WebSocket `onWebSocket` receives: a WinterTC-style subset over the tunnel socket. */
export class ActorRawWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  /** Binary messages arrive as ArrayBuffers. */
  readonly binaryType = "arraybuffer";
  private messageProperty: MessageListener | null = null;
  onclose: CloseListener | null = null;
  onopen: OpenListener | null = null;
  private messageListeners: MessageListener[] = [];
  private closeListeners: CloseListener[] = [];
  private openListeners: OpenListener[] = [];
  private held: TunnelMessageEvent[] = [];
  /**
   * What the handler sent or asked before the socket was open: `onWebSocket` runs while the
   * socket is being accepted, and rivetkit lets it send at once, so sends (and a close) wait
   * here and go out, in order, as soon as it is open.
   */
  private outbox: (string | ArrayBuffer | ArrayBufferView)[] | undefined;
  private closeAfterOpen: { code: number; reason: string } | undefined;

  constructor(
    private readonly socket: TunnelWebSocket,
    private readonly onHandled: (index: number) => void,
  ) {
    socket.addEventListener("message", (event) => {
      if (!this.hasMessageListener()) {
        this.held.push(event);
        return;
      }
      this.dispatchMessage(event);
    });
    socket.addEventListener("close", (event: TunnelCloseEvent) => {
      const e = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      for (const l of [...this.closeListeners, ...(this.onclose ? [this.onclose] : [])]) this.call(l, e);
    });
    socket.addEventListener("open", () => {
      const outbox = this.outbox;
      this.outbox = undefined;
      if (outbox) for (const data of outbox) socket.send(data);
      if (this.closeAfterOpen) {
        socket.close(this.closeAfterOpen.code, this.closeAfterOpen.reason);
        return;
      }
      for (const l of [...this.openListeners, ...(this.onopen ? [this.onopen] : [])]) this.call(l, undefined);
    });
  }

  /** The `onmessage` property; setting it delivers held messages, like adding a listener. */
  get onmessage(): MessageListener | null {
    return this.messageProperty;
  }

  set onmessage(listener: MessageListener | null) {
    this.messageProperty = listener;
    this.flushHeld();
  }

  /** OPEN while the socket is being accepted too (as rivetkit's handler sees it): sends are held until it is. */
  get readyState(): number {
    if (this.socket.readyState === ActorRawWebSocket.CONNECTING) {
      return this.closeAfterOpen ? ActorRawWebSocket.CLOSING : ActorRawWebSocket.OPEN;
    }
    return this.socket.readyState;
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.socket.readyState === ActorRawWebSocket.CONNECTING) {
      if (this.closeAfterOpen) return;
      // Copy views: the caller may reuse its buffer before the socket opens.
      const copy = typeof data === "string" ? data : data instanceof ArrayBuffer ? data.slice(0) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
      (this.outbox ??= []).push(copy);
      return;
    }
    this.socket.send(data);
  }

  close(code?: number, reason?: string): void {
    if (this.socket.readyState === ActorRawWebSocket.CONNECTING) {
      this.closeAfterOpen ??= { code: code ?? 1000, reason: reason ?? "" };
      return;
    }
    this.socket.close(code ?? 1000, reason ?? "");
  }

  addEventListener(type: "message" | "close" | "open", listener: (...args: never[]) => void): void {
    if (type === "message") {
      this.messageListeners.push(listener as MessageListener);
      this.flushHeld();
    } else if (type === "close") this.closeListeners.push(listener as CloseListener);
    else if (type === "open") this.openListeners.push(listener as OpenListener);
  }

  removeEventListener(type: "message" | "close" | "open", listener: (...args: never[]) => void): void {
    if (type === "message") this.messageListeners = this.messageListeners.filter((l) => l !== listener);
    else if (type === "close") this.closeListeners = this.closeListeners.filter((l) => l !== listener);
    else if (type === "open") this.openListeners = this.openListeners.filter((l) => l !== listener);
  }

  /** Delivers messages held while no listener was attached (also after `onmessage` is set). */
  flushHeld(): void {
    if (!this.hasMessageListener()) return;
    const held = this.held;
    this.held = [];
    for (const event of held) this.dispatchMessage(event);
  }

  private hasMessageListener(): boolean {
    return this.messageListeners.length > 0 || this.onmessage !== null;
  }

  private dispatchMessage(event: TunnelMessageEvent): void {
    const e = { data: event.data };
    for (const l of [...this.messageListeners, ...(this.onmessage ? [this.onmessage] : [])]) this.call(l, e);
    this.onHandled(event.messageIndex);
  }

  private call<E>(listener: (event: E) => void, event: E): void {
    try {
      listener(event);
    } catch (err) {
      // A throwing listener must not take the tunnel down; the handler's own logs tell the story.
      void err;
    }
  }
}

/** Takes one raw socket (fresh or restored) for `onWebSocket`. */
export async function acceptRawSocket(rt: SurfaceRuntime, socket: TunnelWebSocket, request: Request, info: TunnelRequestInfo): Promise<void> {
  const { host } = rt;
  const onWebSocket = host.config["onWebSocket"];
  if (typeof onWebSocket !== "function") {
    socket.addEventListener("open", () => socket.close(1011, "actor.websocket_handler_missing"));
    return;
  }
  let conn: ActorConn | undefined;
  if (info.isRestoring) {
    conn = rt.connections.byTunnel(info.gatewayId, info.requestId);
    if (!conn) {
      socket.close(1011, "actor.hibernation_conn_not_found");
      return;
    }
  } else {
    try {
      conn = await rt.connections.connect({
        kind: "websocket",
        params: socketConnParams(socketProtocols(request)),
        request,
        hibernation: socket.isHibernatable
          ? { gatewayId: info.gatewayId, requestId: info.requestId, requestPath: pathOf(request), requestHeaders: headerRecord(request) }
          : undefined,
      });
    } catch (err) {
      const error = ActorError.from(err);
      host.log.debug({ err }, "raw WebSocket refused by a connection hook");
      socket.addEventListener("open", () => socket.close(1011, `${error.group}.${error.code}`));
      return;
    }
  }
  const internals = conn[CONN_INTERNALS];
  const transport: ConnTransport & { socket: TunnelWebSocket } = { socket, close: (reason) => socket.close(1000, reason) };
  internals.transport = transport;
  if (internals.hibernation) internals.hibernation.socket = socket;
  const connection = conn;
  const ws = new ActorRawWebSocket(socket, (index) => {
    const h = internals.hibernation;
    if (!h) return;
    h.acks.received(index);
    const ackTo = h.acks.handled(index);
    if (ackTo === undefined) return;
    rt.connections.persist(connection).then(
      () => socket.ack(ackTo),
      (err) => {
        host.log.error({ err }, "persisting a hibernatable raw socket failed");
        socket.close(1011, "actor.hibernation_persist_failed");
      },
    );
  });
  socket.addEventListener("close", (event) => void rt.connections.disconnect(connection, event.reason, true));

  let result: unknown;
  try {
    result = onWebSocket(host.context({ conn: connection, request }), ws);
  } catch (err) {
    failHandler(rt, socket, err);
    return;
  }
  if (result instanceof Promise) {
    rt.runningSocketHandlers++;
    host.activityChanged();
    void host
      .track(() => result as Promise<unknown>)
      .catch((err) => failHandler(rt, socket, err))
      .finally(() => {
        rt.runningSocketHandlers--;
        host.activityChanged();
      });
    // Let the handler's synchronous part (and its first microtasks) attach listeners before the accept.
    await Promise.resolve();
  }
}

function failHandler(rt: SurfaceRuntime, socket: TunnelWebSocket, err: unknown): void {
  const error = ActorError.from(err);
  rt.host.log.error({ err }, "onWebSocket threw");
  if (socket.readyState === 1) socket.close(1011, `${error.group}.${error.code}`);
  else socket.addEventListener("open", () => socket.close(1011, `${error.group}.${error.code}`));
}
