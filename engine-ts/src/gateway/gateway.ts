import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { idHex, type runner, WS_PROTOCOL_STANDARD } from "@actorwire/protocol";
import type { Logger } from "pino";
import { WebSocketServer } from "ws";
import { EngineError } from "../errors.js";
import type { RunnerConnection, RunnerEndpoint } from "../runners/index.js";
import { type GatewayConfig, type ResolvedGatewayConfig, resolveGatewayConfig } from "./config.js";
import { allowedOrigin, corsHeaders, preflightHeaders } from "./cors.js";
import { actorReadyTimeout, goingAway, serviceUnavailable } from "./errors.js";
import { RAY_ID_HEADER, tunnelRequestHeaders } from "./headers.js";
import { serveHttp, writeError } from "./http.js";
import { defaultGatewayLogger } from "./log.js";
import { OutgoingBudget } from "./outgoing.js";
import { type GatewayTarget, isGatewayPath, parseGatewayPath, parseHeaderTarget } from "./route.js";
import type { ActorGenerationEvent, ActorPlacement, ActorRouter } from "./router.js";
import { randomId4 } from "./tunnel-ids.js";
import type { TunnelEntry, TunnelHost } from "./tunnel.js";
import { TunnelTable } from "./tunnel-table.js";
import { TunnelWebSocket } from "./websocket.js";

/** What the gateway is built from. */
export interface GatewayOptions {
  /** The runner endpoint whose connections carry the tunnel. */
  readonly runners: RunnerEndpoint;
  /** Actor lookup, wake-up and stop notifications. */
  readonly router: ActorRouter;
  /**
   * The table of requests in flight, which the lifecycle reads hibernating WebSockets from;
   * a table of its own when not given.
   */
  readonly tunnels?: TunnelTable;
  readonly config?: GatewayConfig;
}

/**
 * The gateway: client HTTP requests and WebSockets addressed to an actor
 * (`/gateway/{actorId}/...`, query mode `?rvt-...`, or header mode), tunnelled to the runner
 * the actor lives on as `ToClientTunnelMessage`s and answered from its
 * `ToServerTunnelMessage`s. The engine's server hands it every request and upgrade; it takes
 * those addressed to an actor and leaves the rest.
 *
 * Each gateway instance has one random 4-byte gateway ID; each request gets a random 4-byte
 * request ID unique among those in flight. Runner replies are matched by both.
 */
export class Gateway {
  private readonly runners: RunnerEndpoint;
  private readonly router: ActorRouter;
  private readonly config: ResolvedGatewayConfig;
  private readonly log: Logger;
  private readonly id: ArrayBuffer;
  private readonly idText: string;
  private readonly tunnels: TunnelTable;
  private readonly entries: Map<string, TunnelEntry>;
  private readonly wss: WebSocketServer;
  private readonly upgradeRayIds = new WeakMap<IncomingMessage, string>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly gcTimer: NodeJS.Timeout;
  private readonly host: TunnelHost;
  private closed = false;
  /** Aborted by {@link close}, which ends every wait for an actor. */
  private readonly closing = new AbortController();

