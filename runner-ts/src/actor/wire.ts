/**
 * The client protocol as the surfaces speak it: which encoding a request or socket asked for,
 * and the messages in and out, through the shared codecs of @actorwire/protocol
 * (`clientMessages`). Every function here takes or returns plain values with user payloads
 * decoded; the codecs own the json / cbor / bare details and the version bridging.
 *
 * Versions: a `bare` message carries its client-protocol version. We answer an HTTP request in
 * the version its body came in, and a socket in the version of the last message it sent
 * (version 4, the latest, before it sent any).
 */
import { clientMessages } from "@actorwire/protocol";
import type { ActorError } from "./errors.js";

/** The three client encodings. */
export type Encoding = "json" | "cbor" | "bare";

/** The client-protocol version we speak when the peer has not told us its own. */
export const LATEST_CLIENT_VERSION = 4;

/** The encoding of an HTTP request (`x-rivet-encoding`); missing or unknown means json, as Rivet's core does. */
export function encodingOfRequest(request: Request): Encoding {
  const value = request.headers.get("x-rivet-encoding");
  return value === "cbor" || value === "bare" ? value : "json";
}

/** The `Content-Type` of a body in `encoding`. */
export function contentTypeOf(encoding: Encoding): string {
  return encoding === "json" ? "application/json" : "application/octet-stream";
}

/** What the WebSocket subprotocols of a `/connect` or raw socket carry. */
export interface SocketProtocols {
  /** The raw `rivet_encoding.<e>` value, when given. */
  readonly encoding: string | undefined;
  /** The percent-encoded JSON of `rivet_conn_params.<p>`, when given. */
  readonly connParams: string | undefined;
  readonly token: string | undefined;
}

/** Reads the rivet subprotocols from a request's `sec-websocket-protocol` header. */
export function socketProtocols(request: Request): SocketProtocols {
  let encoding: string | undefined;
  let connParams: string | undefined;
  let token: string | undefined;
  for (const raw of (request.headers.get("sec-websocket-protocol") ?? "").split(",")) {
    const p = raw.trim();
    if (p.startsWith("rivet_encoding.")) encoding = p.slice("rivet_encoding.".length);
    else if (p.startsWith("rivet_conn_params.")) connParams = p.slice("rivet_conn_params.".length);
    else if (p.startsWith("rivet_token.")) token = p.slice("rivet_token.".length);
  }
  return { encoding, connParams, token };
}

/** The encoding named by a subprotocol, or undefined for a name we do not speak. Missing means json. */
export function socketEncoding(protocols: SocketProtocols): Encoding | undefined {
  const e = protocols.encoding ?? "json";
  return e === "json" || e === "cbor" || e === "bare" ? e : undefined;
}

/** Decodes connection params: JSON, percent-encoded in a subprotocol. Throws on malformed input. */
export function socketConnParams(protocols: SocketProtocols): unknown {
  if (protocols.connParams === undefined) return undefined;
  return JSON.parse(decodeURIComponent(protocols.connParams));
}

/** Decodes the `x-rivet-conn-params` header (JSON). Throws on malformed input. */
export function requestConnParams(request: Request): unknown {
  const raw = request.headers.get("x-rivet-conn-params");
  return raw === null ? undefined : JSON.parse(raw);
}

// ---------------------------------------------------------------------------------------------
// WebSocket messages
// ---------------------------------------------------------------------------------------------

/** A message from a connected client. */
export type ToServerBody =
  | { readonly tag: "ActionRequest"; readonly val: { readonly id: bigint; readonly name: string; readonly args: unknown } }
  | { readonly tag: "SubscriptionRequest"; readonly val: { readonly eventName: string; readonly subscribe: boolean } };

/** A message to a connected client. */
export type ToClientBody =
  | { readonly tag: "Init"; readonly val: { readonly actorId: string; readonly connectionId: string } }
  | {
      readonly tag: "Error";
      readonly val: {
        readonly group: string;
        readonly code: string;
        readonly message: string;
        readonly metadata?: unknown;
        readonly actionId: bigint | null;
      };
    }
  | { readonly tag: "ActionResponse"; readonly val: { readonly id: bigint; readonly output: unknown } }
  | { readonly tag: "Event"; readonly val: { readonly name: string; readonly args: readonly unknown[] } };

