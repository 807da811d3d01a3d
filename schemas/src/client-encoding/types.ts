/**
 * The client protocol's messages as JavaScript values, independent of the encoding they
 * travel in. User payloads (action arguments and outputs, event arguments, error metadata,
 * queue bodies) are already decoded values here; each encoding decides how to carry them.
 */

/** The three encodings rivetkit's client and actors speak. */
export type ClientEncoding = "json" | "cbor" | "bare";

/** Which actor instance produced an error. `key` is the serialized actor key, if any. */
export interface ActorSpecifier {
  /** The actor's ID. */
  actorId: string;
  /** Which run of the actor: the engine counts up each time it starts the actor again. */
  generation: bigint;
  /** The actor's key in its serialized string form; null for an actor without one. */
  key: string | null;
}

/** Actor to client, on a `/connect` WebSocket. */
export type ToClientMessage =
  | { tag: "Init"; val: { actorId: string; connectionId: string } }
  | {
      tag: "Error";
      val: {
        group: string;
        code: string;
        message: string;
        metadata?: unknown;
        /** The action the error answers; null when it concerns the connection as a whole. */
        actionId: bigint | null;
        actor?: ActorSpecifier | null;
      };
    }
  | { tag: "ActionResponse"; val: { id: bigint; output: unknown } }
  | { tag: "Event"; val: { name: string; args: unknown[] } };

/** Client to actor, on a `/connect` WebSocket. */
export type ToServerMessage =
  | { tag: "ActionRequest"; val: { id: bigint; name: string; args: unknown[] } }
  | { tag: "SubscriptionRequest"; val: { eventName: string; subscribe: boolean } };

/** Body of `POST /action/:name`. */
export interface HttpActionRequestBody {
  /** The action's arguments, in order. */
  args: unknown[];
}

/** Successful answer to `POST /action/:name`. */
export interface HttpActionResponseBody {
  /** What the action returned. */
  output: unknown;
}

/** Body of every non-2xx answer from an actor's HTTP surface. */
export interface HttpResponseErrorBody {
  /** The error's group, e.g. `actor` or `user`. */
  group: string;
  /** The error's code within its group, e.g. `action_not_found`. */
  code: string;
  /** A human-readable description. */
  message: string;
  /** Structured details the error carries, if any. */
  metadata?: unknown;
  /** The actor instance that raised it, when known. */
  actor?: ActorSpecifier | null;
}

/** Body of `POST /queue/:name`. `timeout` is in milliseconds and only matters with `wait`. */
export interface HttpQueueSendRequestBody {
  /** The message to enqueue. */
  body: unknown;
  /** The queue's name, when the body carries it. */
  name?: string;
  /** Whether to answer only once a handler has completed the message. */
  wait?: boolean;
  /** How long to wait for completion, in milliseconds. */
  timeout?: number;
}

/** Answer to `POST /queue/:name`; `response` is the handler's result when the sender waited. */
export interface HttpQueueSendResponseBody {
  /** Whether the message was completed, or the wait ran out first. */
  status: "completed" | "timedOut";
  /** The handler's result, when the sender waited for it. */
  response?: unknown;
}

/** Answer to an actor resolution request. */
export interface HttpResolveResponseBody {
  /** The ID of the actor the query resolved to. */
  actorId: string;
}

/**
 * One codec per message type. `encode` writes the value in an encoding (for `bare` at
 * `version`, default 4, with the 2-byte little-endian version prefix, downgraded through
 * `client.versioned` when older); `decode` reads a WebSocket frame or HTTP body (a string
 * for json text frames, bytes otherwise) and returns the value and, for `bare`, the version
 * the peer used so that a server can answer in it (json and cbor report the latest, 4).
 *
 * Throws ProtocolError (`protocol.malformed`, `protocol.too_large`, `protocol.invalid_value`)
 * on bad input and VersionError on unknown versions.
 */
export interface ClientMessageCodec<T> {
  /** Returns a string only for `json`. */
  encode(value: T, encoding: ClientEncoding, version?: number): Uint8Array | string;
  /** Reads one message; `version` is the protocol version the peer wrote it in. */
  decode(data: Uint8Array | string, encoding: ClientEncoding): { value: T; version: number };
}
