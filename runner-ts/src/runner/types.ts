/**
 * The contract between the runner connection (`runner/`, which speaks runner protocol v7 to an
 * engine) and whatever hosts actors on it (the actor runtime in `actor/`, or a conformance
 * testee). The connection knows nothing about actions, state or client encodings; the host
 * knows nothing about frames, acks or reconnects.
 */
import type { Logger } from "pino";

/** Options of one runner process's connection to an engine. */
export interface RunnerOptions {
  /** `http(s)://host:port` or `ws(s)://host:port` of the engine; `/runners/connect` is appended. */
  readonly endpoint: string;
  /** Sent as the `rivet_token.<token>` subprotocol when set. */
  readonly token?: string;
  /** Namespace name; `default` when not given. */
  readonly namespace?: string;
  /** Runner name (the pool actors are created for); `default` when not given. */
  readonly runnerName?: string;
  /** Stable identity across reconnects of this process; a fresh UUID when not given. */
  readonly runnerKey?: string;
  /** Deployment version (newer versions drain older ones); 1 when not given. */
  readonly version?: number;
  /** Capacity advertised to the engine; 100,000 when not given. */
  readonly totalSlots?: number;
  /** Actor names this runner hosts, with JSON metadata, sent in `ToServerInit`. */
  readonly actorNames?: Readonly<Record<string, { readonly metadata: Record<string, unknown> }>>;
  /** Runner metadata, sent as a JSON string in `ToServerInit`. */
  readonly metadata?: Record<string, unknown>;
  /** What hosts the actors: the runner calls it to start and stop actors and hands it their requests and sockets. */
  readonly handler: RunnerHandler;
  /**
   * Logger for the connection's own lines (pino). By default JSON lines on stderr at `info`, the
   * level taken from `ACTORWIRE_RUNNER_LOG_LEVEL`, `RIVET_LOG_LEVEL` or `LOG_LEVEL` (first set wins).
   */
  readonly logger?: Logger;
  /** Drain gracefully on SIGTERM and SIGINT (then exit). True when not given. */
  readonly handleSignals?: boolean;
  /**
   * Relay response bodies of unknown length (a `Response` built from a stream, with no
   * `content-length`) as `ToServerResponseChunk`s instead of buffering them whole. Our engine
   * relays them; Rivet's gateway drops streamed responses, so turn this off against it when
   * handlers return streams. True when not given.
   */
  readonly streamResponses?: boolean;
  /**
   * How long a graceful shutdown waits for the engine's stop commands before it stops the
   * remaining actors itself, in milliseconds; 10,000 when not given.
   */
  readonly drainGracePeriodMs?: number;
  /** The longest a shutdown waits for its actors to stop, in milliseconds; 120,000 when not given. */
  readonly shutdownTimeoutMs?: number;
}

/** What a runner reports about its connection, for `Runner.on`. */
export interface RunnerEventMap {
  /** `ToClientInit` arrived (first connect and every reconnect). */
  readonly connected: { readonly runnerId: string };
  /** The engine socket closed; a reconnect follows unless the runner was evicted or shut down. */
  readonly disconnected: { readonly code: number; readonly reason: string };
  /** Another connection with the same runner key took over: this runner stopped for good. */
  readonly evicted: { readonly reason: string };
  /** The connection was gone past the runner-lost threshold: local actors were stopped with reason `lost`. */
  readonly lost: { readonly actorIds: readonly string[] };
  /** The shutdown finished and the socket is closed. */
  readonly shutdown: { readonly evicted: boolean };
}

/** A hibernating WebSocket the engine kept open while the actor slept, listed in its start command. */
export interface HibernatingRequest {
  /** The gateway that holds the client's socket (its id bytes, as the protocol carries them). */
  readonly gatewayId: ArrayBuffer;
  /** The socket's request id bytes, unique within its gateway. */
  readonly requestId: ArrayBuffer;
}

