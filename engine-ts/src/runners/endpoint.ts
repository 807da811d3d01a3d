import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import type { RunnerConnection } from "./connection.js";
import { RunnerWsError } from "./errors.js";
import { TypedEmitter } from "./events.js";
import { acceptHostUpgrade, closeHostSessions } from "./host-sockets.js";
import { defaultRunnerLogger } from "./log.js";
import { RIVET_SUBPROTOCOL, isRunnerUpgrade } from "./query.js";
import { MemoryStorage } from "../storage/memory.js";
import type { Storage } from "../storage/storage.js";
import { Mk1Store } from "./mk1-store.js";
import type { RunnerRegistry } from "./registry.js";
import { RunnerSession, type SessionHost, type SessionSettings, evictionError } from "./session.js";
import { RunnerSocket } from "./socket.js";

/** How a connection ended. */
export interface DisconnectInfo {
  /** The WebSocket close code. */
  readonly code: number;
  /** The close reason, `<group>.<code>#<ray_id>` when the engine closed it. */
  readonly reason: string;
  /** Whether a newer connection of the same runner replaced this one. */
  readonly evicted: boolean;
}

/** The endpoint's events; each entry is the listener's argument list. */
export type RunnerEventMap = {
  /** The handshake completed: `ToClientInit` and the replayed commands were sent. */
  connected: [connection: RunnerConnection];
  /** A connection that had completed its handshake closed. */
  disconnected: [connection: RunnerConnection, info: DisconnectInfo];
  /** The runner sent `ToServerStopping`. */
  draining: [connection: RunnerConnection];
  /** Every message a runner sends after its handshake, read as v7 (v1-v3 through the mk1 bridge). */
  message: [connection: RunnerConnection, message: runner.v7.ToServer];
};

/** Answers one `ToServerKvRequest`; what it returns (or throws) goes back as `ToClientKvResponse`. */
export type KvRequestHandler = (
  connection: RunnerConnection,
  request: runner.v7.ToServerKvRequest,
) => runner.v7.KvResponseData | Promise<runner.v7.KvResponseData>;

/** The commands still unacknowledged for a runner, sent right after `ToClientInit`. */
export type CommandReplayHandler = (
  connection: RunnerConnection,
) => runner.v7.ToClientCommands | Promise<runner.v7.ToClientCommands>;

/** What the runner endpoint is built from; every setting has Rivet's default. */
export interface RunnerEndpointOptions {
  /** Namespaces and runner IDs. */
  readonly registry: RunnerRegistry;
  /**
   * Where connections of runner protocol v1-v3 keep their runner-wide command and event
   * indices (see `mk1-store.ts`); in memory when not given. The engine passes its own storage.
   */
  readonly storage?: Storage;
  readonly logger?: Logger;
  /** How long a new socket may take to send `ToServerInit` (default 5000). */
  readonly initTimeoutMs?: number;
  /** Time between pings (default 3000), plus 0 to `pingJitterMs - 1` (default 128). */
  readonly pingIntervalMs?: number;
  readonly pingJitterMs?: number;
  /** A runner whose last pong is older than this is dropped (default 15000). */
  readonly pingTimeoutMs?: number;
  /** Largest frame accepted (default 32 MiB); larger ones close the socket with 1009. */
  readonly maxPayloadBytes?: number;
  /** Sent in `ToClientInit` (defaults 15000 and 1800000). */
  readonly runnerLostThresholdMs?: number;
  readonly actorStopThresholdMs?: number;
  /** How long {@link RunnerEndpoint.close} waits for runners to close before cutting them off (default 2000). */
  readonly shutdownTimeoutMs?: number;
  /**
   * When set, runners must offer the subprotocol `rivet_token.<token>` with this token, as
   * with Rivet's `auth.admin_token`; others are refused before the upgrade (401 or 403).
   */
  readonly adminToken?: string;
  /** Answers KV requests; an endpoint without it answers each with {@link kvNotAvailable}. */
  readonly kv?: KvRequestHandler;
  /** The commands to replay after `ToClientInit`; an endpoint without it replays none. */
  readonly replayCommands?: CommandReplayHandler;
}

