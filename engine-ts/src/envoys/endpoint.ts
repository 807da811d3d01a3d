import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { pino } from "pino";
import { WebSocketServer } from "ws";
import { acceptHostUpgrade, closeHostSessions } from "../runners/host-sockets.js";
import { TypedEmitter } from "../runners/events.js";
import { RIVET_SUBPROTOCOL } from "../runners/query.js";
import { RunnerSocket } from "../runners/socket.js";
import type { EnvoyConnection, ToRivet } from "./connection.js";
import { CLOSE_NORMAL, EnvoyWsError } from "./errors.js";
import { isEnvoyUpgrade } from "./query.js";
import { type EnvoyDirectory, EnvoySession, type EnvoySessionHost, type EnvoySessionSettings } from "./session.js";

/** How a connection ended. */
export interface EnvoyDisconnectInfo {
  readonly code: number;
  /** The close reason, `<group>.<code>#<ray_id>` when the engine closed it. */
  readonly reason: string;
  /** Whether a newer connection with the same key replaced this one. */
  readonly evicted: boolean;
}

/** The endpoint's events; each entry is the listener's argument list. */
export type EnvoyEventMap = {
  /** The envoy was accepted and sent `ToEnvoyInit`. */
  connected: [connection: EnvoyConnection];
  /** The envoy sent `ToRivetMetadata` (its actor names and metadata). */
  metadata: [connection: EnvoyConnection];
  /** The envoy sent `ToRivetStopping`. */
  draining: [connection: EnvoyConnection];
  /** Every message an accepted envoy sends, read as v8. */
  message: [connection: EnvoyConnection, message: ToRivet];
  /** An accepted connection closed. */
  disconnected: [connection: EnvoyConnection, info: EnvoyDisconnectInfo];
};

/** What the envoy endpoint is built from; every setting has Rivet's 2.3.19 default. */
export interface EnvoyEndpointOptions {
  /** Namespaces and declared pools. */
  readonly directory: EnvoyDirectory;
  readonly logger?: Logger;
  /** Time between pings (default 3000), plus 0 to `pingJitterMs - 1` (default 128). */
  readonly pingIntervalMs?: number;
  readonly pingJitterMs?: number;
  /** An envoy whose last pong is older than this is closed with `ws.timed_out` (default 15000). */
  readonly pingTimeoutMs?: number;
  /** Largest frame accepted (default 32 MiB). */
  readonly maxPayloadBytes?: number;
  /** Sent in `ToEnvoyInit` (defaults 15000 ms, 1800000 ms and 20 MiB, as Rivet sends). */
  readonly envoyLostThresholdMs?: number;
  readonly actorStopThresholdMs?: number;
  readonly maxResponsePayloadBytes?: number;
  /** How long {@link EnvoyEndpoint.close} waits for envoys to close before cutting them off (default 2000). */
  readonly shutdownTimeoutMs?: number;
  /** When set, envoys must offer `rivet_token.<token>` with this token, as runners must. */
  readonly adminToken?: string;
}

/** The endpoint's logger when the engine does not pass one. */
function defaultEnvoyLogger(): Logger {
  return pino({ level: process.env.ACTORWIRE_LOG_LEVEL ?? "info" }).child({ component: "envoys" });
}

/**
 * `/envoys/connect`: the WebSocket rivetkit 2.3's native core holds to the engine, envoy
 * protocol v2-v6 and v8 (frames read and written as v8 through the versioned codecs). This
 * slice is the connection layer: query checks, `ToEnvoyInit`, metadata, pings, eviction of an
 * older connection with the same key, and shutdown. Actor hosting plugs in through
 * {@link events} and {@link EnvoyConnection.send}.
 */
export class EnvoyEndpoint implements EnvoySessionHost {
  readonly events: TypedEmitter<EnvoyEventMap>;
  readonly settings: EnvoySessionSettings;
  readonly directory: EnvoyDirectory;
  private readonly log: Logger;
  private readonly shutdownTimeoutMs: number;
  private readonly adminToken: string | undefined;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<EnvoySession>();
  private readonly accepted = new Set<EnvoyConnection>();
  private readonly evicted = new WeakSet<EnvoyConnection>();
  private readonly byKey = new Map<string, EnvoyConnection>();
  private isClosing = false;

