import type { runner } from "@actorwire/protocol";
import type { Logger } from "pino";
import type { RunnerConnection } from "../runners/index.js";
import type { ResolvedGatewayConfig } from "./config.js";
import type { OutgoingBudget } from "./outgoing.js";
import type { ActorGenerationEvent, ActorPlacement, ActorRouter } from "./router.js";

/**
 * What the HTTP and WebSocket halves of the gateway share: how to send a tunnel message to
 * the runner an actor lives on, and the table of requests in flight that runner replies are
 * routed back through.
 */

/** One client request or WebSocket in flight, keyed by its request ID. */
export interface TunnelEntry {
  readonly requestId: ArrayBuffer;
  /** The request ID in hex: the key of the in-flight table. */
  readonly key: string;
  readonly actorId: string;
  /** The runner and actor generation the request was sent to; a resumed socket moves. */
  readonly placement: ActorPlacement;
  /**
   * The namespace of the runner the request was first sent to, when known. A runner of
   * another namespace may never write to the request, whatever IDs it presents.
   */
  readonly namespaceId?: string;
  /**
   * Whether the request waits for its actor to run again (a hibernating WebSocket). Its
   * placement is then stale: only the runner hosting the actor's current generation may
   * write to it.
   */
  readonly hibernating?: boolean;
  /** A `ToServerTunnelMessage` for this request. */
  onTunnelMessage(kind: runner.v7.ToServerTunnelMessageKind, connection: RunnerConnection): void;
  /** The actor generation this request was sent to stopped. */
  onActorStopped(): void;
  /** The runner this request was sent to disconnected (and no newer connection replaced it). */
  onRunnerDisconnected(): void;
  /** The actor runs again (only hibernating sockets care). */
  onActorReady(event: ActorGenerationEvent): void;
  /** Deadline checks, run every GC interval. */
  onGc(now: number): void;
  /** The gateway is closing: end the request now. */
  shutdown(): void;
}

/** The gateway as its requests see it. */
export interface TunnelHost {
  readonly config: ResolvedGatewayConfig;
  readonly log: Logger;
  readonly router: ActorRouter;
  /** The bounds on what the gateway holds for clients that do not read. */
  readonly outgoing: OutgoingBudget;
  /** A request ID unused by any request in flight. */
  newRequestId(): ArrayBuffer;
  register(entry: TunnelEntry): void;
  unregister(entry: TunnelEntry): void;
  /**
   * Sends one gateway-to-runner tunnel message for `entry` to the runner in its placement.
   * Returns false when that runner is not connected or the message could not be written.
   */
  send(entry: TunnelEntry, messageIndex: number, kind: runner.v7.ToClientTunnelMessageKind): boolean;
  /**
   * Resolves true once the runner has handled every tunnel message sent to it before the
   * call; false when that cannot be known (runner gone, or one the engine does not ping).
   */
  roundTrip(runnerId: string): Promise<boolean>;
  /** Whether a runner is connected right now. */
  runnerConnected(runnerId: string): boolean;
  /** Waits for the actor to be ready, bounded by the ready timeout and `signal`. */
  waitReady(actorId: string, skipReadyWait: boolean, signal?: AbortSignal): Promise<ActorPlacement>;
  /** The actor's placement if it is running on a connected runner now; no wait, from memory. */
  readyNow(actorId: string): ActorPlacement | undefined;
}

/** The byte length of a tunnel payload, for the payload limits. */
export function payloadSize(kind: runner.v7.ToServerTunnelMessageKind): number {
  switch (kind.tag) {
    case "ToServerResponseStart":
      return kind.val.body?.byteLength ?? 0;
    case "ToServerResponseChunk":
    case "ToServerWebSocketMessage":
      return (kind.tag === "ToServerResponseChunk" ? kind.val.body : kind.val.data).byteLength;
    default:
      return 0;
  }
}

