/**
 * The live connections of one actor (`c.conns`): creating them through the connection hooks
 * (`onBeforeConnect` → `connState`/`createConnState` → `onConnect`, each with its timeout),
 * subscriptions and events, disconnecting them (`onDisconnect` exactly once), persisting the
 * hibernatable ones, and a liveness sweep that drops connections whose socket died without a
 * close event.
 */
import { randomUUID } from "node:crypto";
import { decodeValue as decodeCbor, encodeValue as encodeCbor } from "./cbor.js";
import type { KvWrite, SurfaceHost } from "./contract.js";
import { ActorConn, CONN_INTERNALS, type ConnHibernation, type ConnKind, type ConnTransport } from "./connection.js";
import { AckTracker, CONN_PREFIX, connKey, decodeConnRecord, encodeConnRecord, type PersistedConnRecord } from "./hibernation.js";
import { ActorError } from "./errors.js";
import { callbackTimedOut } from "./wire-errors.js";
import type { RequestSource } from "./context.js";

const DEFAULT_HOOK_TIMEOUT_MS = 5_000;
const DEFAULT_LIVENESS_INTERVAL_MS = 5_000;

/** What a new connection is made from. */
export interface ConnectInit {
  readonly kind: ConnKind;
  readonly params: unknown;
  readonly request?: RequestSource;
  /** Set for a hibernatable socket: its tunnel identity and the request it came with. */
  readonly hibernation?: {
    readonly gatewayId: ArrayBuffer;
    readonly requestId: ArrayBuffer;
    readonly requestPath: string;
    readonly requestHeaders: Readonly<Record<string, string>>;
  };
}

/** One actor's connections. */
export class Connections {
  /** `c.conns`. */
  readonly map = new Map<string, ActorConn>();
  private pendingDisconnects = 0;
  private livenessTimer: NodeJS.Timeout | undefined;
  private readonly options: Record<string, unknown>;

  constructor(private readonly host: SurfaceHost) {
    this.options = host.config.options ?? {};
  }

  /** True while an `onDisconnect` is still running. */
  hasPendingDisconnects(): boolean {
    return this.pendingDisconnects > 0;
  }

  /**
   * Runs the connection hooks and adds the connection to `c.conns`. Throws what a hook threw
   * (normalised by the caller), or `actor.callback_timed_out`.
   */
  async connect(init: ConnectInit): Promise<ActorConn> {
    const config = this.host.config as Record<string, unknown>;
    const request = init.request;
    const onBeforeConnect = config["onBeforeConnect"];
    if (typeof onBeforeConnect === "function") {
      await this.hook("onBeforeConnect", () => onBeforeConnect(this.host.context({ request }), init.params));
    }
    let state: unknown;
    const createConnState = config["createConnState"];
    if (typeof createConnState === "function") {
      state = await this.hook("createConnState", () => createConnState(this.host.context({ request }), init.params));
    } else if (config["connState"] !== undefined) {
      state = structuredClone(config["connState"]);
    }
    const hibernation: ConnHibernation | undefined = init.hibernation
      ? { ...init.hibernation, acks: new AckTracker(0), clientMessageIndex: 0 }
      : undefined;
    const conn = this.create(randomUUID(), init.kind, init.params, state, hibernation, []);
    this.map.set(conn.id, conn);
    const onConnect = config["onConnect"];
    try {
      if (typeof onConnect === "function") {
        await this.hook("onConnect", () => onConnect(this.host.context({ conn, request }), conn));
      }
      if (hibernation) await this.persist(conn);
    } catch (err) {
      this.map.delete(conn.id);
      throw err;
    }
    this.host.activityChanged();
    this.ensureLiveness();
    return conn;
  }

