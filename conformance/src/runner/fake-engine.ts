/**
 * The harness's engine: a WebSocket server on a loopback port that speaks the engine's side of
 * runner protocol v7 to the runner under test. It is small on purpose and driven by the cases:
 * it answers the handshake and the runner's KV requests by itself (from {@link KvModel}s),
 * records every frame in the {@link Trace}, and runs the {@link HistoryChecker} on each; all
 * other traffic (commands, tunnel requests, pings, acks, closes) is sent when a case says so.
 */
import type { IncomingMessage } from "node:http";
import { runner } from "@actorwire/protocol";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { HistoryChecker } from "./invariants.js";
import { KvModel } from "./kv-model.js";
import { Trace } from "./trace.js";

type ToClient = runner.v7.ToClient;
type ToServer = runner.v7.ToServer;

/** What the runner's handshake must name. */
export interface FakeEngineOptions {
  readonly namespace: string;
  readonly runnerName: string;
  readonly token: string;
}

/** A KV request the harness has not answered (manual mode). */
export interface PendingKv {
  readonly conn: EngineConnection;
  readonly request: runner.v7.ToServerKvRequest;
}

/** Protocol metadata sent in every `ToClientInit`. */
export const PROTOCOL_METADATA: runner.v7.ProtocolMetadata = {
  runnerLostThreshold: 15_000n,
  actorStopThreshold: 1_800_000n,
  serverlessDrainGracePeriod: null,
};

/** One runner WebSocket as the harness holds it. */
export class EngineConnection {
  init: runner.v7.ToServerInit | undefined;
  closed = false;

  constructor(
    readonly id: number,
    private readonly engine: FakeEngine,
    private readonly ws: WebSocket,
    readonly url: URL,
    readonly protocols: readonly string[],
  ) {}

  get open(): boolean {
    return !this.closed && this.ws.readyState === this.ws.OPEN;
  }

  /** Encodes, records and sends one message (dropped silently when the socket is gone). */
  send(message: ToClient): void {
    const bytes = runner.v7.encodeToClient(message);
    this.engine.trace.add({ kind: "send", conn: this.id, message, bytes: bytes.byteLength });
    this.engine.checker.onSend(this.id, message);
    if (this.open) this.ws.send(bytes);
  }

  /** Sends bytes that are not (necessarily) a valid message. */
  sendRaw(bytes: Uint8Array, note: string): void {
    this.engine.trace.add({ kind: "send-raw", conn: this.id, note, bytes: bytes.byteLength, hex: Buffer.from(bytes.subarray(0, 64)).toString("hex") });
    if (this.open) this.ws.send(bytes);
  }

  /** Sends a text frame. */
  sendText(text: string): void {
    this.engine.trace.add({ kind: "send-raw", conn: this.id, note: `text frame ${JSON.stringify(text)}`, bytes: Buffer.byteLength(text), hex: "" });
    if (this.open) this.ws.send(text);
  }

  /** Closes the socket with a code and reason, as the engine closes runners. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.engine.trace.add({ kind: "close", conn: this.id, code, reason, by: "harness" });
    this.closed = true;
    this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (a network failure). */
  terminate(): void {
    if (this.closed) return;
    this.engine.trace.add({ kind: "close", conn: this.id, code: 1006, reason: "terminated by the harness", by: "harness" });
    this.closed = true;
    this.ws.terminate();
  }
}

/** The fake engine. */
export class FakeEngine {
  readonly trace = new Trace();
  readonly checker = new HistoryChecker();
  readonly connections: EngineConnection[] = [];
  /** The runner ID given in `ToClientInit`; cases may change it to simulate an expired runner. */
  runnerId = "conformancerunner0000000000000";
  /** Commands sent right after the next `ToClientInit` (then cleared), as an engine replays unacked ones. */
  replayOnInit: runner.v7.CommandWrapper[] | undefined;
  /** When true, KV requests are left to the case ({@link pendingKv}) instead of answered from the model. */
  kvManual = false;
  readonly pendingKv: PendingKv[] = [];
  private readonly models = new Map<string, KvModel>();
  private readonly server: WebSocketServer;
  private nextConn = 1;