/** The KV answer of an endpoint built without a KV handler. */
export const kvNotAvailable: KvRequestHandler = () => ({
  tag: "KvErrorResponse",
  val: { message: "kv not available" },
});

/**
 * `/runners/connect`: the WebSocket every runner holds to the engine. It shares the engine's
 * one HTTP port (hand it the server's upgrade requests through {@link handleUpgrade}),
 * performs the handshake of runner protocol v1-v7, pings (v4-v7; v1-v3 runners ping us),
 * evicts older duplicates, and hands everything else on as v7 (v1-v3 connections go through
 * the mk1 bridge): messages through {@link events}, KV requests to the `kv` handler and the
 * replay after a handshake to `replayCommands`, both given at construction.
 */
export class RunnerEndpoint implements SessionHost {
  /** Connected, disconnected, draining and message events. */
  readonly events: TypedEmitter<RunnerEventMap>;
  readonly settings: SessionSettings;
  readonly registry: RunnerRegistry;
  readonly mk1Store: Mk1Store;
  private readonly log: Logger;
  private readonly shutdownTimeoutMs: number;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<RunnerSession>();
  private readonly announced = new Set<RunnerConnection>();
  private readonly evicted = new WeakSet<RunnerConnection>();
  private readonly byIdentity = new Map<string, RunnerConnection>();
  private readonly byRunnerId = new Map<string, RunnerConnection>();
  private readonly kvHandler: KvRequestHandler;
  private readonly replayHandler: CommandReplayHandler;
  private isClosing = false;
  private readonly adminToken: string | undefined;

  constructor(options: RunnerEndpointOptions) {
    this.log = options.logger ?? defaultRunnerLogger();
    this.events = new TypedEmitter(this.log);
    this.registry = options.registry;
    this.mk1Store = new Mk1Store(options.storage ?? new MemoryStorage());
    this.settings = {
      initTimeoutMs: options.initTimeoutMs ?? 5000,
      pingIntervalMs: options.pingIntervalMs ?? 3000,
      pingJitterMs: options.pingJitterMs ?? 128,
      pingTimeoutMs: options.pingTimeoutMs ?? 15_000,
      maxPayloadBytes: options.maxPayloadBytes ?? 32 * 1024 * 1024,
      runnerLostThresholdMs: options.runnerLostThresholdMs ?? 15_000,
      actorStopThresholdMs: options.actorStopThresholdMs ?? 1_800_000,
    };
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 2000;
    this.adminToken = options.adminToken;
    this.kvHandler = options.kv ?? kvNotAvailable;
    this.replayHandler = options.replayCommands ?? (() => []);
    this.wss = new WebSocketServer({
      noServer: true,
      WebSocket: RunnerSocket,
      maxPayload: this.settings.maxPayloadBytes,
      perMessageDeflate: false,
      // Rivet's engine always selects `rivet`; Node `ws` clients fail without a selection.
      handleProtocols: () => RIVET_SUBPROTOCOL,
    });
    this.wss.on("error", (err) => this.log.error({ err }, "runner WebSocket server error"));
  }

  get closing(): boolean {
    return this.isClosing;
  }