  /** Rebuilds a hibernatable connection from its record (at load; its socket comes later). */
  restore(record: PersistedConnRecord): ActorConn {
    const hibernation: ConnHibernation = {
      gatewayId: record.gatewayId,
      requestId: record.requestId,
      requestPath: record.requestPath,
      requestHeaders: record.requestHeaders,
      acks: new AckTracker(record.serverMessageIndex),
      clientMessageIndex: record.clientMessageIndex,
    };
    // The record has no kind: a raw socket is any hibernated socket not on `/connect`.
    const kind: ConnKind = record.requestPath.split("?")[0] === "/connect" ? "connect" : "websocket";
    const conn = this.create(record.id, kind, safeDecode(record.parameters), safeDecode(record.state), hibernation, record.subscriptions);
    this.map.set(conn.id, conn);
    return conn;
  }

  /** Loads the persisted connections. */
  async load(): Promise<PersistedConnRecord[]> {
    const entries = await this.host.runner.kv.list(this.host.actorId, { kind: "prefix", prefix: CONN_PREFIX });
    const records: PersistedConnRecord[] = [];
    for (const [key, value] of entries) {
      try {
        records.push(decodeConnRecord(value));
      } catch (err) {
        this.host.log.error({ err }, "dropping an unreadable persisted connection");
        await this.host.persist({ deletes: [key] });
      }
    }
    return records;
  }

  /** The connection of a hibernatable socket, by its tunnel identity. */
  byTunnel(gatewayId: ArrayBuffer, requestId: ArrayBuffer): ActorConn | undefined {
    for (const conn of this.map.values()) {
      const h = conn[CONN_INTERNALS].hibernation;
      if (h && sameBytes(h.gatewayId, gatewayId) && sameBytes(h.requestId, requestId)) return conn;
    }
    return undefined;
  }

  /** The KV write that stores a hibernatable connection as it is now. */
  record(conn: ActorConn): KvWrite {
    const h = conn[CONN_INTERNALS].hibernation;
    if (!h) return {};
    const record: PersistedConnRecord = {
      id: conn.id,
      parameters: encodeCbor(conn.params ?? null),
      state: encodeCbor(conn.state ?? null),
      subscriptions: [...conn[CONN_INTERNALS].subscriptions],
      gatewayId: h.gatewayId,
      requestId: h.requestId,
      serverMessageIndex: h.acks.ackedIndex,
      clientMessageIndex: h.socket ? h.socket.lastSentIndex : h.clientMessageIndex,
      requestPath: h.requestPath,
      requestHeaders: h.requestHeaders,
    };
    return { puts: [[connKey(conn.id), encodeConnRecord(record)]] };
  }

  /** Makes a hibernatable connection's record durable. */
  async persist(conn: ActorConn): Promise<void> {
    if (!conn[CONN_INTERNALS].hibernation || !this.map.has(conn.id)) return;
    await this.host.persist(this.record(conn));
  }

  /** Puts a hibernatable connection's record in the actor's next batch, without waiting. */
  stage(conn: ActorConn): void {
    if (!conn[CONN_INTERNALS].hibernation || !this.map.has(conn.id)) return;
    this.host.stage(this.record(conn));
  }

  /** Sends an event to every connection subscribed to `name`. */
  broadcast(name: string, args: readonly unknown[]): void {
    for (const conn of this.map.values()) {
      const internals = conn[CONN_INTERNALS];
      if (internals.subscriptions.has(name)) internals.transport?.sendEvent?.(name, args);
    }
  }

  /**
   * Ends a connection: it leaves `c.conns`, its transport closes, `onDisconnect` runs once, and
   * a hibernatable connection's record is deleted. `transportClosed` skips closing a socket the
   * client already closed.
   */
  disconnect(conn: ActorConn, reason?: string, transportClosed = false): Promise<void> {
    const internals = conn[CONN_INTERNALS];
    if (internals.disconnecting) return internals.disconnecting;
    const run = async (): Promise<void> => {
      this.map.delete(conn.id);
      this.pendingDisconnects++;
      this.host.activityChanged();
      try {
        if (!transportClosed) {
          try {
            internals.transport?.close(reason);
          } catch (err) {
            this.host.log.debug({ err }, "closing a connection's transport failed");
          }
        }
        const onDisconnect = (this.host.config as Record<string, unknown>)["onDisconnect"];
        if (typeof onDisconnect === "function") {
          try {
            await this.host.track(async () => onDisconnect(this.host.context({ conn }), conn));
          } catch (err) {
            this.host.log.error({ err, connId: conn.id }, "onDisconnect threw");
          }
        }
        if (internals.hibernation) {
          try {
            await this.host.persist({ deletes: [connKey(conn.id)] });
          } catch (err) {
            this.host.log.error({ err, connId: conn.id }, "deleting a persisted connection failed");
          }
        }
      } finally {
        this.pendingDisconnects--;
        this.host.activityChanged();
      }
    };
    internals.disconnecting = run();
    return internals.disconnecting;
  }

