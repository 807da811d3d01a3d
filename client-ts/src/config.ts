/**
 * Client configuration: what `createClient` accepts, and how the endpoint, namespace, token
 * and pool are filled in from the environment (`RIVET_ENDPOINT`, `RIVET_NAMESPACE`,
 * `RIVET_TOKEN`, `RIVET_POOL`) and from URL auth syntax (`https://namespace:token@host`).
 */
import { CLIENT_ENCODINGS, type ClientEncoding } from "@actorwire/protocol";
import { ClientConfigError } from "./errors.js";

/** Wire encoding of actor messages (the protocol's `ClientEncoding`). rivetkit's default is `bare`. */
export type Encoding = ClientEncoding;

/** The endpoint rivetkit falls back to when none is given. */
export const DEFAULT_ENDPOINT = "http://localhost:6420";

/** rivetkit's limit on the CBOR size of a creation input carried in a gateway query URL. */
export const DEFAULT_MAX_INPUT_SIZE = 4 * 1024;

/**
 * The largest message actors accept by default (rivetkit's and @actorwire/runner's
 * `maxIncomingMessageSize`): an action's encoded arguments, a queue message, one connection
 * frame.
 */
export const DEFAULT_MAX_INCOMING_MESSAGE_SIZE = 64 * 1024;

/** What `createClient` accepts besides a bare endpoint string. */
export interface ClientConfigInput {
  /** Engine endpoint (`http://host:6420`); supports `https://namespace:token@host`. */
  readonly endpoint?: string;
  /** Token sent to the engine API and the gateway. */
  readonly token?: string;
  /** Namespace (default `"default"`). */
  readonly namespace?: string;
  /** Runner name (pool) new actors are placed on (default `"default"`). */
  readonly poolName?: string;
  /** Wire encoding (default `"bare"`, as rivetkit). */
  readonly encoding?: Encoding;
  /** Extra headers sent with every HTTP request (engine API and gateway). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Gateway options applied to every handle unless overridden per call. */
  readonly gateway?: { readonly skipReadyWait?: boolean };
  /** Largest CBOR creation input put into a gateway query URL (`getGatewayUrl`). */
  readonly maxInputSize?: number;
  /**
   * The actors' limit on one incoming message, in bytes (default 65 536, the actor
   * runtimes' own default). A call whose encoded message (an action's arguments, a queue
   * message, a connection frame) is larger fails before it is sent with
   * `client.message_too_long`; a connection stays open. Set it to the value the actors are
   * configured with if they raise theirs.
   */
  readonly maxIncomingMessageSize?: number;
  /**
   * Skips `GET /metadata` on the endpoint. When the endpoint is a user app (serverless) that
   * answers with `clientEndpoint`, the client switches to that endpoint, as rivetkit does.
   */
  readonly disableMetadataLookup?: boolean;
  /** Connection behaviour of `handle.connect()`. */
  readonly connection?: ConnectionOptionsInput;
}

/** Reconnect and queueing knobs of connections. */
export interface ConnectionOptionsInput {
  /** First reconnect delay (default 250 ms). */
  readonly minReconnectDelayMs?: number;
  /** Largest reconnect delay (default 30 000 ms). */
  readonly maxReconnectDelayMs?: number;
  /**
   * How long an action called while the connection is down waits for it to come back before
   * failing with `client.timeout` (default 30 000 ms).
   */
  readonly queuedActionTimeoutMs?: number;
  /** How many actions may wait for a reconnect at once (default 1 000); more fail at once. */
  readonly maxQueuedActions?: number;
}

