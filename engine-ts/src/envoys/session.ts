import type { IncomingMessage } from "node:http";
import { envoy } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { RawData } from "ws";
import type { Namespace } from "../runners/registry.js";
import type { RunnerSocket } from "../runners/socket.js";
import { EnvoyConnection, type ToRivet } from "./connection.js";
import { EnvoyWsError } from "./errors.js";
import { type EnvoyConnectQuery, parseEnvoyQuery } from "./query.js";

/** Timing and size settings a session needs, in milliseconds or bytes. */
export interface EnvoySessionSettings {
  readonly pingIntervalMs: number;
  readonly pingJitterMs: number;
  readonly pingTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly envoyLostThresholdMs: number;
  readonly actorStopThresholdMs: number;
  readonly maxResponsePayloadBytes: number;
}

/** Where the envoy endpoint looks up namespaces and declared pools. */
export interface EnvoyDirectory {
  /** The namespace with this name, or undefined when there is none. */
  resolveNamespace(name: string): Namespace | undefined | Promise<Namespace | undefined>;
  /** Whether the namespace declared this pool (`PUT /runner-configs/{name}`). */
  hasPool(namespaceId: string, poolName: string): boolean | Promise<boolean>;
}

/** What a session needs from the endpoint that accepted its socket. */
export interface EnvoySessionHost {
  readonly settings: EnvoySessionSettings;
  readonly directory: EnvoyDirectory;
  /** Whether the engine is shutting down; new sockets are closed with `ws.going_away`. */
  readonly closing: boolean;
  /** Makes a connection the current one for its key, evicting an older one. */
  adopt(connection: EnvoyConnection): void;
  onConnected(connection: EnvoyConnection): void;
  onMetadata(connection: EnvoyConnection): void;
  onDraining(connection: EnvoyConnection): void;
  /** Every decoded message after built-in handling, read as v8. */
  dispatch(connection: EnvoyConnection, message: ToRivet): void;
  /** Called once when the socket has closed, whether or not it was accepted. */
  onClosed(session: EnvoySession, info: { code: number; reason: string }): void;
}

type State = "resolving" | "ready" | "closing" | "closed";

/** Frames held while the namespace and the pool are looked up. */
const MAX_PENDING_FRAMES = 1024;

/**
 * One envoy socket from upgrade to close: it checks the URL, the namespace and the pool,
 * sends `ToEnvoyInit` unprompted (an envoy does not introduce itself first, unlike a runner),
 * pings, and hands every later message to the endpoint. Text frames and frames that do not
 * decode are ignored, as Rivet's engine ignores them; anything else an envoy sends ends at
 * most in closing this one socket with a reason.
 */
export class EnvoySession {
  connection: EnvoyConnection | undefined;
  /** Why we closed the socket, if we did. */
  closeError: EnvoyWsError | undefined;
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>;

  private state: State = "resolving";
  private pending: { data: Uint8Array; isBinary: boolean }[] = [];
  private pingTimer: NodeJS.Timeout | undefined;
  private resolveClosed!: () => void;

  constructor(
    private readonly host: EnvoySessionHost,
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
    socket.on("error", (err) => this.log.debug({ err }, "envoy socket error"));
    socket.on("message", (data, isBinary) => this.onFrame(data, isBinary));
    socket.on("close", (code, reason) => this.onClose(code, reason.toString()));

    if (this.host.closing) return this.fail(new EnvoyWsError("ws.going_away", "the engine is shutting down"));
    let query: EnvoyConnectQuery;
    try {
      query = parseEnvoyQuery(req.url);
    } catch (err) {
      return this.fail(asWsError(err, "ws.invalid_request"));
    }
    void this.step(() => this.accept(query));
  }

  /** Closes the socket with a reason, once; later calls keep the first reason. */
  fail(error: EnvoyWsError): void {
    if (this.state === "closing" || this.state === "closed") return;
    this.state = "closing";
    this.closeError = error;
    this.pending = [];
    clearTimeout(this.pingTimer);
    this.log.debug({ reason: error.id, detail: error.message }, "closing envoy socket");
    this.socket.close(error.closeCode, error.reason(this.rayId));
  }

  /** Ends the socket at once, without a closing handshake (used when shutdown runs out of time). */
  terminate(): void {
    this.socket.terminate();
  }