  /**
   * At shutdown. On sleep, hibernatable connections stay (their records are written as they
   * are now) and every other connection is disconnected. On destroy, every connection is.
   */
  async stop(reason: "sleep" | "destroy"): Promise<void> {
    if (this.livenessTimer) clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
    const work: Promise<void>[] = [];
    const writes: KvWrite[] = [];
    for (const conn of [...this.map.values()]) {
      const internals = conn[CONN_INTERNALS];
      if (reason === "sleep" && internals.hibernation) {
        writes.push(this.record(conn));
      } else if (internals.kind === "connect" || internals.kind === "websocket") {
        work.push(this.disconnect(conn, reason === "destroy" ? "actor.destroyed" : "actor.stopped"));
      }
    }
    const puts = writes.flatMap((w) => w.puts ?? []);
    if (puts.length > 0) work.push(this.host.persist({ puts }));
    await Promise.allSettled(work);
  }

  /** Counts connections that keep the actor awake: open sockets that cannot hibernate. */
  awakeConnections(): number {
    let n = 0;
    for (const conn of this.map.values()) {
      const internals = conn[CONN_INTERNALS];
      if ((internals.kind === "connect" || internals.kind === "websocket") && !internals.hibernation) n++;
    }
    return n;
  }

  private create(
    id: string,
    kind: ConnKind,
    params: unknown,
    state: unknown,
    hibernation: ConnHibernation | undefined,
    subscriptions: readonly string[],
  ): ActorConn {
    return new ActorConn(id, params, state, {
      kind,
      subscriptions: new Set(subscriptions),
      transport: undefined as ConnTransport | undefined,
      hibernation,
      disconnecting: undefined,
      disconnect: (conn, reason) => this.disconnect(conn, reason),
    });
  }

  private async hook<T>(name: string, run: () => T | Promise<T>): Promise<T> {
    const ms = positive(this.options[`${name}Timeout`], DEFAULT_HOOK_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(callbackTimedOut(name, ms)), ms);
    });
    try {
      return await Promise.race([this.host.track(async () => run()), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Drops socket connections whose socket closed without telling us. */
  private ensureLiveness(): void {
    if (this.livenessTimer) return;
    const every = positive(this.options["connectionLivenessInterval"], DEFAULT_LIVENESS_INTERVAL_MS);
    this.livenessTimer = setInterval(() => {
      // Nothing left to watch (a stateless action's connection is gone): stop ticking, so an
      // idle actor keeps no timer of its own here; the next connection starts it again.
      if (this.map.size === 0) {
        clearInterval(this.livenessTimer);
        this.livenessTimer = undefined;
        return;
      }
      for (const conn of [...this.map.values()]) {
        const socket = conn[CONN_INTERNALS].hibernation?.socket ?? socketOf(conn);
        if (socket && socket.readyState === 3) void this.disconnect(conn, "liveness", true);
      }
    }, every);
    this.livenessTimer.unref();
  }
}

/** The socket of a connection whose transport exposes one. */
function socketOf(conn: ActorConn): { readyState: number } | undefined {
  const transport = conn[CONN_INTERNALS].transport as (ConnTransport & { socket?: { readyState: number } }) | undefined;
  return transport?.socket;
}

function safeDecode(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) return undefined;
  try {
    return decodeCbor(bytes);
  } catch {
    return undefined;
  }
}

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Normalises anything a hook threw into an `ActorError` for the wire. */
export function toActorError(err: unknown): ActorError {
  return ActorError.from(err);
}
