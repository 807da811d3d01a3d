/**
 * Errors raised by the client itself, as opposed to `ActorError`s that come over the wire
 * from an actor or the engine. All are {@link ClientError}s of group `client`, so callers can
 * branch on `err.code` (or `err.id`, `client.<code>`) the same way for both kinds. Each
 * subclass is one row of data, a code and a class name, made by {@link clientErrorClass}; what
 * each code means is in @actorwire/protocol's `ERROR_CODES`.
 */
import { ActorwireError, type ActorwireErrorOptions } from "@actorwire/protocol";

/** Base of every error the client raises locally. */
export abstract class ClientError<Code extends string = string> extends ActorwireError<`client.${Code}`> {
  declare readonly group: "client";
  declare readonly code: Code;
}

/** A subclass of {@link ClientError} with a fixed code: constructed from a message and options only. */
export interface ClientErrorClass<Code extends string> {
  new (message: string, options?: ActorwireErrorOptions): ClientError<Code>;
  prototype: ClientError<Code>;
}

/**
 * Makes the subclass for one code. `className` is the class's name, which `instanceof` compares
 * for errors from another copy of the package; `errorName` is the errors' `name`.
 */
function clientErrorClass<Code extends string>(code: Code, className: string, errorName: string = className): ClientErrorClass<Code> {
  const cls = class extends ClientError<Code> {
    override readonly name = errorName;
    constructor(message: string, options?: ActorwireErrorOptions) {
      super(`client.${code}`, message, options);
    }
  };
  Object.defineProperty(cls, "name", { value: className });
  return cls;
}

/** The endpoint could not be reached, or the connection broke before an answer arrived. */
export const ClientNetworkError = clientErrorClass("network_error", "ClientNetworkError");
export type ClientNetworkError = ClientError<"network_error">;

/** A deadline passed: an action's `timeout`, or an action queued while reconnecting. */
export const ClientTimeoutError = clientErrorClass("timeout", "ClientTimeoutError");
export type ClientTimeoutError = ClientError<"timeout">;

/**
 * The caller's `AbortSignal` fired. Named `AbortError` like the DOM's, so code that checks
 * `err.name === "AbortError"` keeps working; the signal's reason is the `cause`.
 */
export const ClientAbortedError = clientErrorClass("aborted", "ClientAbortedError", "AbortError");
export type ClientAbortedError = ClientError<"aborted">;

/**
 * A connection's socket closed while this action was in flight. The actor may or may not
 * have run it; the client never sends it again, so it is never answered twice.
 */
export const ClientConnectionLostError = clientErrorClass("connection_lost", "ClientConnectionLostError");
export type ClientConnectionLostError = ClientError<"connection_lost">;

/** The connection was disposed; its pending actions fail with this. */
export const ActorConnDisposedError = clientErrorClass("connection_disposed", "ActorConnDisposedError");
export type ActorConnDisposedError = ClientError<"connection_disposed">;

/** The client was disposed; handles made from it no longer work. */
export const ClientDisposedError = clientErrorClass("client_disposed", "ClientDisposedError");
export type ClientDisposedError = ClientError<"client_disposed">;

/** Too many actions are waiting for a reconnect. */
export const ClientQueueFullError = clientErrorClass("queue_full", "ClientQueueFullError");
export type ClientQueueFullError = ClientError<"queue_full">;

/** A message or body from the server that could not be decoded. */
export const ClientProtocolError = clientErrorClass("protocol_error", "ClientProtocolError");
export type ClientProtocolError = ClientError<"protocol_error">;

/** A configuration value or argument that cannot work. */
export const ClientConfigError = clientErrorClass("invalid_config", "ClientConfigError");
export type ClientConfigError = ClientError<"invalid_config">;

/**
 * A message is larger than the actor accepts (`maxIncomingMessageSize`, 64 KiB by default
 * on rivetkit and @actorwire/runner). The client measures the encoded message before
 * sending and fails only this call; a connection stays open. `metadata` is `{ limit, size }`.
 */
export const ClientMessageTooLongError = clientErrorClass("message_too_long", "ClientMessageTooLongError");
export type ClientMessageTooLongError = ClientError<"message_too_long">;

/**
 * A connection's `getParams()` threw. Calls waiting for the connection fail with this, the
 * connection's `onError` handlers get it, and the connection tries again (the params source
 * may recover, as a token service after a hiccup), as rivetkit does. The thrown error is the
 * `cause`; `metadata` is `{ error }`, its message.
 */
export const ClientGetParamsError = clientErrorClass("get_params_failed", "ClientGetParamsError");
export type ClientGetParamsError = ClientError<"get_params_failed">;

/** An HTTP answer with an error status whose body is not a structured error. */
export class ClientHttpError extends ClientError<"http_error"> {
  override readonly name = "ClientHttpError";
  /** The HTTP status. */
  readonly status: number;

  constructor(message: string, options: ActorwireErrorOptions & { status: number }) {
    super("client.http_error", message, options);
    this.status = options.status;
  }
}

/** Turns a signal's abort into the error the client throws for it. */
export function abortError(signal: AbortSignal): ClientError {
  const reason: unknown = signal.reason;
  if (reason instanceof ClientError) return reason;
  if (reason instanceof Error && reason.name === "TimeoutError") {
    return new ClientTimeoutError(reason.message, { cause: reason });
  }
  return new ClientAbortedError("the operation was aborted", { cause: reason });
}