/** Decodes one client frame. Throws on anything malformed. */
export function decodeToServer(data: string | ArrayBuffer, encoding: Encoding): { body: ToServerBody; version: number } {
  const { value, version } = clientMessages.ToServer.decode(frameBytes(data, encoding), encoding);
  return { body: value as ToServerBody, version: version ?? LATEST_CLIENT_VERSION };
}

/** Encodes one frame to a client: a string for json, bytes otherwise. */
export function encodeToClient(body: ToClientBody, encoding: Encoding, version: number): string | Uint8Array {
  return clientMessages.ToClient.encode(body as never, encoding, version);
}

/** An `Error` frame for `error`, tied to an action or not. */
export function errorBody(error: ActorError, actionId: bigint | null): ToClientBody {
  return {
    tag: "Error",
    val: { group: error.group, code: error.code, message: error.message, metadata: error.metadata, actionId },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP bodies
// ---------------------------------------------------------------------------------------------

/** Decodes an `HttpActionRequest`; `args` that is not an array counts as none, as rivetkit does. */
export function decodeActionRequest(bytes: Uint8Array, encoding: Encoding): { args: unknown[]; version: number } {
  const { value, version } = clientMessages.HttpActionRequest.decode(bodyFor(bytes, encoding), encoding);
  const args = (value as { args: unknown }).args;
  return { args: Array.isArray(args) ? args : [], version: version ?? LATEST_CLIENT_VERSION };
}

/** Encodes an `HttpActionResponse`. */
export function encodeActionResponse(output: unknown, encoding: Encoding, version: number): Uint8Array {
  return toBytes(clientMessages.HttpActionResponse.encode({ output } as never, encoding, version));
}

/** What a queue send over HTTP asks for. */
export interface QueueSendRequest {
  readonly body: unknown;
  readonly wait: boolean;
  readonly timeout: number | undefined;
  readonly version: number;
}

/** Decodes an `HttpQueueSendRequest`. */
export function decodeQueueSendRequest(bytes: Uint8Array, encoding: Encoding): QueueSendRequest {
  const { value, version } = clientMessages.HttpQueueSendRequest.decode(bodyFor(bytes, encoding), encoding);
  const v = value as { body: unknown; wait?: boolean | null; timeout?: number | bigint | null };
  const timeout = v.timeout === undefined || v.timeout === null ? undefined : Number(v.timeout);
  return { body: v.body, wait: v.wait === true, timeout, version: version ?? LATEST_CLIENT_VERSION };
}

/** Encodes an `HttpQueueSendResponse`. */
export function encodeQueueSendResponse(status: string, response: unknown, encoding: Encoding, version: number): Uint8Array {
  const value = response === undefined ? { status } : { status, response };
  return toBytes(clientMessages.HttpQueueSendResponse.encode(value as never, encoding, version));
}

/** Encodes an `HttpResponseError`. */
export function encodeResponseError(error: ActorError, encoding: Encoding, version: number): Uint8Array {
  const value = { group: error.group, code: error.code, message: error.message, metadata: error.metadata };
  return toBytes(clientMessages.HttpResponseError.encode(value as never, encoding, version));
}

/** The size a frame or body has on the wire. */
export function wireSize(data: string | Uint8Array): number {
  return typeof data === "string" ? Buffer.byteLength(data) : data.byteLength;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? textEncoder.encode(data) : data;
}

/** JSON codecs read text; the others read bytes. */
function bodyFor(bytes: Uint8Array, encoding: Encoding): string | Uint8Array {
  return encoding === "json" ? textDecoder.decode(bytes) : bytes;
}

function frameBytes(data: string | ArrayBuffer, encoding: Encoding): string | Uint8Array {
  if (typeof data === "string") return encoding === "json" ? data : textEncoder.encode(data);
  return encoding === "json" ? textDecoder.decode(data) : new Uint8Array(data);
}
