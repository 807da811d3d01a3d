import { runner } from "@actorwire/protocol";
import { type Corkable, batchWritesThisTurn } from "@actorwire/protocol/internal";
import type { Logger } from "pino";
import WebSocket from "ws";
import { reconnectDelayMs } from "./backoff.js";

/** What the connection tells its owner. All calls are synchronous and must not throw. */
export interface ConnectionHandler {
  /** The `ToServerInit` to send on each new socket. */
  initMessage(): runner.v7.ToServer;
  /** `ToClientInit` arrived: the socket is ready for everything else. */
  onInit(init: runner.v7.ToClientInit): void;
  /** Any other engine message (pings are answered here and never passed on). */
  onMessage(message: runner.v7.ToClient): void;
  /**
   * A socket closed. `final` is true when no reconnect follows (evicted, or closed by us);
   * otherwise `retryInMs` is the back-off before the next attempt. `error` is the socket error
   * that preceded the close, if any (`connect ECONNREFUSED 127.0.0.1:6420`).
   */
  onClose(info: {
    readonly code: number;
    readonly reason: string;
    readonly evicted: boolean;
    readonly final: boolean;
    readonly retryInMs?: number;
    readonly error?: string;
  }): void;
}

export interface ConnectionOptions {
  /** The full `/runners/connect?...` URL. */
  readonly url: string;
  readonly protocols: readonly string[];
  readonly log: Logger;
}

/** Close reason group.code that means "another connection of this runner took over". */
const EVICTION = "ws.eviction";
/** The engine answers `ToServerInit` within its own 5 s deadline; past this we try again. */
const INIT_TIMEOUT_MS = 15_000;
/** The engine pings every ~3 s; a socket silent for this long is dead, even if TCP does not know it yet. */
const IDLE_TIMEOUT_MS = 30_000;
/** Largest frame we accept; the codec refuses anything over 32 MiB anyway. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/**
 * One runner's WebSocket to the engine, across reconnects: it sends `ToServerInit` on every
 * open, answers pings at once, reconnects with back-off after any close except an eviction,
 * and never lets a malformed frame reach the process. Messages are encoded straight onto
 * the socket; nothing is queued here (the owner decides what to buffer while disconnected).
 */
export class EngineConnection {
  /** True between `ToClientInit` and the next close. */
  ready = false;
  private ws: WebSocket | undefined;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private initTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private lastReceivedAt = 0;
  private stopped = false;
  private closedForGood: Promise<void> | undefined;
  /** The error of the current socket, reported with its close. */
  private lastError: string | undefined;
  /** The TCP socket of the current WebSocket, once upgraded. */
  private transport: Corkable | undefined;

  constructor(
    private readonly options: ConnectionOptions,
    private readonly handler: ConnectionHandler,
  ) {}

  /** Opens the first socket. */
  connect(): void {
    if (this.stopped || this.ws !== undefined) return;
    const { url, protocols, log } = this.options;
    log.debug({ url: redact(url) }, "connecting to the engine");
    const ws = new WebSocket(url, [...protocols], { perMessageDeflate: false, maxPayload: MAX_FRAME_BYTES, handshakeTimeout: 10_000 });
    this.ws = ws;
    this.transport = undefined;
    ws.binaryType = "nodebuffer";
    // The TCP socket under the WebSocket, so that frames for many actors leave in one write
    // per event-loop turn (`batchWritesThisTurn`); the upgrade response carries it.
    ws.once("upgrade", (res) => {
      if (ws === this.ws) this.transport = res.socket;
    });
    ws.on("open", () => this.onOpen(ws));
    ws.on("message", (data: Buffer, isBinary: boolean) => this.onFrame(ws, data, isBinary));
    // Without a listener an error would be thrown at the process; a close always follows.
    ws.on("error", (err) => {
      if (ws === this.ws) this.lastError = err.message;
      log.debug({ err: err.message }, "engine socket error");
    });
    ws.on("close", (code: number, reason: Buffer) => this.onSocketClose(ws, code, reason.toString()));
  }

