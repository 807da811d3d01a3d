import { EngineError } from "../errors.js";

/**
 * The errors the gateway answers with. Each keeps the `group.code` Rivet's guard uses where
 * Rivet has one (`engine/packages/guard/src/errors.rs`, `guard-core/src/errors.rs`), so a
 * client written for Rivet recognises them; the HTTP status is ours where Rivet's is not
 * documented.
 */

/** A malformed query-mode gateway path (`rvt-*` parameters). */
export function queryError(code: string, message: string, metadata: Record<string, unknown> | null = null): EngineError {
  return new EngineError(`guard.${code}`, message, { status: 400, metadata });
}

/** Header mode without the header (or subprotocol) naming the actor. */
export function missingHeader(header: string): EngineError {
  return new EngineError("guard.missing_header", `Missing ${header} header.`, { status: 400, metadata: { header } });
}

/**
 * The request body is over the limit; the body is not forwarded. `size` is the body's length
 * (a lower bound when `exact` is false: the engine stopped reading it).
 */
export function requestBodyTooLarge(limit: number, size: number, exact = true): EngineError {
  return new EngineError(
    "guard.request_body_too_large",
    `The request body is ${exact ? "" : "at least "}${size} bytes, over the limit of ${limit} bytes.`,
    { status: 413, metadata: { limit_bytes: limit, size_bytes: size, size_exact: exact } },
  );
}

/** The actor did not become ready in time. */
export function actorReadyTimeout(actorId: string, timeoutMs: number): EngineError {
  return new EngineError(
    "guard.actor_ready_timeout",
    "Timed out waiting for actor to become ready. Ensure that the runner name selector is accurate and there are runners available in the namespace you created this actor.",
    { status: 504, metadata: { actor_id: actorId, timeout_ms: timeoutMs } },
  );
}

/** The actor is placed on a runner that is not connected, or the runner could not be written to. */
export function serviceUnavailable(detail: string): EngineError {
  return new EngineError("guard.service_unavailable", `Service unavailable: ${detail}.`, { status: 503 });
}

/** The runner sent `ToServerResponseAbort`. */
export function responseAborted(): EngineError {
  return new EngineError("guard.response_aborted", "The actor aborted the request before answering.", { status: 502 });
}

/** No `ToServerResponseStart` arrived in time. */
export function requestTimeout(timeoutMs: number): EngineError {
  return new EngineError(
    "guard.request_timeout",
    `Request timed out after ${Math.round(timeoutMs / 1000)} seconds.`,
    { status: 504, metadata: { timeout_seconds: Math.round(timeoutMs / 1000), timeout_ms: timeoutMs } },
  );
}

/** A runner payload over the limit (Rivet's engine drops the whole runner connection for it). */
export function responseTooLarge(limit: number): EngineError {
  return new EngineError(
    "guard.response_body_too_large",
    `The actor's response payload is larger than ${limit} bytes.`,
    { status: 502, metadata: { limit_bytes: limit } },
  );
}

/** The runner answered with a status or headers an HTTP response cannot carry. */
export function invalidResponse(detail: string): EngineError {
  return new EngineError("guard.invalid_response", `The actor's response is not valid HTTP: ${detail}.`, { status: 502 });
}

/** The actor stopped (or its runner went away) before it answered. */
export function actorStopped(): EngineError {
  return new EngineError("actor.stopped", "The actor stopped before it answered.", { status: 503 });
}

/** The engine is shutting down. */
export function goingAway(): EngineError {
  return new EngineError("guard.going_away", "The engine is shutting down.", { status: 503 });
}

/**
 * WebSocket close reasons (`group.code`, as Rivet's guard writes them; at most 123 bytes).
 * Every one of them closes with 1011 except {@link CLOSE_ACTOR_STOPPED}, which is 1000, and
 * {@link CLOSE_CLIENT_TOO_SLOW}, which is 1008.
 */
export const CLOSE_ACTOR_STOPPED = "actor.stopped";
export const CLOSE_SERVICE_UNAVAILABLE = "guard.websocket_service_unavailable";
export const CLOSE_SERVICE_TIMEOUT = "guard.websocket_service_timeout";
export const CLOSE_PENDING_LIMIT = "guard.websocket_pending_limit_reached";
export const CLOSE_MESSAGE_TOO_LARGE = "guard.websocket_message_too_large";
export const CLOSE_GOING_AWAY = "guard.going_away";
/**
 * The client did not read what the actor sent it and the gateway's buffer for it passed its
 * bound (closed with 1008, policy violation; the reason goes on with the bytes and the limit).
 */
export const CLOSE_CLIENT_TOO_SLOW = "guard.client_too_slow";
export const CLOSE_CODE_CLIENT_TOO_SLOW = 1008;
/** What the runner is told when the gateway ends a socket on its own. */
export const RUNNER_CLOSE_DOWNSTREAM = "ws.downstream_closed";
