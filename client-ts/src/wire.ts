/**
 * The client protocol messages the client sends and receives, in the shapes the rest of the
 * client works with, encoded and decoded by `@actorwire/protocol`'s client encodings (json,
 * cbor, bare with its 2-byte version prefix). This file only adapts shapes; it does no
 * encoding of its own.
 */
import type { Encoding } from "./config.js";

/** A structured error as it crosses the wire. */
export interface WireError {
  readonly group: string;
  readonly code: string;
  readonly message: string;
  readonly metadata: unknown;
  readonly actor?: { readonly actorId: string; readonly generation: number; readonly key?: string } | undefined;
}

/** A message from the actor on a connection. */
export type WireToClient =
  | { readonly tag: "Init"; readonly actorId: string; readonly connectionId: string }
  | (WireError & { readonly tag: "Error"; readonly actionId: bigint | null })
  | { readonly tag: "ActionResponse"; readonly id: bigint; readonly output: unknown }
  | { readonly tag: "Event"; readonly name: string; readonly args: unknown[] };

/** A message to the actor on a connection. */
export type WireToServer =
  | { readonly tag: "ActionRequest"; readonly id: bigint; readonly name: string; readonly args: unknown[] }
  | { readonly tag: "SubscriptionRequest"; readonly eventName: string; readonly subscribe: boolean };

const pending = (): never => {
  throw new Error("client encodings not wired yet");
};

export function contentTypeFor(encoding: Encoding): string {
  return encoding === "json" ? "application/json" : "application/octet-stream";
}
export function encodeCbor(_value: unknown): Uint8Array {
  return pending();
}
export function encodeToServer(_msg: WireToServer, _encoding: Encoding): string | Uint8Array {
  return pending();
}
export function decodeToClient(_data: string | ArrayBuffer | Uint8Array, _encoding: Encoding): WireToClient {
  return pending();
}
export function encodeActionRequest(_args: readonly unknown[], _encoding: Encoding): string | Uint8Array {
  return pending();
}
export function decodeActionResponse(_body: Uint8Array, _encoding: Encoding): unknown {
  return pending();
}
export function encodeQueueSendRequest(
  _req: { name: string; body: unknown; wait: boolean; timeout?: number },
  _encoding: Encoding,
): string | Uint8Array {
  return pending();
}
export function decodeQueueSendResponse(_body: Uint8Array, _encoding: Encoding): { status: "completed" | "timedOut"; response?: unknown } {
  return pending();
}
export function decodeResponseError(_body: Uint8Array, _encoding: Encoding): WireError {
  return pending();
}
