import type { IncomingMessage } from "node:http";
import { ProtocolError, runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { RawData } from "ws";
import { RunnerConnection, familyOf, type ProtocolFamily } from "./connection.js";
import { CLOSE_NORMAL, RunnerWsError } from "./errors.js";
import { Mk1Bridge } from "./mk1-bridge.js";
import type { Mk1Store } from "./mk1-store.js";
import { type ConnectQuery, parseConnectQuery } from "./query.js";
import type { Namespace, RunnerRegistry } from "./registry.js";
import type { RunnerSocket } from "./socket.js";

/** Timing and size settings a session needs, all in milliseconds or bytes. */
export interface SessionSettings {
  readonly initTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly pingJitterMs: number;
  readonly pingTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly runnerLostThresholdMs: number;
  readonly actorStopThresholdMs: number;
}

/** What a session needs from the endpoint that accepted its socket. */
export interface SessionHost {
  readonly settings: SessionSettings;
  readonly registry: RunnerRegistry;
  /** Where mk1 (v1-v3) connections keep their runner-wide index mappings. */
  readonly mk1Store: Mk1Store;
  /** Whether the engine is shutting down; new sockets are closed with `ws.going_away`. */
  readonly closing: boolean;
  /** Makes a connection the current one for its runner, evicting an older one. */
  adopt(connection: RunnerConnection): void;
  /** The commands to send right after `ToClientInit`. */
  replayCommands(connection: RunnerConnection): Promise<runner.v7.ToClientCommands>;
  /**
   * Called for every message after the handshake, after built-in handling, as v7 (mk1
   * messages come through the bridge).
   */
  dispatch(connection: RunnerConnection, message: runner.v7.ToServer): void;
  onConnected(connection: RunnerConnection): void;
  onDraining(connection: RunnerConnection): void;
  /** Called once when the socket has closed, whether or not the handshake completed. */
  onClosed(session: RunnerSession, info: { code: number; reason: string }): void;
}

type State = "resolving" | "awaiting_init" | "initializing" | "ready" | "closing" | "closed";

type Decoded =
  | { readonly family: "mk2"; readonly message: runner.v7.ToServer }
  | { readonly family: "mk1"; readonly message: runner.v3.ToServer };

/** Frames held while the namespace or the runner ID is being looked up. */
const MAX_PENDING_FRAMES = 1024;

/**
 * One runner socket from upgrade to close: it checks the URL, waits for `ToServerInit`,
 * answers with `ToClientInit`, keeps the runner alive with pings, and hands every later
 * message to the endpoint. Anything a runner sends, however broken, ends at most in closing
 * this one socket with a reason.
 */
export class RunnerSession {
  /** The connection, once the handshake has completed. */
  connection: RunnerConnection | undefined;
  /** Why we closed the socket, if we did. */
  closeError: RunnerWsError | undefined;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;

  private state: State = "resolving";
  private query: ConnectQuery | undefined;
  private family: ProtocolFamily = "mk2";
  private namespace: Namespace | undefined;
  private bridge: Mk1Bridge | undefined;
  private pending: { data: Uint8Array; isBinary: boolean }[] = [];
  private initTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private resolveClosed!: () => void;

  constructor(
    private readonly host: SessionHost,
    readonly socket: RunnerSocket,
    readonly rayId: string,
    readonly log: Logger,
  ) {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Takes over the socket. Called once, right after the upgrade. */
  start(req: IncomingMessage): void {
    const { socket } = this;
    socket.rayId = this.rayId;
    // Without an error listener a socket error would be thrown at the process.
    socket.on("error", (err) => this.log.debug({ err }, "runner socket error"));
    socket.on("message", (data, isBinary) => this.onFrame(data, isBinary));
    socket.on("close", (code, reason) => this.onClose(code, reason.toString()));

    if (this.host.closing) return this.fail(new RunnerWsError("ws.going_away", "the engine is shutting down"));
    try {
      this.query = parseConnectQuery(req.url);
    } catch (err) {
      return this.fail(asWsError(err, "ws.invalid_url"));
    }
    this.family = familyOf(this.query.protocolVersion);
    this.initTimer = setTimeout(() => {
      if (this.state !== "ready") {
        this.fail(
          new RunnerWsError("ws.timed_out_waiting_for_init", `no ToServerInit within ${this.host.settings.initTimeoutMs} ms`),
        );
      }
    }, this.host.settings.initTimeoutMs);
    this.initTimer.unref();

    const namespaceName = this.query.namespace;
    void this.step(async () => {
      const namespace = await this.host.registry.resolveNamespace(namespaceName);
      if (this.state !== "resolving") return;
      if (namespace === undefined) {
        return this.fail(new RunnerWsError("namespace.not_found", `namespace "${namespaceName}" does not exist`));
      }
      this.namespace = namespace;
      this.state = "awaiting_init";
      this.drainPending();
    });
  }

  /** Closes the socket with a reason, once; later calls keep the first reason. */
  fail(error: RunnerWsError): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.state = "closing";
    this.closeError = error;
    this.pending = [];
    this.clearTimers();
    this.log.debug({ reason: error.id, detail: error.message }, "closing runner socket");
    this.socket.close(error.closeCode, error.reason(this.rayId));
  }

  /** Ends the socket at once, without a closing handshake (used when shutdown runs out of time). */
  terminate(): void {
    this.socket.terminate();
  }

  private onFrame(raw: RawData, isBinary: boolean): void {
    // A throw from here would reach `ws`'s receiver and from there the process.
    this.guard(() => this.processFrame(toBytes(raw), isBinary));
  }

  private processFrame(data: Uint8Array, isBinary: boolean): void {
    switch (this.state) {
      case "resolving":
      case "initializing":
        if (this.pending.length >= MAX_PENDING_FRAMES) {
          return this.fail(new RunnerWsError("ws.invalid_packet", "too many frames before the handshake completed"));
        }
        this.pending.push({ data, isBinary });
        return;
      case "awaiting_init":
        return this.onInitFrame(data, isBinary);
      case "ready":
        return this.onMessageFrame(data, isBinary);
      default:
        return;
    }
  }

  private drainPending(): void {
    while (this.pending.length > 0 && (this.state === "awaiting_init" || this.state === "ready")) {
      const frame = this.pending.shift() as { data: Uint8Array; isBinary: boolean };
      this.processFrame(frame.data, frame.isBinary);
    }
  }

  private decode(data: Uint8Array): Decoded | undefined {
    const version = (this.query as ConnectQuery).protocolVersion;
    const options = { maxBytes: this.host.settings.maxPayloadBytes };
    try {
      return this.family === "mk2"
        ? { family: "mk2", message: runner.mk2Versioned.ToServer.decode(data, version, options) }
        : { family: "mk1", message: runner.mk1Versioned.ToServer.decode(data, version, options) };
    } catch (err) {
      const detail = err instanceof ProtocolError ? err.message : `undecodable frame: ${String(err)}`;
      this.fail(new RunnerWsError("ws.invalid_packet", detail, { cause: err }));
      return undefined;
    }
  }

  private onInitFrame(data: Uint8Array, isBinary: boolean): void {
    if (!isBinary) {
      return this.fail(new RunnerWsError("ws.invalid_initial_packet", "the first frame must be binary"));
    }
    const decoded = this.decode(data);
    if (decoded === undefined) return;
    if (decoded.message.tag !== "ToServerInit") {
      return this.fail(
        new RunnerWsError("ws.invalid_initial_packet", `the first message must be ToServerInit, got ${decoded.message.tag}`),
      );
    }
    this.state = "initializing";
    const init = decoded.message.val;
    void this.step(() => this.handshake(init));
  }

  private async handshake(init: runner.v7.ToServerInit | runner.v3.ToServerInit): Promise<void> {
    const query = this.query as ConnectQuery;
    const namespace = this.namespace as Namespace;
    const runnerId = await this.host.registry.runnerIdFor({
      namespaceId: namespace.id,
      name: init.name,
      runnerKey: query.runnerKey,
    });
    if (this.state !== "initializing") return;
    const connection = new RunnerConnection({
      socket: this.socket,
      rayId: this.rayId,
      protocolVersion: query.protocolVersion,
      namespace,
      runnerKey: query.runnerKey,
      runnerId,
      name: init.name,
      runnerVersion: init.version,
      totalSlots: init.totalSlots,
      prepopulateActorNames: init.prepopulateActorNames ?? new Map(),
      metadata: init.metadata,
      log: this.log.child({ runnerId }),
      close: (error) => this.fail(error),
    });
    this.connection = connection;
    // The older connection of this runner, if any, is closed by `adopt` in this same
    // synchronous step, so nothing else writes this runner's mk1 records from here on.
    let bridge: Mk1Bridge | undefined;
    if (this.family === "mk1") {
      bridge = new Mk1Bridge(this.host.mk1Store, connection, { lastCommandIdx: "lastCommandIdx" in init ? init.lastCommandIdx : null });
      this.bridge = bridge;
      connection.useTranslator(bridge);
    }
    this.host.adopt(connection);

    const { settings } = this.host;
    // For mk1 the bridge writes this as v3 `ToClientInit { runnerId, lastEventIdx, … }`.
    connection.send({
      tag: "ToClientInit",
      val: {
        runnerId,
        metadata: {
          runnerLostThreshold: BigInt(settings.runnerLostThresholdMs),
          actorStopThreshold: BigInt(settings.actorStopThresholdMs),
          serverlessDrainGracePeriod: null,
        },
      },
    });
    const commands = await this.host.replayCommands(connection);
    if (this.state !== "initializing") return;
    // Commands an mk1 runner reports having seen are not sent again but acked for it.
    const seen = bridge === undefined ? [] : bridge.replay(commands);
    if (bridge === undefined) connection.send({ tag: "ToClientCommands", val: commands });

    clearTimeout(this.initTimer);
    this.initTimer = undefined;
    this.state = "ready";
    this.schedulePing();
    this.host.onConnected(connection);
    if (seen.length > 0) this.host.dispatch(connection, { tag: "ToServerAckCommands", val: { lastCommandCheckpoints: seen } });
    this.drainPending();
  }

  private onMessageFrame(data: Uint8Array, isBinary: boolean): void {
    const connection = this.connection as RunnerConnection;
    // Rivet's engine ignores text frames once a runner is running; so do we.
    if (!isBinary) return this.log.debug("ignoring a text frame from a runner");
    const decoded = this.decode(data);
    if (decoded === undefined) return;
    if (decoded.message.tag === "ToServerInit") {
      return this.fail(new RunnerWsError("ws.invalid_packet", "ToServerInit sent twice on one connection"));
    }
    const now = Date.now();
    if (decoded.family === "mk1") return this.onMk1Message(connection, decoded.message, data, now);
    const message = decoded.message;
    switch (message.tag) {
      case "ToServerPong":
        connection.recordPong(message.val.ts, now);
        break;
      case "ToServerStopping":
        if (connection.markDraining()) this.host.onDraining(connection);
        break;
      default:
        break;
    }
    this.host.dispatch(connection, message);
  }

  /**
   * mk1 runners ping the engine, so their pings are their liveness; everything else goes
   * through the bridge to the engine as v7.
   */
  private onMk1Message(connection: RunnerConnection, message: runner.v3.ToServer, frame: Uint8Array, now: number): void {
    if (message.tag === "ToServerPing") {
      connection.recordAlive(now);
      return;
    }
    if (message.tag === "ToServerStopping" && connection.markDraining()) this.host.onDraining(connection);
    (this.bridge as Mk1Bridge).receive(message, frame, (m) => this.host.dispatch(connection, m));
  }

  /**
   * Pings every interval plus up to `pingJitterMs` of jitter, as Rivet's engine does, and
   * drops the runner when its last pong is older than the timeout. mk1 runners ping us, so
   * for them only the timeout check runs.
   */
  private schedulePing(): void {
    const { pingIntervalMs, pingJitterMs } = this.host.settings;
    const delay = pingIntervalMs + Math.floor(Math.random() * pingJitterMs);
    this.pingTimer = setTimeout(() => this.guard(() => this.pingTick()), delay);
    this.pingTimer.unref();
  }

  private pingTick(): void {
    if (this.state !== "ready") return;
    const connection = this.connection as RunnerConnection;
    const now = Date.now();
    const { pingTimeoutMs } = this.host.settings;
    if (now - connection.lastPongAt > pingTimeoutMs) {
      return this.fail(new RunnerWsError("ws.ping_timed_out", `no pong for more than ${pingTimeoutMs} ms`));
    }
    if (this.family === "mk2") connection.send({ tag: "ToClientPing", val: { ts: connection.nextPingTs(now) } });
    this.schedulePing();
  }

  private onClose(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.pending = [];
    this.clearTimers();
    this.host.onClosed(this, { code, reason });
    this.resolveClosed();
  }

  private clearTimers(): void {
    clearTimeout(this.initTimer);
    clearTimeout(this.pingTimer);
    this.initTimer = undefined;
    this.pingTimer = undefined;
  }

  /** Runs synchronous work for this socket; a failure closes this socket, never the process. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.error({ err }, "runner socket handler failed");
      this.fail(asWsError(err, "core.internal_error"));
    }
  }

  /** Runs one asynchronous handshake step; a failure closes this socket, never the process. */
  private async step(run: () => Promise<void> | void): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.log.error({ err }, "runner handshake step failed");
      this.fail(asWsError(err, "core.internal_error"));
    }
  }
}

/** Passes our own close reasons through and wraps anything else. */
function asWsError(err: unknown, fallback: "ws.invalid_url" | "core.internal_error"): RunnerWsError {
  if (err instanceof RunnerWsError) return err;
  return new RunnerWsError(fallback, err instanceof Error ? err.message : String(err), { cause: err });
}

function toBytes(raw: RawData): Uint8Array {
  if (Array.isArray(raw)) return Buffer.concat(raw);
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  return raw;
}

/** The eviction reason, closed with code 1000 as Rivet's engine does. */
export function evictionError(): RunnerWsError {
  return new RunnerWsError("ws.eviction", "a newer connection for the same runner took over", { closeCode: CLOSE_NORMAL });
}