/** Everything `CommandStartActor` says about the actor being started. */
export interface ActorStartInfo {
  /** The engine's id of the actor. */
  readonly actorId: string;
  /**
   * Which placement of the actor this is: the engine counts up each time it places the actor on
   * a runner again, and commands and events name the generation they belong to.
   */
  readonly generation: number;
  /** The actor's name, which says which definition hosts it. */
  readonly name: string;
  /** The key as the engine stores it (rivetkit's `/`-joined form), or null for no key. */
  readonly key: string | null;
  /** When the actor was created (ms since the epoch). */
  readonly createTs: number;
  /** The creation input as the engine holds it (CBOR bytes from rivetkit clients), or null. */
  readonly input: Uint8Array | null;
  /**
   * The WebSockets the gateway kept open while the actor slept; pass what was persisted for
   * them to {@link RunnerApi.restoreHibernatedSockets} during the start. Empty for most starts.
   */
  readonly hibernatingRequests: readonly HibernatingRequest[];
}

/**
 * Why an actor is being stopped, as far as the runner can tell (v7's `CommandStopActor`
 * carries no reason): `sleep` after the actor's own sleep intent or an engine-initiated stop,
 * `destroy` after the actor's stop intent, `drain` while the runner shuts down, `lost` when the
 * connection was gone past the runner-lost threshold or the engine gave the runner a new ID.
 */
export type ActorStopReason = "sleep" | "destroy" | "drain" | "lost";

/** Identifies one request or WebSocket on the tunnel. */
export interface TunnelRequestInfo {
  /** The gateway the request came through (its id bytes). */
  readonly gatewayId: ArrayBuffer;
  /** The request's id bytes, unique within its gateway; with `gatewayId` it names a hibernatable socket. */
  readonly requestId: ArrayBuffer;
  /** True when a hibernated WebSocket is being rebuilt after a wake (no open handshake). */
  readonly isRestoring: boolean;
}

/**
 * A tunnelled HTTP request as the tunnel holds it: method, path, headers and the whole body
 * as bytes. Handlers that answer from bytes (the actor framework's action and queue routes)
 * read it directly; `toRequest()` builds the standard `Request` only for code that needs one
 * (a user's `onRequest`, a hook reading `c.request`), once.
 */
export interface TunnelRequest {
  /** The HTTP method (`GET`, `POST`…). */
  readonly method: string;
  /** The actor-relative path, with its query string. */
  readonly path: string;
  /** Header names in lower case, as the gateway sends them. */
  readonly headers: ReadonlyMap<string, string>;
  /** The whole body; null when the request has none, or when it is `streamed`. */
  readonly body: ArrayBuffer | null;
  /** True when the body comes in chunks after the head: read it from `toRequest().body`. */
  readonly streamed: boolean;
  /** Aborts when the client aborts the request or the actor stops while handling it. */
  readonly signal: AbortSignal;
  /** The same request as a standard `Request` (built on the first call, the same object after). */
  toRequest(): Request;
}

/** An answer given as bytes, sent as one `ToServerResponseStart` without a `Response` object. */
export interface TunnelResponse {
  /** The HTTP status code. */
  readonly status: number;
  /** The response headers, by name; `content-length` is set by the tunnel and need not be given. */
  readonly headers: ReadonlyMap<string, string>;
  /** The whole body; null for none. The tunnel sets `content-length`. */
  readonly body: Uint8Array | null;
}

/**
 * What {@link RunnerHandler.route} answers: bytes, or a standard `Response` (relayed as
 * `fetch`'s are) with an optional `sent` callback run once its body is relayed or dropped.
 */
export type RouteAnswer = TunnelResponse | { readonly response: Response; readonly sent?: () => void };

/** Event delivered for each message of a tunnel WebSocket. */
export interface TunnelMessageEvent {
  /** The message: a string for a text message, an ArrayBuffer for a binary one. */
  readonly data: string | ArrayBuffer;
  /** The gateway's index of this message; ack it for hibernatable sockets once handled. */
  readonly messageIndex: number;
}

