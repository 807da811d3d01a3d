/**
 * One client connection as user code sees it (`c.conn`, `c.conns`, the hooks' `conn`):
 * `{ id, params, state, isHibernatable, send, disconnect }`. What the runtime needs besides
 * (its transport, subscriptions, hibernation bookkeeping) hangs off a symbol, out of the way of
 * user code and of `Object.keys`.
 */
import type { TunnelWebSocket } from "../runner/types.js";
import type { AckTracker } from "./hibernation.js";

/** What carries a connection: a `/connect` socket, a raw socket, or one HTTP request. */
export type ConnKind = "connect" | "http" | "request" | "websocket";

/** The transport side of a connection. */
export interface ConnTransport {
  /** Sends an event; only `/connect` sockets carry events, others leave this out. */
  sendEvent?(name: string, args: readonly unknown[]): void;
  /** Closes the transport (the socket, with code 1000 and `reason`). */
  close(reason?: string): void;
}

/** Hibernation bookkeeping of a hibernatable socket. */
export interface ConnHibernation {
  readonly gatewayId: ArrayBuffer;
  readonly requestId: ArrayBuffer;
  readonly requestPath: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly acks: AckTracker;
  /** The socket once attached (fresh or restored after a wake). */
  socket?: TunnelWebSocket;
  /** The last index this side sent, as persisted (the socket knows better once attached). */
  clientMessageIndex: number;
}

/** The runtime's own view of a connection. */
export interface ConnInternals {
  readonly kind: ConnKind;
  readonly subscriptions: Set<string>;
  transport: ConnTransport | undefined;
  readonly hibernation: ConnHibernation | undefined;
  /** Set once a disconnect began; later calls share it. */
  disconnecting: Promise<void> | undefined;
  /**
   * Events sent to a `/connect` connection before its socket is open (`conn.send()` inside
   * `onConnect`, as rivetkit allows): delivered right after `Init`.
   */
  pendingEvents?: [string, readonly unknown[]][];
  /** Closes and forgets the connection; installed by the connection manager. */
  readonly disconnect: (conn: ActorConn, reason?: string) => Promise<void>;
}

/** The key of a connection's runtime internals. */
export const CONN_INTERNALS: unique symbol = Symbol("actorwire.conn");

/** A connection, as handed to user code. */
export class ActorConn {
  /** Per-connection state; persisted for hibernatable connections. */
  state: unknown;
  declare readonly [CONN_INTERNALS]: ConnInternals;

  constructor(
    readonly id: string,
    readonly params: unknown,
    state: unknown,
    internals: ConnInternals,
  ) {
    this.state = state;
    Object.defineProperty(this, CONN_INTERNALS, { value: internals, enumerable: false });
  }

  /** Whether this connection survives the actor's sleep. */
  get isHibernatable(): boolean {
    return this[CONN_INTERNALS].hibernation !== undefined;
  }

  /**
   * Sends an event to this connection only (ignored for connections that carry no events). On a
   * `/connect` connection whose socket is not open yet (inside `onConnect`), the event is held
   * and delivered right after `Init`.
   */
  send(name: string, ...args: unknown[]): void {
    const internals = this[CONN_INTERNALS];
    if (internals.transport === undefined) {
      if (internals.kind === "connect" && internals.disconnecting === undefined) holdEvent(internals, name, args);
      return;
    }
    internals.transport.sendEvent?.(name, args);
  }

  /** Closes the connection; resolves once `onDisconnect` ran. */
  disconnect(reason?: string): Promise<void> {
    return this[CONN_INTERNALS].disconnect(this, reason);
  }
}

/** Most events held for a connection whose socket is not open yet; more are dropped with the socket's refusal in mind. */
export const MAX_PENDING_EVENTS = 1024;

/** Holds an event until the connection's socket is open (see {@link ActorConn.send}). */
export function holdEvent(internals: ConnInternals, name: string, args: readonly unknown[]): void {
  const pending = (internals.pendingEvents ??= []);
  if (pending.length < MAX_PENDING_EVENTS) pending.push([name, args]);
}
