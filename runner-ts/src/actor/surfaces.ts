/**
 * The surfaces of one live actor (see `contract.ts`): everything that faces clients through
 * the tunnel, put together. The core calls `load` while starting, `started` once the actor is
 * ready, `fetch`/`websocket` per tunnelled request, and `stop` while shutting down.
 */
import { RunnerError } from "../runner/errors.js";
import { responseOf, tunnelRequestOf } from "../runner/tunnel-request.js";
import type { HibernatedSocketMeta, HibernatingRequest, RouteAnswer, TunnelRequest, TunnelRequestInfo, TunnelWebSocket } from "../runner/types.js";
import { acceptConnectSocket } from "./connection-socket.js";
import { CONN_INTERNALS } from "./connection.js";
import { Connections } from "./connections.js";
import type { ActorSurfaces, CreateSurfaces, SurfaceHost } from "./contract.js";
import { DurableQueue, queueFacade } from "./queue.js";
import { acceptRawSocket } from "./raw-websocket.js";
import { routeRequest } from "./routes.js";
import {
  DEFAULT_MAX_INCOMING_MESSAGE_SIZE,
  DEFAULT_MAX_OUTGOING_MESSAGE_SIZE,
  numberOption,
  type SurfaceRuntime,
} from "./surfaces-runtime.js";

/** Builds the surfaces of one live actor. */
export const createSurfaces: CreateSurfaces = (host: SurfaceHost): ActorSurfaces => new Surfaces(host);

class Surfaces implements ActorSurfaces {
  private readonly rt: SurfaceRuntime;
  // Made on first use of `c.queue`: most actors never touch it, and each costs seven bound methods.
  private queueApi: ReturnType<typeof queueFacade> | undefined;

  constructor(private readonly host: SurfaceHost) {
    const options = host.config.options as Record<string, unknown> | undefined;
    this.rt = {
      host,
      connections: new Connections(host),
      queue: new DurableQueue(host),
      maxIncomingMessageSize: numberOption(options, "maxIncomingMessageSize", DEFAULT_MAX_INCOMING_MESSAGE_SIZE),
      maxOutgoingMessageSize: numberOption(options, "maxOutgoingMessageSize", DEFAULT_MAX_OUTGOING_MESSAGE_SIZE),
      inFlightRequests: 0,
      runningSocketHandlers: 0,
    };
  }

  get conns(): Map<string, unknown> {
    return this.rt.connections.map;
  }

  get queue(): unknown {
    return (this.queueApi ??= queueFacade(this.rt.queue, this));
  }

  queueFor(consumer: object): unknown {
    return queueFacade(this.rt.queue, consumer);
  }

  consumerEnded(consumer: object): void {
    this.rt.queue.release(consumer);
  }

  async load(hibernating: readonly HibernatingRequest[]): Promise<void> {
    await this.rt.queue.load();
    const records = await this.rt.connections.load();
    for (const record of records) this.rt.connections.restore(record);
    // Touching `host.log` makes the actor's child logger; a fresh actor has nothing to report.
    if (records.length > 0 || hibernating.length > 0) {
      this.host.log.debug({ conns: records.length, hibernating: hibernating.length }, "surfaces loaded");
    }
  }

  async started(): Promise<void> {
    const entries: HibernatedSocketMeta[] = [];
    for (const conn of this.rt.connections.map.values()) {
      const h = conn[CONN_INTERNALS].hibernation;
      if (!h) continue;
      entries.push({
        gatewayId: h.gatewayId,
        requestId: h.requestId,
        path: h.requestPath,
        headers: h.requestHeaders,
        // The gateway replays everything after the last ack; those must not look like repeats.
        lastReceivedIndex: h.acks.ackedIndex,
        lastSentIndex: h.clientMessageIndex,
      });
    }
    if (entries.length === 0) return;
    await this.host.runner.restoreHibernatedSockets(this.host.actorId, entries);
    // A persisted connection whose socket the gateway no longer holds is gone for good.
    for (const conn of [...this.rt.connections.map.values()]) {
      const h = conn[CONN_INTERNALS].hibernation;
      if (h && !h.socket) await this.rt.connections.disconnect(conn, "ws.stale_metadata", true);
    }
  }

  async route(request: TunnelRequest, _info: TunnelRequestInfo): Promise<RouteAnswer> {
    await this.host.ready;
    const end = this.host.admitRequest();
    // The actor began to stop before it took the request: nothing of it runs here, and the
    // runner answers it so that the gateway sends it again after the wake.
    if (end === undefined) throw new RunnerError("runner.actor_not_found", `actor ${this.host.actorId} is stopping; the request is sent again after it wakes`);
    this.rt.inFlightRequests++;
    this.host.activityChanged();
    try {
      return await routeRequest(this.rt, request);
    } finally {
      this.rt.inFlightRequests--;
      end();
      this.host.activityChanged();
    }
  }

  async fetch(request: Request, info: TunnelRequestInfo): Promise<Response> {
    return responseOf(await this.route(tunnelRequestOf(request), info));
  }

  async websocket(socket: TunnelWebSocket, request: Request, info: TunnelRequestInfo): Promise<void> {
    await this.host.ready;
    const path = new URL(request.url).pathname;
    if (path === "/connect") return acceptConnectSocket(this.rt, socket, request, info);
    if (path === "/websocket" || path.startsWith("/websocket/")) return acceptRawSocket(this.rt, socket, request, info);
    if (socket.readyState === 1) socket.close(1011, "actor.route_not_found");
    else socket.addEventListener("open", () => socket.close(1011, "actor.route_not_found"));
  }

  canHibernate(request: Request): boolean {
    const path = new URL(request.url).pathname;
    if (path === "/connect") return true;
    if (path !== "/websocket" && !path.startsWith("/websocket/")) return false;
    const option = (this.host.config.options as Record<string, unknown> | undefined)?.["canHibernateWebSocket"];
    if (typeof option === "function") {
      try {
        return (option as (r: Request) => unknown)(request) === true;
      } catch (err) {
        this.host.log.error({ err }, "canHibernateWebSocket threw; the socket will not hibernate");
        return false;
      }
    }
    return option === true;
  }

  isBusy(): boolean {
    return (
      this.rt.inFlightRequests > 0 ||
      this.rt.runningSocketHandlers > 0 ||
      this.rt.connections.awakeConnections() > 0 ||
      this.rt.connections.hasPendingDisconnects()
    );
  }

  async stop(reason: "sleep" | "destroy"): Promise<void> {
    this.rt.queue.stop();
    await this.rt.connections.stop(reason);
  }

  broadcast(name: string, args: readonly unknown[]): void {
    this.rt.connections.broadcast(name, args);
  }

  hasQueuedWork(): boolean {
    return this.rt.queue.hasQueuedWork();
  }

  isQueueWaiting(): boolean {
    return this.rt.queue.isWaiting();
  }
}