/** Event delivered when a tunnel WebSocket closes. */
export interface TunnelCloseEvent {
  /** The close code (1005 when the client's close carried none). */
  readonly code: number;
  /** The close reason; the empty string when there was none. */
  readonly reason: string;
  /** Whether the close was clean, as in the standard; the tunnel reports every close as clean. */
  readonly wasClean: boolean;
}

/**
 * One client WebSocket as the actor sees it through the tunnel: a small subset of the
 * standard WebSocket interface plus hibernation acks.
 */
export interface TunnelWebSocket {
  /** 0 connecting, 1 open, 2 closing, 3 closed, as the standard. */
  readonly readyState: number;
  /**
   * Whether the socket may hibernate (the handler's `canHibernate` said so when it opened, or
   * it was restored after a wake): the gateway then keeps it open while the actor sleeps.
   */
  readonly isHibernatable: boolean;
  /**
   * Sends a text (string) or binary message. It throws `RunnerError` `tunnel.invalid_state` before the socket
   * is open and does nothing once it is closing; a message over the tunnel's payload limit closes the socket with 1009.
   */
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  /** Closes the socket towards the client; `code` defaults to 1000 and `reason` to the empty string. */
  close(code?: number, reason?: string): void;
  /** Adds a listener for each message the client sends. */
  addEventListener(type: "message", listener: (event: TunnelMessageEvent) => void): void;
  /** Adds a listener for the socket's close (by either side). */
  addEventListener(type: "close", listener: (event: TunnelCloseEvent) => void): void;
  /** Adds a listener for the socket's acceptance; a restored socket is open already and gets none. */
  addEventListener(type: "open", listener: () => void): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener(type: "message" | "close" | "open", listener: (...args: never[]) => void): void;
  /** Tells the gateway that messages up to `messageIndex` are durably handled (hibernatable only). */
  ack(messageIndex: number): void;
  /** The gateway index of the last message received (for persistence). */
  readonly lastReceivedIndex: number;
  /** The index of the last message this side sent (for persistence). */
  readonly lastSentIndex: number;
}

/** What a hibernated socket's host persisted, used to rebuild it after a wake. */
export interface HibernatedSocketMeta {
  /** The socket's {@link TunnelRequestInfo.gatewayId}, matched against the start's hibernating requests. */
  readonly gatewayId: ArrayBuffer;
  /** The socket's {@link TunnelRequestInfo.requestId}. */
  readonly requestId: ArrayBuffer;
  /** The actor-relative path (with query) the socket was opened on; the rebuilt upgrade request gets it. */
  readonly path: string;
  /** The headers of the original upgrade request, given to the rebuilt one. */
  readonly headers: Readonly<Record<string, string>>;
  /** The socket's `lastReceivedIndex` when last persisted: a message at or before it is a repeat and is ignored. */
  readonly lastReceivedIndex: number;
  /** The socket's `lastSentIndex` when last persisted; the rebuilt socket numbers its next message after it. */
  readonly lastSentIndex: number;
}