/** The configuration after defaults, environment and URL auth were applied. */
export interface ResolvedClientConfig {
  /**
   * The engine endpoint without credentials or a trailing slash: the `endpoint` given, else
   * `RIVET_ENGINE`, else `RIVET_ENDPOINT`, else {@link DEFAULT_ENDPOINT}.
   */
  readonly endpoint: string;
  /**
   * The token: from the endpoint URL's password, else `token`, else `RIVET_TOKEN`; undefined
   * for none. It is sent as a bearer token to the engine API, and to the gateway as its token
   * header, WebSocket subprotocol or `rvt-token` URL parameter.
   */
  readonly token: string | undefined;
  /** The namespace: from the endpoint URL's user name, else `namespace`, else `RIVET_NAMESPACE`, else `"default"`. */
  readonly namespace: string;
  /** The runner name (pool) new actors are placed on: `poolName`, else `RIVET_POOL`, else `"default"`. */
  readonly poolName: string;
  /** The wire encoding of actor messages; `"bare"` unless `encoding` says otherwise. */
  readonly encoding: Encoding;
  /** Extra headers sent with every HTTP request (engine API and gateway); none by default. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether handles skip the gateway's wait for the actor to be ready unless a call says otherwise (`gateway.skipReadyWait`); false by default. */
  readonly skipReadyWait: boolean;
  /** Largest CBOR creation input a gateway query URL may carry (bytes); 4,096 by default. */
  readonly maxInputSize: number;
  /** Largest message the client sends to an actor (bytes); {@link DEFAULT_MAX_INCOMING_MESSAGE_SIZE} by default. */
  readonly maxIncomingMessageSize: number;
  /** Whether the `GET /metadata` lookup on the endpoint is skipped; false by default. */
  readonly disableMetadataLookup: boolean;
  /** Reconnect and queueing settings of `handle.connect()` connections, each with its default filled in. */
  readonly connection: Required<ConnectionOptionsInput>;
}

/** Reads an environment variable where there is one (Node, Deno, Bun); browsers have none. */
function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.[name];
  return value === undefined || value === "" ? undefined : value;
}

/** Splits `https://ns:token@host/path` into the endpoint without credentials, namespace and token. */
export function parseEndpoint(raw: string): { endpoint: string; namespace?: string; token?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ClientConfigError(`invalid endpoint URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ClientConfigError(`endpoint must be http(s), got ${url.protocol}`);
  }
  const namespace = url.username === "" ? undefined : decodeURIComponent(url.username);
  const token = url.password === "" ? undefined : decodeURIComponent(url.password);
  url.username = "";
  url.password = "";
  // A trailing slash would double up when paths are appended.
  const endpoint = url.toString().replace(/\/+$/, "");
  return { endpoint, ...(namespace === undefined ? {} : { namespace }), ...(token === undefined ? {} : { token }) };
}

/**
 * Applies defaults in rivetkit's order: URL auth beats explicit fields, explicit fields beat
 * the environment, and the environment beats defaults.
 */
export function resolveClientConfig(input: string | ClientConfigInput | undefined): ResolvedClientConfig {
  const config: ClientConfigInput = typeof input === "string" ? { endpoint: input } : (input ?? {});
  const rawEndpoint = config.endpoint ?? env("RIVET_ENGINE") ?? env("RIVET_ENDPOINT") ?? DEFAULT_ENDPOINT;
  const parsed = parseEndpoint(rawEndpoint);
  const encoding = config.encoding ?? "bare";
  if (!CLIENT_ENCODINGS.includes(encoding)) throw new ClientConfigError(`unknown encoding ${JSON.stringify(encoding)}`);
  const connection = config.connection ?? {};
  const maxIncomingMessageSize = config.maxIncomingMessageSize ?? DEFAULT_MAX_INCOMING_MESSAGE_SIZE;
  if (typeof maxIncomingMessageSize !== "number" || !(maxIncomingMessageSize > 0)) {
    throw new ClientConfigError(`maxIncomingMessageSize must be a positive number of bytes, got ${JSON.stringify(maxIncomingMessageSize)}`);
  }
  return {
    endpoint: parsed.endpoint,
    namespace: parsed.namespace ?? config.namespace ?? env("RIVET_NAMESPACE") ?? "default",
    token: parsed.token ?? config.token ?? env("RIVET_TOKEN"),
    poolName: config.poolName ?? env("RIVET_POOL") ?? "default",
    encoding,
    headers: { ...(config.headers ?? {}) },
    skipReadyWait: config.gateway?.skipReadyWait ?? false,
    maxInputSize: config.maxInputSize ?? DEFAULT_MAX_INPUT_SIZE,
    maxIncomingMessageSize,
    disableMetadataLookup: config.disableMetadataLookup ?? false,
    connection: {
      minReconnectDelayMs: connection.minReconnectDelayMs ?? 250,
      maxReconnectDelayMs: connection.maxReconnectDelayMs ?? 30_000,
      queuedActionTimeoutMs: connection.queuedActionTimeoutMs ?? 30_000,
      maxQueuedActions: connection.maxQueuedActions ?? 1_000,
    },
  };
}
