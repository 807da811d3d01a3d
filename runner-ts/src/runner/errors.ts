/**
 * The one error class of the runner connection. Every promise the connection hands out
 * (KV calls, `start`) rejects with a `RunnerError`, whose `group.code` is stable and whose
 * message is meant for people.
 */
import { ActorwireError } from "@actorwire/protocol";

/** Every `group.code` a {@link RunnerError} can carry. */
export type RunnerErrorId =
  /** The engine answered a KV request with `KvErrorResponse`; the message is the engine's. */
  | "kv.refused"
  /** A KV call broke one of the KV limits and was refused before it was sent. */
  | "kv.limit_exceeded"
  /** A KV call was malformed (a bad list limit, a non-byte key). */
  | "kv.invalid_request"
  /** No answer to a KV request within the request timeout. */
  | "kv.timeout"
  /** The engine answered a KV request with a response of the wrong kind. */
  | "kv.unexpected_response"
  /** The connection was gone past the runner-lost threshold; pending work was abandoned. */
  | "runner.lost"
  /** The runner shut down (or was evicted) before the work could complete. */
  | "runner.shutdown"
  /**
   * Thrown by a handler's `fetch` for a request its actor did not start handling because the
   * actor is not (or no longer) hosted here: the runner answers it as it answers a request for
   * an actor it does not host, so that the gateway sends it again once the actor is awake.
   */
  | "runner.actor_not_found"
  /** A WebSocket payload over the tunnel limit, or a socket used in the wrong state. */
  | "tunnel.payload_too_large"
  | "tunnel.invalid_state";

/** An error of the runner connection, with a stable `group.code` identifier. */
export class RunnerError extends ActorwireError<RunnerErrorId> {
  override readonly name = "RunnerError";
}
