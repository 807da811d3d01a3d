import { MAX_TUNNEL_PAYLOAD_BYTES } from "@actorwire/protocol";
import type { Logger } from "pino";

const MiB = 1024 * 1024;

/** Settings of the gateway; every one has Rivet's default unless its comment says otherwise. */
export interface GatewayConfig {
  readonly logger?: Logger;
  /** How long a request waits for its actor to be ready (default 60000, Rivet's route backstop). */
  readonly readyTimeoutMs?: number;
  /** How long an HTTP request waits for `ToServerResponseStart` (default 300000). */
  readonly responseStartTimeoutMs?: number;
  /** How long a WebSocket waits for `ToServerWebSocketOpen` (default 15000). */
  readonly websocketOpenTimeoutMs?: number;
  /** Largest client request body (default 20 MiB); larger ones are answered 413. */
  readonly maxRequestBodyBytes?: number;
  /** Largest payload a runner may send in one tunnel message (default 20 MiB). */
  readonly maxResponsePayloadBytes?: number;
  /**
   * Largest client WebSocket message (default 20 MiB). Rivet's guard allows 32 MiB, but a
   * 32 MiB message no longer fits in a runner frame Rivet's runner will decode.
   */
  readonly maxWebSocketMessageBytes?: number;
  /** Unacknowledged client messages a hibernatable socket may hold: bytes (128 MiB) and count (65535). */
  readonly hwsMaxPendingBytes?: number;
  readonly hwsMaxPendingMessages?: number;
  /** A hibernatable socket whose oldest unacknowledged message is older than this is closed (default 30000). */
  readonly hwsAckTimeoutMs?: number;
  /** How often the acknowledgement deadline is checked (default 15000, Rivet's GC interval). */
  readonly gcIntervalMs?: number;
  /**
   * Bytes the gateway holds for one client that does not read (a WebSocket's or a streamed
   * HTTP response's unsent data; default 64 MiB, ours: Rivet's guard has no such bound). A
   * client over it is closed with `1008 guard.client_too_slow` (a streamed response is cut).
   */
  readonly maxClientBufferedBytes?: number;
  /** The same bound for all clients together (default 256 MiB); the client holding the most is closed. */
  readonly maxTotalClientBufferedBytes?: number;
  /**
   * How long a client closed for being too slow has to read what it was sent and the close
   * frame before its connection is dropped (default 10000).
   */
  readonly slowClientCloseTimeoutMs?: number;
}

/** {@link GatewayConfig} with every default filled in. */
export type ResolvedGatewayConfig = Required<Omit<GatewayConfig, "logger">>;

/** Fills in the defaults. */
export function resolveGatewayConfig(config: GatewayConfig = {}): ResolvedGatewayConfig {
  return {
    readyTimeoutMs: config.readyTimeoutMs ?? 60_000,
    responseStartTimeoutMs: config.responseStartTimeoutMs ?? 300_000,
    websocketOpenTimeoutMs: config.websocketOpenTimeoutMs ?? 15_000,
    maxRequestBodyBytes: config.maxRequestBodyBytes ?? 20 * MiB,
    maxResponsePayloadBytes: config.maxResponsePayloadBytes ?? MAX_TUNNEL_PAYLOAD_BYTES,
    maxWebSocketMessageBytes: config.maxWebSocketMessageBytes ?? 20 * MiB,
    hwsMaxPendingBytes: config.hwsMaxPendingBytes ?? 128 * MiB,
    hwsMaxPendingMessages: config.hwsMaxPendingMessages ?? 65_535,
    hwsAckTimeoutMs: config.hwsAckTimeoutMs ?? 30_000,
    gcIntervalMs: config.gcIntervalMs ?? 15_000,
    maxClientBufferedBytes: config.maxClientBufferedBytes ?? 64 * MiB,
    maxTotalClientBufferedBytes: config.maxTotalClientBufferedBytes ?? 256 * MiB,
    slowClientCloseTimeoutMs: config.slowClientCloseTimeoutMs ?? 10_000,
  };
}