  private constructor(
    readonly options: FakeEngineOptions,
    server: WebSocketServer,
    readonly port: number,
  ) {
    this.server = server;
    server.on("connection", (ws, request) => this.accept(ws, request));
  }

  /** Listens on a fresh loopback port. */
  static async start(options: FakeEngineOptions): Promise<FakeEngine> {
    const server = new WebSocketServer({
      host: "127.0.0.1",
      port: 0,
      // A runner offers `rivet` (and its token); the engine always selects `rivet`.
      handleProtocols: (protocols) => (protocols.has("rivet") ? "rivet" : false),
      maxPayload: 64 * 1024 * 1024,
    });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("the fake engine has no port");
    return new FakeEngine(options, server, address.port);
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The newest connection, open or not. */
  get current(): EngineConnection | undefined {
    return this.connections[this.connections.length - 1];
  }

  /** One actor's KV (created empty on first use). */
  kv(actorId: string): KvModel {
    let model = this.models.get(actorId);
    if (model === undefined) this.models.set(actorId, (model = new KvModel()));
    return model;
  }

  /** Answers a pending KV request (manual mode) with the model's answer or the given response. */
  answerKv(pending: PendingKv, data?: runner.v7.KvResponseData): void {
    const index = this.pendingKv.indexOf(pending);
    if (index !== -1) this.pendingKv.splice(index, 1);
    pending.conn.send({
      tag: "ToClientKvResponse",
      val: { requestId: pending.request.requestId, data: data ?? this.kv(pending.request.actorId).apply(pending.request.data) },
    });
  }

  /** Closes every connection and the server. */
  async close(): Promise<void> {
    for (const conn of this.connections) conn.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const url = new URL(request.url ?? "/", this.endpoint);
    const offered = (request.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    const conn = new EngineConnection(this.nextConn++, this, ws, url, offered);
    this.connections.push(conn);
    this.trace.add({ kind: "open", conn: conn.id, url: `${url.pathname}${url.search}`, protocols: offered });
    ws.on("message", (data: RawData, isBinary: boolean) => this.onFrame(conn, data, isBinary));
    ws.on("close", (code: number, reason: Buffer) => {
      if (!conn.closed) {
        conn.closed = true;
        this.trace.add({ kind: "close", conn: conn.id, code, reason: reason.toString("utf8"), by: "runner" });
      }
    });
    ws.on("error", () => {});
  }

  private onFrame(conn: EngineConnection, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
    if (!isBinary) {
      const entry = this.trace.add({ kind: "recv-invalid", conn: conn.id, error: "text frame", bytes: bytes.byteLength, hex: bytes.subarray(0, 64).toString("hex"), text: true });
      this.checker.onInvalid(conn.id, "text frame", true, entry.seq);
      return;
    }
    let message: ToServer;
    try {
      message = runner.v7.decodeToServer(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      const entry = this.trace.add({ kind: "recv-invalid", conn: conn.id, error: text, bytes: bytes.byteLength, hex: bytes.subarray(0, 64).toString("hex"), text: false });
      this.checker.onInvalid(conn.id, text, false, entry.seq);
      return;
    }
    // Manual KV requests are queued before the trace entry is added, so that a case waiting on
    // the trace finds them queued.
    const pending = message.tag === "ToServerKvRequest" ? { conn, request: message.val } : undefined;
    if (pending !== undefined && this.kvManual) this.pendingKv.push(pending);
    const entry = this.trace.add({ kind: "recv", conn: conn.id, message, bytes: bytes.byteLength });
    this.checker.onRecv(conn.id, message, entry.seq);
    if (message.tag === "ToServerInit" && conn.init === undefined) {
      conn.init = message.val;
      conn.send({ tag: "ToClientInit", val: { runnerId: this.runnerId, metadata: PROTOCOL_METADATA } });
      const replay = this.replayOnInit;
      this.replayOnInit = undefined;
      if (replay !== undefined && replay.length > 0) conn.send({ tag: "ToClientCommands", val: replay });
    } else if (pending !== undefined && !this.kvManual) {
      this.answerKv(pending);
    }
  }
}