  constructor(options: GatewayOptions) {
    // Every request waiting for its actor listens for the close; hundreds may wait at once
    // (a burst of wakes), which is not the leak Node's default warning at 11 looks for.
    setMaxListeners(0, this.closing.signal);
    this.runners = options.runners;
    this.router = options.router;
    this.config = resolveGatewayConfig(options.config);
    this.tunnels = options.tunnels ?? new TunnelTable();
    this.id = this.tunnels.gatewayId;
    this.idText = this.tunnels.gatewayIdText;
    this.entries = this.tunnels.entries;
    this.log = (options.config?.logger ?? defaultGatewayLogger()).child({ gatewayId: this.idText });
    this.host = {
      config: this.config,
      log: this.log,
      router: this.router,
      outgoing: new OutgoingBudget(this.config.maxClientBufferedBytes, this.config.maxTotalClientBufferedBytes),
      newRequestId: () => this.newRequestId(),
      register: (entry) => this.entries.set(entry.key, entry),
      unregister: (entry) => {
        if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
      },
      send: (entry, index, kind) => this.send(entry, index, kind),
      roundTrip: (runnerId) => this.runners.connection(runnerId)?.roundTrip() ?? Promise.resolve(false),
      runnerConnected: (runnerId) => this.runners.connection(runnerId)?.open === true,
      waitReady: (actorId, skipReadyWait, signal) => this.waitReady(actorId, skipReadyWait, signal),
      readyNow: (actorId) => this.readyNow(actorId),
    };
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: this.config.maxWebSocketMessageBytes,
      // Browsers fail a handshake that offered subprotocols and got none back.
      // The standard subprotocol when the client offers it (rivetkit always does).
      handleProtocols: (protocols) =>
        protocols.has(WS_PROTOCOL_STANDARD) ? WS_PROTOCOL_STANDARD : (protocols.values().next().value ?? false),
    });
    this.wss.on("headers", (headers, req) => {
      const rayId = this.upgradeRayIds.get(req);
      if (rayId !== undefined) headers.push(`${RAY_ID_HEADER}: ${rayId}`);
    });
    this.wss.on("error", (err) => this.log.error({ err }, "gateway WebSocket server error"));
    this.unsubscribe.push(
      this.runners.on("message", (connection, message) => this.onRunnerMessage(connection, message)),
      this.runners.on("disconnected", (connection) => this.onRunnerDisconnected(connection)),
      this.router.onActorStopped((event) => this.onActorStopped(event)),
    );
    if (this.router.onActorReady) this.unsubscribe.push(this.router.onActorReady((event) => this.onActorReady(event)));
    this.gcTimer = setInterval(() => this.gc(), this.config.gcIntervalMs);
    this.gcTimer.unref();
  }

  /** This gateway's ID, the first part of every tunnel message ID it sends. */
  get gatewayId(): ArrayBuffer {
    return this.id.slice(0);
  }

  /** Requests and WebSockets in flight (an empty gateway holds no per-request state). */
  get inFlight(): number {
    return this.entries.size;
  }

  /**
   * Takes a request addressed to an actor and returns true, or returns false and leaves the
   * request alone. The promise resolves once the response has been handled; it never rejects.
   * `OPTIONS` on `/gateway/...` is answered as a CORS preflight without reaching the actor.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url ?? "/";
    const rayId = randomUUID();
    const origin = allowedOrigin(req.headers);
    const log = this.log.child({ rayId });
    const ctx = { rayId, origin, log };
    if (req.method === "OPTIONS" && isGatewayPath(url)) {
      this.preflight(req, res, rayId);
      return Promise.resolve(true);
    }
    let target: GatewayTarget | null;
    try {
      target = parseGatewayPath(url) ?? parseHeaderTarget(req, false);
    } catch (err) {
      req.resume();
      writeError(res, err, ctx);
      return Promise.resolve(true);
    }
    if (target === null) return Promise.resolve(false);
    if (req.method === "OPTIONS") {
      this.preflight(req, res, rayId);
      return Promise.resolve(true);
    }
    if (this.closed) {
      req.resume();
      writeError(res, goingAway(), ctx);
      return Promise.resolve(true);
    }
    const resolved = target;
    return serveHttp(this.host, {
      req,
      res,
      rayId,
      origin,
      log,
      path: resolved.path,
      skipReadyWait: resolved.skipReadyWait,
      resolveActorId: () => this.resolveActorId(resolved),
    }).then(() => true);
  }

  /**
   * Takes a WebSocket upgrade addressed to an actor and returns true, or returns false and
   * leaves the socket alone. The upgrade is accepted once the actor is ready; failures before
   * that are answered as HTTP errors, failures after it as close frames.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const rayId = randomUUID();
    const origin = allowedOrigin(req.headers);
    let target: GatewayTarget | null;
    try {
      target = parseGatewayPath(req.url ?? "/") ?? parseHeaderTarget(req, true);
    } catch (err) {
      this.rejectUpgrade(socket, err, rayId, origin);
      return true;
    }
    if (target === null) return false;
    // Errors on the raw socket before `ws` owns it must not reach the process.
    socket.on("error", (err) => this.log.debug({ err, rayId }, "gateway upgrade socket error"));
    void this.acceptUpgrade(req, socket, head, target, rayId, origin);
    return true;
  }

  /**
   * The hibernating WebSockets of an actor: what the next `CommandStartActor` for it must list
   * in `hibernatingRequests`, so that the runner restores them.
   */
  hibernatingRequests(actorId: string): runner.v7.HibernatingRequest[] {
    return this.tunnels.hibernatingRequests(actorId);
  }

  /**
   * Stops taking requests, ends those in flight (HTTP with 503 `guard.going_away`, WebSockets
   * with 1001) and detaches from the runner endpoint and the router.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    clearInterval(this.gcTimer);
    for (const off of this.unsubscribe.splice(0)) off();
    for (const entry of [...this.entries.values()]) entry.shutdown();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private preflight(req: IncomingMessage, res: ServerResponse, rayId: string): void {
    req.resume();
    res.writeHead(204, { ...preflightHeaders(req.headers), [RAY_ID_HEADER]: rayId });
    res.end();
  }

  private async acceptUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    target: GatewayTarget,
    rayId: string,
    origin: string,
  ): Promise<void> {
    const log = this.log.child({ rayId });
    const clientGone = new AbortController();
    const onClose = () => clientGone.abort();
    socket.once("close", onClose);
    let actorId: string;
    let placement: ActorPlacement;
    try {
      if (this.closed) throw goingAway();
      actorId = await this.resolveActorId(target);
      placement = await this.waitReady(actorId, target.skipReadyWait, clientGone.signal);
      if (!this.host.runnerConnected(placement.runnerId)) {
        throw serviceUnavailable(`runner ${placement.runnerId} is not connected`);
      }
      if (this.closed) throw goingAway();
    } catch (err) {
      socket.off("close", onClose);
      if (!clientGone.signal.aborted) this.rejectUpgrade(socket, err, rayId, origin);
      return;
    }
    socket.off("close", onClose);
    if (clientGone.signal.aborted) return;
    this.upgradeRayIds.set(req, rayId);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      new TunnelWebSocket(this.host, {
        ws,
        actorId,
        placement,
        namespaceId: this.runners.connection(placement.runnerId)?.namespace.id,
        path: target.path,
        headers: tunnelRequestHeaders(req.headers, rayId),
        log,
      }).start();
    });
  }

  /** Answers an upgrade the gateway refuses with an HTTP error, as for plain requests. */
  private rejectUpgrade(socket: Duplex, thrown: unknown, rayId: string, origin: string): void {
    const error = EngineError.from(thrown);
    if (error !== thrown) this.log.error({ err: thrown, rayId }, "gateway upgrade failed");
    if (socket.destroyed || !socket.writable) return;
    const body = JSON.stringify(error.toBody());
    const headers = {
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(body)),
      Connection: "close",
      ...corsHeaders(origin),
      [RAY_ID_HEADER]: rayId,
    };
    const head = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ""}\r\n${head}\r\n${body}`);
  }

  private async resolveActorId(target: GatewayTarget): Promise<string> {
    if (target.actor.kind === "id") return target.actor.actorId;
    return await this.router.resolveQuery(target.actor.query);
  }

  /** The router's wait, bounded by the ready timeout even if the router ignores its own. */
  /** The actor's placement if it is running on a connected runner now and the gateway is open. */
  private readyNow(actorId: string): ActorPlacement | undefined {
    return this.closed ? undefined : this.router.readyNow?.(actorId);
  }

  private async waitReady(actorId: string, skipReadyWait: boolean, signal?: AbortSignal): Promise<ActorPlacement> {
    // A running actor needs no wait, so no timer, no abort signal and no race.
    const now = this.readyNow(actorId);
    if (now !== undefined && signal?.aborted !== true) return now;
    const timeoutMs = this.config.readyTimeoutMs;
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    if (signal?.aborted) abort.abort(signal.reason);
    else signal?.addEventListener("abort", onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    let onClosing: (() => void) | undefined;
    // Both settle before aborting: a router that rejects on abort must not win the race with
    // its own error.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(actorReadyTimeout(actorId, timeoutMs));
        abort.abort();
      }, timeoutMs);
      onClosing = () => {
        reject(goingAway());
        abort.abort();
      };
      if (this.closing.signal.aborted) onClosing();
      else this.closing.signal.addEventListener("abort", onClosing, { once: true });
    });
    try {
      return await Promise.race([
        this.router.waitReady(actorId, { timeoutMs, signal: abort.signal, skipReadyWait }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (onClosing) this.closing.signal.removeEventListener("abort", onClosing);
    }
  }

  private newRequestId(): ArrayBuffer {
    for (;;) {
      const id = randomId4();
      if (!this.entries.has(idHex(id))) return id;
    }
  }

  private send(entry: TunnelEntry, messageIndex: number, messageKind: runner.v7.ToClientTunnelMessageKind): boolean {
    const connection = this.runners.connection(entry.placement.runnerId);
    if (connection === undefined || !connection.open) return false;
    try {
      return connection.send({
        tag: "ToClientTunnelMessage",
        val: { messageId: { gatewayId: this.id, requestId: entry.requestId, messageIndex }, messageKind },
      });
    } catch (err) {
      this.log.warn({ err, requestId: entry.key, runnerId: connection.runnerId }, "could not send a tunnel message");
      return false;
    }
  }

  private onRunnerMessage(connection: RunnerConnection, message: runner.v7.ToServer): void {
    if (message.tag !== "ToServerTunnelMessage") return;
    const { messageId, messageKind } = message.val;
    if (idHex(messageId.gatewayId) !== this.idText) {
      this.log.debug({ gatewayId: idHex(messageId.gatewayId) }, "tunnel message for another gateway");
      return;
    }
    const key = idHex(messageId.requestId);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.log.debug({ requestId: key, tag: messageKind.tag }, "tunnel message for a request no longer in flight");
      return;
    }
    const refused = this.refusal(entry, connection);
    if (refused !== undefined) {
      this.log.warn(
        { requestId: key, runnerId: connection.runnerId, namespaceId: connection.namespace.id, expected: entry.placement.runnerId, why: refused },
        "tunnel message refused: the runner does not host the request",
      );
      return;
    }
    entry.onTunnelMessage(messageKind, connection);
  }

  /**
   * Why `connection` may not write to `entry`, or undefined when it may. Request IDs are only
   * 4 bytes and the gateway ID is visible to every runner that hosts an actor, so knowing
   * them proves nothing: a runner may write only to requests of its own namespace that it
   * hosts now, that is the runner the request was sent to or, for a hibernating socket whose
   * placement is stale, the runner hosting the actor's current generation.
   */
  private refusal(entry: TunnelEntry, connection: RunnerConnection): string | undefined {
    if (entry.namespaceId !== undefined && entry.namespaceId !== connection.namespace.id) return "another namespace";
    if (entry.hibernating === true) {
      return this.router.currentRunner(entry.actorId) === connection.runnerId ? undefined : "not the actor's current runner";
    }
    return entry.placement.runnerId === connection.runnerId ? undefined : "not the runner the request was sent to";
  }

  private onRunnerDisconnected(connection: RunnerConnection): void {
    // A newer connection of the same runner replaced this one: the runner is still there.
    if (this.runners.connection(connection.runnerId) !== undefined) return;
    for (const entry of [...this.entries.values()]) {
      if (entry.placement.runnerId === connection.runnerId) entry.onRunnerDisconnected();
    }
  }

  private onActorStopped(event: ActorGenerationEvent): void {
    for (const entry of [...this.entries.values()]) {
      if (entry.actorId === event.actorId && entry.placement.generation === event.generation) entry.onActorStopped();
    }
  }

  private onActorReady(event: ActorGenerationEvent): void {
    for (const entry of [...this.entries.values()]) {
      if (entry.actorId === event.actorId) entry.onActorReady(event);
    }
  }

  private gc(): void {
    const now = Date.now();
    for (const entry of [...this.entries.values()]) entry.onGc(now);
  }
}