  /**
   * Sends one message if the socket is ready (after `ToClientInit`); returns false otherwise,
   * so that the caller can keep it for later.
   */
  send(message: runner.v7.ToServer): boolean {
    const ws = this.ws;
    // A closing socket would drop the frame without a word; the caller keeps it instead.
    if (!this.ready || ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    if (this.transport !== undefined) batchWritesThisTurn(this.transport);
    ws.send(runner.v7.encodeToServer(message));
    return true;
  }

  /** Sends an already encoded message if the socket is ready. */
  sendFrame(frame: Uint8Array): boolean {
    const ws = this.ws;
    if (!this.ready || ws === undefined || ws.readyState !== WebSocket.OPEN) return false;
    if (this.transport !== undefined) batchWritesThisTurn(this.transport);
    ws.send(frame);
    return true;
  }

  /** Closes the socket for good (no reconnect) and resolves once it has closed. */
  close(code: number, reason: string): Promise<void> {
    if (this.closedForGood !== undefined) return this.closedForGood;
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const ws = this.ws;
    if (ws === undefined || ws.readyState === WebSocket.CLOSED) {
      this.closedForGood = Promise.resolve();
      return this.closedForGood;
    }
    this.closedForGood = new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      // A peer that never answers the close frame must not hold shutdown forever.
      const force = setTimeout(() => ws.terminate(), 5_000);
      force.unref();
      ws.once("close", () => clearTimeout(force));
    });
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(code, reason);
    return this.closedForGood;
  }

  private onOpen(ws: WebSocket): void {
    if (ws !== this.ws) return;
    this.attempt = 0;
    this.lastReceivedAt = Date.now();
    try {
      ws.send(runner.v7.encodeToServer(this.handler.initMessage()));
    } catch (err) {
      this.options.log.error({ err }, "could not encode ToServerInit");
      ws.close(1011, "runner.invalid_init");
      return;
    }
    this.initTimer = setTimeout(() => {
      this.options.log.warn("no ToClientInit from the engine in time; reconnecting");
      ws.terminate();
    }, INIT_TIMEOUT_MS);
    this.initTimer.unref();
    this.idleTimer = setInterval(() => {
      if (Date.now() - this.lastReceivedAt > IDLE_TIMEOUT_MS) {
        this.options.log.warn({ idleMs: Date.now() - this.lastReceivedAt }, "nothing from the engine for too long; reconnecting");
        ws.terminate();
      }
    }, 5_000);
    this.idleTimer.unref();
  }

  private onFrame(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    if (ws !== this.ws) return;
    this.lastReceivedAt = Date.now();
    if (!isBinary) {
      this.options.log.warn("ignoring a text frame from the engine");
      return;
    }
    let message: runner.v7.ToClient;
    try {
      message = runner.v7.decodeToClient(data);
    } catch (err) {
      // A frame we cannot read is dropped; closing would only replay the same state.
      this.options.log.warn({ err: err instanceof Error ? err.message : String(err), bytes: data.byteLength }, "ignoring a malformed frame from the engine");
      return;
    }
    try {
      switch (message.tag) {
        case "ToClientPing":
          // Answered before anything else so that a busy runner still looks alive.
          ws.send(runner.v7.encodeToServer({ tag: "ToServerPong", val: { ts: message.val.ts } }));
          return;
        case "ToClientInit":
          clearTimeout(this.initTimer);
          this.initTimer = undefined;
          this.ready = true;
          this.handler.onInit(message.val);
          return;
        default:
          if (!this.ready) {
            this.options.log.warn({ tag: message.tag }, "ignoring an engine message that came before ToClientInit");
            return;
          }
          this.handler.onMessage(message);
      }
    } catch (err) {
      this.options.log.error({ err, tag: message.tag }, "handling an engine message failed");
    }
  }

  private onSocketClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws) return;
    this.ws = undefined;
    this.ready = false;
    clearTimeout(this.initTimer);
    clearInterval(this.idleTimer);
    this.initTimer = undefined;
    this.idleTimer = undefined;
    const evicted = reason.split("#")[0] === EVICTION;
    if (evicted) this.stopped = true;
    const final = this.stopped;
    const delay = final ? undefined : reconnectDelayMs(this.attempt++);
    const error = this.lastError;
    this.lastError = undefined;
    try {
      this.handler.onClose({ code, reason, evicted, final, retryInMs: delay, ...(error === undefined ? {} : { error }) });
    } catch (err) {
      this.options.log.error({ err }, "handling the engine socket close failed");
    }
    if (delay === undefined) return;
    // The owner logs the close for people; this line is for debugging the back-off itself.
    this.options.log.debug({ code, reason, delayMs: delay, attempt: this.attempt }, "engine connection closed; reconnecting");
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }
}

/** The URL without its query values, for logs (a runner key is an identity). */
function redact(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