  constructor(options: EnvoyEndpointOptions) {
    this.log = options.logger ?? defaultEnvoyLogger();
    this.events = new TypedEmitter(this.log);
    this.directory = options.directory;
    this.settings = {
      pingIntervalMs: options.pingIntervalMs ?? 3000,
      pingJitterMs: options.pingJitterMs ?? 128,
      pingTimeoutMs: options.pingTimeoutMs ?? 15_000,
      maxPayloadBytes: options.maxPayloadBytes ?? 32 * 1024 * 1024,
      envoyLostThresholdMs: options.envoyLostThresholdMs ?? 15_000,
      actorStopThresholdMs: options.actorStopThresholdMs ?? 1_800_000,
      maxResponsePayloadBytes: options.maxResponsePayloadBytes ?? 20 * 1024 * 1024,
    };
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 2000;
    this.adminToken = options.adminToken;
    this.wss = new WebSocketServer({
      noServer: true,
      WebSocket: RunnerSocket,
      maxPayload: this.settings.maxPayloadBytes,
      perMessageDeflate: false,
      // Rivet's engine always selects `rivet`; Node `ws` clients fail without a selection.
      handleProtocols: () => RIVET_SUBPROTOCOL,
    });
    this.wss.on("error", (err) => this.log.error({ err }, "envoy WebSocket server error"));
  }

  get closing(): boolean {
    return this.isClosing;
  }

  /** Adds a listener; shorthand for `events.on`. Returns a function that removes it. */
  on<K extends keyof EnvoyEventMap>(event: K, listener: (...args: EnvoyEventMap[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** Accepted connections that are still open. */
  connections(): EnvoyConnection[] {
    return [...this.accepted];
  }

  /** Takes an HTTP upgrade for `/envoys/connect` and returns whether it did. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!isEnvoyUpgrade(req)) return false;
    acceptHostUpgrade({
      kind: "envoy",
      wss: this.wss,
      req,
      socket,
      head,
      adminToken: this.adminToken,
      log: this.log,
      start: (ws, rayId) => {
        const session = new EnvoySession(this, ws, rayId, this.log.child({ rayId }));
        this.sessions.add(session);
        session.start(req);
      },
    });
    return true;
  }


  /**
   * Closes every envoy socket with `ws.going_away` and waits for them to close, cutting off
   * those that take longer than the shutdown timeout. New sockets are refused the same way.
   */
  async close(): Promise<void> {
    this.isClosing = true;
    await closeHostSessions(this.sessions, () => new EnvoyWsError("ws.going_away", "the engine is shutting down"), this.shutdownTimeoutMs, this.wss);
  }


  // EnvoySessionHost

  adopt(connection: EnvoyConnection): void {
    // Rivet's engine lets an envoy reconnect with its key and closes the older socket of that
    // key with `ws.eviction` (code 1000), as measured against its 2.3.19 engine.
    const key = keyOf(connection);
    const older = this.byKey.get(key);
    if (older !== undefined && older !== connection) {
      this.evicted.add(older);
      this.log.info({ envoyKey: older.envoyKey, rayId: older.rayId, newRayId: connection.rayId }, "envoy evicted by a newer connection");
      older.close(new EnvoyWsError("ws.eviction", "a newer connection with the same envoy key took over", { closeCode: CLOSE_NORMAL }));
    }
    this.byKey.set(key, connection);
  }

  onConnected(connection: EnvoyConnection): void {
    this.accepted.add(connection);
    this.log.info(
      {
        rayId: connection.rayId,
        envoyKey: connection.envoyKey,
        namespace: connection.namespace.name,
        poolName: connection.poolName,
        version: connection.version,
        protocolVersion: connection.protocolVersion,
      },
      "envoy connected",
    );
    this.events.emit("connected", connection);
  }

  onMetadata(connection: EnvoyConnection): void {
    connection.log.debug({ actorNames: [...connection.actorNames.keys()] }, "envoy metadata");
    this.events.emit("metadata", connection);
  }

  onDraining(connection: EnvoyConnection): void {
    connection.log.debug("envoy draining");
    this.events.emit("draining", connection);
  }

  dispatch(connection: EnvoyConnection, message: ToRivet): void {
    this.events.emit("message", connection, message);
  }

  onClosed(session: EnvoySession, info: { code: number; reason: string }): void {
    this.sessions.delete(session);
    const connection = session.connection;
    if (connection !== undefined && this.byKey.get(keyOf(connection)) === connection) this.byKey.delete(keyOf(connection));
    if (connection === undefined || !this.accepted.delete(connection)) {
      this.log.info(
        { rayId: session.rayId, code: info.code, reason: info.reason, detail: session.closeError?.message },
        "envoy connection closed before it was accepted",
      );
      return;
    }
    const evicted = this.evicted.has(connection);
    this.log.info(
      { rayId: connection.rayId, envoyKey: connection.envoyKey, code: info.code, reason: info.reason, detail: session.closeError?.message, evicted },
      "envoy disconnected",
    );
    this.events.emit("disconnected", connection, { code: info.code, reason: info.reason, evicted });
  }
}

function keyOf(connection: EnvoyConnection): string {
  return JSON.stringify([connection.namespace.id, connection.envoyKey]);
}
