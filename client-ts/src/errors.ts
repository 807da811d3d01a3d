/**
 * Errors raised by the client itself, as opposed to `ActorError`s that come over the wire
 * from an actor or the engine. Every class has a stable `group.code` (group `client`), so
 * callers can branch on `err.code` the same way for both kinds.
 */

/** Base of every error the client raises locally. */
export abstract class ClientError extends Error {
  /** Always `"client"`: the error happened on this side of the wire. */
  readonly group = "client" as const;
  /** Stable code, e.g. `network_error`. */
  abstract readonly code: string;
  /** Extra structured detail, like `ActorError.metadata`. */
  readonly metadata: unknown;

  constructor(message: string, options?: { cause?: unknown; metadata?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.metadata = options?.metadata;
  }

  /** `group.code`, e.g. `client.network_error`. */
  get fullCode(): string {
    return `${this.group}.${this.code}`;
  }
}

/** The endpoint could not be reached, or the connection broke before an answer arrived. */
export class ClientNetworkError extends ClientError {
  readonly code = "network_error";
  override readonly name = "ClientNetworkError";
}

/** A deadline passed: an action's `timeout`, or an action queued while reconnecting. */
export class ClientTimeoutError extends ClientError {
  readonly code = "timeout";
  override readonly name = "ClientTimeoutError";
}

/**
 * The caller's `AbortSignal` fired. Named `AbortError` like the DOM's, so code that checks
 * `err.name === "AbortError"` keeps working; the signal's reason is the `cause`.
 */
export class ClientAbortedError extends ClientError {
  readonly code = "aborted";
  override readonly name = "AbortError";
}

/**
 * A connection's socket closed while this action was in flight. The actor may or may not
 * have run it; the client never sends it again, so it is never answered twice.
 */
export class ClientConnectionLostError extends ClientError {
  readonly code = "connection_lost";
  override readonly name = "ClientConnectionLostError";
}

/** The connection was disposed; its pending actions fail with this. */
export class ActorConnDisposedError extends ClientError {
  readonly code = "connection_disposed";
  override readonly name = "ActorConnDisposedError";
}

/** The client was disposed; handles made from it no longer work. */
export class ClientDisposedError extends ClientError {
  readonly code = "client_disposed";
  override readonly name = "ClientDisposedError";
}

/** Too many actions are waiting for a reconnect. */
export class ClientQueueFullError extends ClientError {
  readonly code = "queue_full";
  override readonly name = "ClientQueueFullError";
}

/** An HTTP answer with an error status whose body is not a structured error. */
export class ClientHttpError extends ClientError {
  readonly code = "http_error";
  override readonly name = "ClientHttpError";

  constructor(
    message: string,
    /** The HTTP status. */
    readonly status: number,
    options?: { cause?: unknown; metadata?: unknown },
  ) {
    super(message, options);
  }
}

/** A message or body from the server that could not be decoded. */
export class ClientProtocolError extends ClientError {
  readonly code = "protocol_error";
  override readonly name = "ClientProtocolError";
}

/** A configuration value or argument that cannot work. */
export class ClientConfigError extends ClientError {
  readonly code = "invalid_config";
  override readonly name = "ClientConfigError";
}

/**
 * A message is larger than the actor accepts (`maxIncomingMessageSize`, 64 KiB by default
 * on rivetkit and @actorwire/runner). The client measures the encoded message before
 * sending and fails only this call; a connection stays open. `metadata` is `{ limit, size }`.
 */
export class ClientMessageTooLongError extends ClientError {
  readonly code = "message_too_long";
  override readonly name = "ClientMessageTooLongError";
}

/**
 * A connection's `getParams()` threw. Calls waiting for the connection fail with this, the
 * connection's `onError` handlers get it, and the connection tries again (the params source
 * may recover, as a token service after a hiccup), as rivetkit does. The thrown error is the
 * `cause`; `metadata` is `{ error }`, its message.
 */
export class ClientGetParamsError extends ClientError {
  readonly code = "get_params_failed";
  override readonly name = "ClientGetParamsError";
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