/** The host's side of the contract: called by the connection, never concurrently for one actor's start/stop. */
export interface RunnerHandler {
  /**
   * Starts an actor. `Running` is reported to the engine when this resolves; a throw reports
   * `Stopped` with an error and the engine applies the actor's crash policy.
   */
  onActorStart(info: ActorStartInfo): Promise<void>;
  /** Stops an actor; `Stopped` is reported when this resolves (or throws). */
  onActorStop(actorId: string, generation: number, reason: ActorStopReason): Promise<void>;
  /**
   * Answers one HTTP request tunnelled to an actor. The request body may be streamed; a
   * response with a streamed body is relayed as chunks. A request the actor refuses without
   * having run anything of it (it is stopping) throws `RunnerError` `runner.actor_not_found`:
   * the gateway then sends it again after the wake. The request's signal aborts when the actor
   * stops; an answer the handler still returns after that is sent.
   */
  fetch(actorId: string, request: Request, info: TunnelRequestInfo): Promise<Response>;
  /**
   * Optional, and used instead of `fetch` when given: answers from the tunnel's bytes, so that
   * a handler whose routes need no `Request`/`Response` objects pays for none (the actor
   * framework answers actions and queue sends this way). Refusals and aborts follow `fetch`'s
   * rules.
   */
  route?(actorId: string, request: TunnelRequest, info: TunnelRequestInfo): Promise<RouteAnswer>;
  /**
   * Takes one WebSocket tunnelled to an actor. The socket is accepted (`ToServerWebSocketOpen`)
   * after this returns (or its promise resolves) so that listeners are attached first; a throw
   * refuses it with a close.
   */
  websocket(actorId: string, socket: TunnelWebSocket, request: Request, info: TunnelRequestInfo): Promise<void> | void;
  /** Whether a new WebSocket may hibernate; false when not given. */
  canHibernate?(actorId: string, request: Request): boolean;
}

/** Options of a KV list. */
export interface KvListOptions {
  /** Return entries in descending key order instead of ascending. Default false. */
  readonly reverse?: boolean;
  /** Return at most this many entries. Default: the engine's own cap (16,384 on actorwire's engine). */
  readonly limit?: number;
}

/** A KV list query, as runner protocol v7 has them. */
export type KvListQuery =
  | { readonly kind: "all" }
  | { readonly kind: "prefix"; readonly prefix: Uint8Array }
  /** `end` is included unless `exclusive` (the engine's semantics). */
  | { readonly kind: "range"; readonly start: Uint8Array; readonly end: Uint8Array; readonly exclusive: boolean };

/** The engine-side KV of the actors this runner hosts. All calls reject with `RunnerError` on failure. */
export interface RunnerKv {
  /** Values in the order of `keys`, null where a key is missing. */
  get(actorId: string, keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>;
  /** The `[key, value]` entries that match `query`, in key order (or reversed). */
  list(actorId: string, query: KvListQuery, options?: KvListOptions): Promise<[Uint8Array, Uint8Array][]>;
  /** Stores the entries in one request, replacing existing values. */
  put(actorId: string, entries: readonly (readonly [Uint8Array, Uint8Array])[]): Promise<void>;
  /** Deletes the keys in one request; missing keys are not an error. */
  delete(actorId: string, keys: readonly Uint8Array[]): Promise<void>;
  /** Deletes `[start, end)`. */
  deleteRange(actorId: string, start: Uint8Array, end: Uint8Array): Promise<void>;
  /** Deletes every key of the actor. */
  drop(actorId: string): Promise<void>;
}

/** What the actor runtime (or a testee) uses of a runner connection. */
export interface RunnerApi {
  /** The runner ID the engine gave this connection, once connected. */
  readonly runnerId: string | undefined;
  /** The engine-side KV of the hosted actors ({@link RunnerKv}). */
  readonly kv: RunnerKv;
  /** Sends `EventActorIntent(Sleep)`; the engine answers with a stop command. */
  sleepActor(actorId: string): void;
  /** Sends `EventActorIntent(Stop)` (destroy path). */
  destroyActor(actorId: string): void;
  /** Sends `EventActorSetAlarm`; null clears the alarm. Repeated equal values are sent once. */
  setAlarm(actorId: string, timestampMs: number | null): void;
  /**
   * Rebuilds the hibernated WebSockets of a starting actor from what its host persisted: each
   * entry that matches one of the start command's hibernating requests is handed to
   * `handler.websocket` with `isRestoring: true`; hibernating requests without an entry are
   * closed with `ws.meta_not_found_during_restore`.
   */
  restoreHibernatedSockets(actorId: string, entries: readonly HibernatedSocketMeta[]): Promise<void>;
}