  /** Adds a listener; shorthand for `events.on`. Returns a function that removes it. */
  on<K extends keyof RunnerEventMap>(event: K, listener: (...args: RunnerEventMap[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  /** Connections that have completed their handshake and are still open. */
  connections(): RunnerConnection[] {
    return [...this.announced];
  }

  /** The current connection of a runner, if it is connected. */
  connection(runnerId: string): RunnerConnection | undefined {
    return this.byRunnerId.get(runnerId);
  }

  /**
   * Takes an HTTP upgrade request if it is meant for runners and returns whether it did.
   * Other upgrades (the gateway's) are left to the caller.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!isRunnerUpgrade(req)) return false;
    acceptHostUpgrade({
      kind: "runner",
      wss: this.wss,
      req,
      socket,
      head,
      adminToken: this.adminToken,
      log: this.log,
      start: (ws, rayId) => {
        const session = new RunnerSession(this, ws, rayId, this.log.child({ rayId }));
        this.sessions.add(session);
        session.start(req);
      },
    });
    return true;
  }


  /**
   * Closes every runner socket with `ws.going_away` (Rivet's runner reconnects at once on
   * it) and waits for them to close, cutting off those that take longer than the shutdown
   * timeout. New sockets are refused the same way from now on.
   */
  async close(): Promise<void> {
    this.isClosing = true;
    await closeHostSessions(this.sessions, () => new RunnerWsError("ws.going_away", "the engine is shutting down"), this.shutdownTimeoutMs, this.wss);
  }


  // SessionHost

  adopt(connection: RunnerConnection): void {
    const identity = identityKey(connection);
    for (const older of new Set([this.byIdentity.get(identity), this.byRunnerId.get(connection.runnerId)])) {
      if (older === undefined || older === connection) continue;
      this.evicted.add(older);
      this.log.info(
        { runnerId: older.runnerId, rayId: older.rayId, newRayId: connection.rayId, name: older.name },
        "runner evicted by a newer connection",
      );
      older.close(evictionError());
    }
    this.byIdentity.set(identity, connection);
    this.byRunnerId.set(connection.runnerId, connection);
  }

  async replayCommands(connection: RunnerConnection): Promise<runner.v7.ToClientCommands> {
    return await this.replayHandler(connection);
  }

  dispatch(connection: RunnerConnection, message: runner.v7.ToServer): void {
    if (message.tag === "ToServerKvRequest") this.answerKv(connection, message.val);
    this.events.emit("message", connection, message);
  }

  onConnected(connection: RunnerConnection): void {
    this.announced.add(connection);
    this.log.info(
      {
        rayId: connection.rayId,
        runnerId: connection.runnerId,
        name: connection.name,
        namespace: connection.namespace.name,
        runnerKey: connection.runnerKey,
        protocolVersion: connection.protocolVersion,
        totalSlots: connection.totalSlots,
      },
      "runner connected",
    );
    this.events.emit("connected", connection);
  }

  onDraining(connection: RunnerConnection): void {
    connection.log.debug("runner draining");
    this.events.emit("draining", connection);
  }

  onClosed(session: RunnerSession, info: { code: number; reason: string }): void {
    this.sessions.delete(session);
    const connection = session.connection;
    if (connection !== undefined) {
      const identity = identityKey(connection);
      if (this.byIdentity.get(identity) === connection) this.byIdentity.delete(identity);
      if (this.byRunnerId.get(connection.runnerId) === connection) this.byRunnerId.delete(connection.runnerId);
    }
    if (connection === undefined || !this.announced.delete(connection)) {
      this.log.info(
        { rayId: session.rayId, code: info.code, reason: info.reason, detail: session.closeError?.message },
        "runner connection closed before its handshake completed",
      );
      return;
    }
    const evicted = this.evicted.has(connection);
    this.log.info(
      {
        rayId: connection.rayId,
        runnerId: connection.runnerId,
        code: info.code,
        reason: info.reason,
        detail: session.closeError?.message,
        evicted,
      },
      "runner disconnected",
    );
    this.events.emit("disconnected", connection, { code: info.code, reason: info.reason, evicted });
  }

  private answerKv(connection: RunnerConnection, request: runner.v7.ToServerKvRequest): void {
    const { requestId } = request;
    void (async () => {
      let data: runner.v7.KvResponseData;
      try {
        data = await this.kvHandler(connection, request);
      } catch (err) {
        connection.log.warn({ err, requestId }, "kv handler failed");
        data = { tag: "KvErrorResponse", val: { message: err instanceof Error ? err.message : String(err) } };
      }
      try {
        connection.send({ tag: "ToClientKvResponse", val: { requestId, data } });
      } catch (err) {
        connection.log.error({ err, requestId }, "could not send a kv response");
      }
    })();
  }
}

function identityKey(connection: RunnerConnection): string {
  return JSON.stringify([connection.namespace.id, connection.name, connection.runnerKey]);
}
