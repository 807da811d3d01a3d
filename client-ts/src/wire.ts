/**
 * The client protocol messages the client sends and receives, in the shapes the rest of the
 * client works with, encoded and decoded by `@actorwire/protocol`'s client encodings (json,
 * cbor, and bare with its 2-byte version prefix; bare answers in any of versions 1-4 are
 * read). This file only adapts shapes; it does no encoding of its own.
 */
import { type ActorSpecifier, clientMessages, type ToServerMessage } from "@actorwire/protocol";
import type { Encoding } from "./config.js";
import { ClientMessageTooLongError, ClientProtocolError } from "./errors.js";

/** A structured error as it crosses the wire. */
export interface WireError {
  readonly group: string;
  readonly code: string;
  readonly message: string;
  readonly metadata: unknown;
  readonly actor?: ActorSpecifier | undefined;
}

/** A message from the actor on a connection. */
export type WireToClient =
  | { readonly tag: "Init"; readonly actorId: string; readonly connectionId: string }
  | (WireError & { readonly tag: "Error"; readonly actionId: bigint | null })
  | { readonly tag: "ActionResponse"; readonly id: bigint; readonly output: unknown }
  | { readonly tag: "Event"; readonly name: string; readonly args: unknown[] };

/** A frame for the `/connect` socket. */
export function encodeToServer(msg: ToServerMessage, encoding: Encoding): string | Uint8Array {
  return clientMessages.ToServer.encode(msg, encoding);
}

/** The size of an encoded message on the wire: UTF-8 bytes of a text frame, or its bytes. */
export function wireSize(data: string | Uint8Array): number {
  if (typeof data !== "string") return data.byteLength;
  // Counting without allocating: a UTF-16 unit below 0x80 is one byte, below 0x800 two, a
  // surrogate pair four (two units), any other unit (a lone surrogate becomes U+FFFD) three.
  let bytes = 0;
  for (let i = 0; i < data.length; i++) {
    const unit = data.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < data.length && (data.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Refuses an encoded message over the actor's incoming limit before it is sent: the actor
 * would refuse it with `message.incoming_too_long`, naming neither the limit nor the size,
 * and on a connection it would close the whole socket.
 */
export function assertMessageSize(data: string | Uint8Array, limit: number, what: string): void {
  const size = wireSize(data);
  if (size > limit) {
    throw new ClientMessageTooLongError(
      `${what} is ${size} bytes encoded, over the actor's incoming message limit of ${limit} bytes (maxIncomingMessageSize); nothing was sent`,
      { metadata: { limit, size } },
    );
  }
}

/** Reads a `/connect` frame (a string for json text frames, bytes otherwise). */
export function decodeToClient(data: string | ArrayBuffer | Uint8Array, encoding: Encoding): WireToClient {
  const input = typeof data === "string" ? (encoding === "json" ? data : new TextEncoder().encode(data)) : toBytes(data);
  const { value } = guard(() => clientMessages.ToClient.decode(encoding === "json" && typeof input !== "string" ? new TextDecoder().decode(input) : input, encoding));
  switch (value.tag) {
    case "Init":
      return { tag: "Init", actorId: value.val.actorId, connectionId: value.val.connectionId };
    case "Error":
      return {
        tag: "Error",
        group: value.val.group,
        code: value.val.code,
        message: value.val.message,
        metadata: value.val.metadata ?? undefined,
        actionId: value.val.actionId === null || value.val.actionId === undefined ? null : BigInt(value.val.actionId),
        actor: actorInfo(value.val.actor),
      };
    case "ActionResponse":
      return { tag: "ActionResponse", id: BigInt(value.val.id), output: value.val.output };
    case "Event":
      return { tag: "Event", name: value.val.name, args: Array.isArray(value.val.args) ? value.val.args : [value.val.args] };
  }
}

/** Body of `POST /action/{name}`. */
export function encodeActionRequest(args: readonly unknown[], encoding: Encoding): string | Uint8Array {
  return clientMessages.HttpActionRequest.encode({ args: [...args] }, encoding);
}

/** The output in a successful action answer. */
export function decodeActionResponse(body: Uint8Array, encoding: Encoding): unknown {
  return guard(() => clientMessages.HttpActionResponse.decode(forEncoding(body, encoding), encoding)).value.output;
}

/** Body of `POST /queue/{name}`. */
export function encodeQueueSendRequest(
  req: { name: string; body: unknown; wait: boolean; timeout?: number },
  encoding: Encoding,
): string | Uint8Array {
  return clientMessages.HttpQueueSendRequest.encode(
    { body: req.body, name: req.name, wait: req.wait, ...(req.timeout === undefined ? {} : { timeout: req.timeout }) },
    encoding,
  );
}

/** A queue send answer. */
export function decodeQueueSendResponse(body: Uint8Array, encoding: Encoding): { status: "completed" | "timedOut"; response?: unknown } {
  const { value } = guard(() => clientMessages.HttpQueueSendResponse.decode(forEncoding(body, encoding), encoding));
  return value.response === undefined || value.response === null ? { status: value.status } : { status: value.status, response: value.response };
}

/** A structured error body (throws when the body is not one). */
export function decodeResponseError(body: Uint8Array, encoding: Encoding): WireError {
  const { value } = clientMessages.HttpResponseError.decode(forEncoding(body, encoding), encoding);
  return { group: value.group, code: value.code, message: value.message, metadata: value.metadata ?? undefined, actor: actorInfo(value.actor) };
}

function actorInfo(actor: ActorSpecifier | null | undefined): ActorSpecifier | undefined {
  return actor === null || actor === undefined ? undefined : actor;
}

function forEncoding(body: Uint8Array, encoding: Encoding): Uint8Array | string {
  return encoding === "json" ? new TextDecoder().decode(body) : body;
}

function toBytes(data: ArrayBuffer | Uint8Array): Uint8Array {
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

/** Decoding failures become `client.protocol_error`, keeping the protocol error as cause. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ClientProtocolError(`undecodable message from the server: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
