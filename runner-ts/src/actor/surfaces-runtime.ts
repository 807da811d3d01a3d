/**
 * What the pieces of the surfaces share for one live actor: the host, the connections, the
 * queue, the message size limits, and a count of in-flight requests. One object, built by
 * `createSurfaces`, so that each piece takes one argument instead of five.
 */
import type { SurfaceHost } from "./contract.js";
import type { Connections } from "./connections.js";
import type { DurableQueue } from "./queue.js";

/** rivetkit's defaults: 64 KiB in, 1 MiB out. */
export const DEFAULT_MAX_INCOMING_MESSAGE_SIZE = 64 * 1024;
export const DEFAULT_MAX_OUTGOING_MESSAGE_SIZE = 1024 * 1024;

/** The shared parts of one actor's surfaces. */
export interface SurfaceRuntime {
  readonly host: SurfaceHost;
  readonly connections: Connections;
  readonly queue: DurableQueue;
  /** Largest client message accepted (a WebSocket frame, an action or queue body). */
  readonly maxIncomingMessageSize: number;
  /** Largest message sent to a client (a frame, an action or queue response). */
  readonly maxOutgoingMessageSize: number;
  /** Requests being answered (and streamed responses still being sent). */
  inFlightRequests: number;
  /** Raw WebSocket handlers (async `onWebSocket`) still running. */
  runningSocketHandlers: number;
}

/** Reads a positive number option, or the default. */
export function numberOption(options: Record<string, unknown> | undefined, name: string, fallback: number): number {
  const value = options?.[name];
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : fallback;
}