  private async accept(query: EnvoyConnectQuery): Promise<void> {
    const { directory, settings } = this.host;
    const namespace = await directory.resolveNamespace(query.namespace);
    if (this.state !== "resolving") return;
    if (namespace === undefined) {
      return this.fail(new EnvoyWsError("namespace.not_found", `namespace "${query.namespace}" does not exist`));
    }
    // Rivet refuses an envoy whose pool was never declared: rivetkit declares it first.
    const declared = await directory.hasPool(namespace.id, query.poolName);
    if (this.state !== "resolving") return;
    if (!declared) {
      return this.fail(
        new EnvoyWsError("ws.no_runner_config", `namespace "${namespace.name}" has no runner config named "${query.poolName}"`),
      );
    }
    const connection = new EnvoyConnection({
      socket: this.socket,
      rayId: this.rayId,
      protocolVersion: query.protocolVersion,
      namespace,
      poolName: query.poolName,
      envoyKey: query.envoyKey,
      version: query.version,
      log: this.log.child({ envoyKey: query.envoyKey }),
      close: (error) => this.fail(error),
    });
    this.connection = connection;
    this.host.adopt(connection);
    connection.send({
      tag: "ToEnvoyInit",
      val: {
        metadata: {
          envoyLostThreshold: BigInt(settings.envoyLostThresholdMs),
          actorStopThreshold: BigInt(settings.actorStopThresholdMs),
          maxResponsePayloadSize: BigInt(settings.maxResponsePayloadBytes),
        },
      },
    });
    // Rivet's engine pings right after the init, then every interval.
    connection.ping(Date.now());
    this.state = "ready";
    this.schedulePing();
    this.host.onConnected(connection);
    this.drainPending();
  }

  private onFrame(raw: RawData, isBinary: boolean): void {
    // A throw from here would reach `ws`'s receiver and from there the process.
    this.guard(() => this.processFrame(toBytes(raw), isBinary));
  }

  private processFrame(data: Uint8Array, isBinary: boolean): void {
    if (this.state === "resolving") {
      if (this.pending.length >= MAX_PENDING_FRAMES) {
        return this.fail(new EnvoyWsError("ws.invalid_request", "too many frames before the envoy was accepted"));
      }
      this.pending.push({ data, isBinary });
      return;
    }
    if (this.state === "ready") this.onMessageFrame(data, isBinary);
  }

  private drainPending(): void {
    while (this.pending.length > 0 && this.state === "ready") {
      const frame = this.pending.shift() as { data: Uint8Array; isBinary: boolean };
      this.onMessageFrame(frame.data, frame.isBinary);
    }
  }

  private onMessageFrame(data: Uint8Array, isBinary: boolean): void {
    const connection = this.connection as EnvoyConnection;
    if (!isBinary) return this.log.debug({ bytes: data.byteLength }, "ignoring a text frame from an envoy");
    let message: ToRivet;
    try {
      message = envoy.versioned.ToRivet.decode(data, connection.protocolVersion, { maxBytes: this.host.settings.maxPayloadBytes });
    } catch (err) {
      // Rivet's engine logs such a frame and keeps the connection; an envoy that sent one by
      // mistake (a version prefix, say) would otherwise lose every actor it hosts.
      return this.log.debug({ err, bytes: data.byteLength }, "ignoring an envoy frame that does not decode");
    }
    const now = Date.now();
    switch (message.tag) {
      case "ToRivetPong":
        connection.recordPong(message.val.ts, now);
        break;
      case "ToRivetMetadata":
        connection.recordMetadata(message.val);
        this.host.onMetadata(connection);
        break;
      case "ToRivetStopping":
        if (connection.markDraining()) this.host.onDraining(connection);
        break;
      default:
        break;
    }
    this.host.dispatch(connection, message);
  }

  /** Pings every interval plus up to `pingJitterMs` of jitter, and drops a silent envoy. */
  private schedulePing(): void {
    const { pingIntervalMs, pingJitterMs } = this.host.settings;
    const delay = pingIntervalMs + Math.floor(Math.random() * pingJitterMs);
    this.pingTimer = setTimeout(() => this.guard(() => this.pingTick()), delay);
    this.pingTimer.unref();
  }

  private pingTick(): void {
    if (this.state !== "ready") return;
    const connection = this.connection as EnvoyConnection;
    const now = Date.now();
    const { pingTimeoutMs } = this.host.settings;
    if (now - connection.lastPongAt > pingTimeoutMs) {
      return this.fail(new EnvoyWsError("ws.timed_out", `no pong for more than ${pingTimeoutMs} ms`));
    }
    connection.ping(now);
    this.schedulePing();
  }

  private onClose(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.pending = [];
    clearTimeout(this.pingTimer);
    this.host.onClosed(this, { code, reason });
    this.resolveClosed();
  }

  /** Runs synchronous work for this socket; a failure closes this socket, never the process. */
  private guard(run: () => void): void {
    try {
      run();
    } catch (err) {
      this.log.error({ err }, "envoy socket handler failed");
      this.fail(asWsError(err, "core.internal_error"));
    }
  }

  /** Runs one asynchronous step; a failure closes this socket, never the process. */
  private async step(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.log.error({ err }, "envoy accept step failed");
      this.fail(asWsError(err, "core.internal_error"));
    }
  }
}

/** Passes our own close reasons through and wraps anything else. */
function asWsError(err: unknown, fallback: "ws.invalid_request" | "core.internal_error"): EnvoyWsError {
  if (err instanceof EnvoyWsError) return err;
  return new EnvoyWsError(fallback, err instanceof Error ? err.message : String(err), { cause: err });
}

function toBytes(raw: RawData): Uint8Array {
  if (Array.isArray(raw)) return Buffer.concat(raw);
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  return raw;
}
