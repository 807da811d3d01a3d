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
import {
  type ClientEncoding,
  clientMessages,
  HEADER_CONN_PARAMS,
  HEADER_ENCODING,
  type HttpQueueSendResponseBody,
  type HttpResponseErrorBody,
  offeredSubprotocols,
  parseEncoding,
  type ToClientMessage,
  type ToServerMessage,
  WS_PROTOCOL_CONN_PARAMS,
  WS_PROTOCOL_ENCODING,
  WS_PROTOCOL_TOKEN,
} from "@actorwire/protocol";
import { tunnelHeader } from "../runner/tunnel-request.js";
import type { ActorError } from "./errors.js";

/** The encoding of an HTTP request (`x-rivet-encoding`); missing or unknown means json, as Rivet's core does. */
export function encodingOfRequest(headers: ReadonlyMap<string, string>): ClientEncoding {
  return parseEncoding(tunnelHeader(headers, HEADER_ENCODING));
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
  // The last of each wins, as in rivetkit's parser.
  for (const p of offeredSubprotocols(request.headers.get("sec-websocket-protocol"))) {
    if (p.startsWith(WS_PROTOCOL_ENCODING)) encoding = p.slice(WS_PROTOCOL_ENCODING.length);
    else if (p.startsWith(WS_PROTOCOL_CONN_PARAMS)) connParams = p.slice(WS_PROTOCOL_CONN_PARAMS.length);
    else if (p.startsWith(WS_PROTOCOL_TOKEN)) token = p.slice(WS_PROTOCOL_TOKEN.length);
  }
  return { encoding, connParams, token };
}

/** The encoding named by a subprotocol, or undefined for a name we do not speak. Missing means json. */
export function socketEncoding(protocols: SocketProtocols): ClientEncoding | undefined {
  const e = protocols.encoding ?? "json";
  return e === "json" || e === "cbor" || e === "bare" ? e : undefined;
}

/** Decodes connection params: JSON, percent-encoded in a subprotocol. Throws on malformed input. */
export function socketConnParams(protocols: SocketProtocols): unknown {
  if (protocols.connParams === undefined) return undefined;
  return JSON.parse(decodeURIComponent(protocols.connParams));
}

/** Decodes the `x-rivet-conn-params` header (JSON). Throws on malformed input. */
export function requestConnParams(headers: ReadonlyMap<string, string>): unknown {
  const raw = tunnelHeader(headers, HEADER_CONN_PARAMS);
  return raw === null ? undefined : JSON.parse(raw);
}

// ---------------------------------------------------------------------------------------------
// WebSocket messages
// ---------------------------------------------------------------------------------------------

/** Decodes one client frame. Throws on anything malformed. */
export function decodeToServer(data: string | ArrayBuffer, encoding: ClientEncoding): { body: ToServerMessage; version: number } {
  const { value, version } = clientMessages.ToServer.decode(frameBytes(data, encoding), encoding);
  return { body: value, version };
}

/** Encodes one frame to a client: a string for json, bytes otherwise. */
export function encodeToClient(body: ToClientMessage, encoding: ClientEncoding, version: number): string | Uint8Array {
  return clientMessages.ToClient.encode(body, encoding, version);
}

/** An `Error` frame for `error`, tied to an action or not. */
export function errorBody(error: ActorError, actionId: bigint | null): ToClientMessage {
  return { tag: "Error", val: { ...wireFields(error), actionId } };
}

/**
 * `error.toWire()` without `actor`. No error the runner builds names an actor; one that does
 * came from another actor (a `c.client()` call whose error an action rethrew), and this
 * actor's answer should not claim to come from there. Leaving it off also keeps the bytes
 * what they were before these bodies were built with `toWire()`.
 */
function wireFields(error: ActorError): Omit<HttpResponseErrorBody, "actor"> {
  const { actor: _fromElsewhere, ...fields } = error.toWire();
  return fields;
}

// ---------------------------------------------------------------------------------------------
// HTTP bodies
// ---------------------------------------------------------------------------------------------

/** Decodes an `HttpActionRequest`; `args` that is not an array counts as none, as rivetkit does. */
export function decodeActionRequest(bytes: Uint8Array, encoding: ClientEncoding): { args: unknown[]; version: number } {
  const { value, version } = clientMessages.HttpActionRequest.decode(bodyFor(bytes, encoding), encoding);
  const args: unknown = value.args;
  return { args: Array.isArray(args) ? args : [], version };
}

/** Encodes an `HttpActionResponse`. */
export function encodeActionResponse(output: unknown, encoding: ClientEncoding, version: number): Uint8Array {
  return toBytes(clientMessages.HttpActionResponse.encode({ output }, encoding, version));
}

/** What a queue send over HTTP asks for. */
export interface QueueSendRequest {
  readonly body: unknown;
  readonly wait: boolean;
  readonly timeout: number | undefined;
  readonly version: number;
}

/** Decodes an `HttpQueueSendRequest`. */
export function decodeQueueSendRequest(bytes: Uint8Array, encoding: ClientEncoding): QueueSendRequest {
  const { value, version } = clientMessages.HttpQueueSendRequest.decode(bodyFor(bytes, encoding), encoding);
  const v = value as { body: unknown; wait?: boolean | null; timeout?: number | bigint | null };
  const timeout = v.timeout === undefined || v.timeout === null ? undefined : Number(v.timeout);
  return { body: v.body, wait: v.wait === true, timeout, version };
}

/** Encodes an `HttpQueueSendResponse`. */
export function encodeQueueSendResponse(status: HttpQueueSendResponseBody["status"], response: unknown, encoding: ClientEncoding, version: number): Uint8Array {
  const value = response === undefined ? { status } : { status, response };
  return toBytes(clientMessages.HttpQueueSendResponse.encode(value, encoding, version));
}

/** Encodes an `HttpResponseError`. */
export function encodeResponseError(error: ActorError, encoding: ClientEncoding, version: number): Uint8Array {
  return toBytes(clientMessages.HttpResponseError.encode(wireFields(error), encoding, version));
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
function bodyFor(bytes: Uint8Array, encoding: ClientEncoding): string | Uint8Array {
  return encoding === "json" ? textDecoder.decode(bytes) : bytes;
}

function frameBytes(data: string | ArrayBuffer, encoding: ClientEncoding): string | Uint8Array {
  if (typeof data === "string") return encoding === "json" ? data : textEncoder.encode(data);
  return encoding === "json" ? textDecoder.decode(data) : new Uint8Array(data);
}
