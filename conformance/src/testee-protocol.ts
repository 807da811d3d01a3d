/**
 * The messages of the codec testee protocol (version 1), shared by the harness and by
 * testees written in TypeScript. The README's "Testee protocol" section is the
 * language-neutral specification; these types are its TypeScript form.
 */
import type { JsonValue } from "@actorwire/fixtures";

export type { JsonValue };

/** The protocol version the harness speaks, sent in the hello. */
export const TESTEE_PROTOCOL_VERSION = 1;

/** The first frame the harness sends. */
export interface HelloRequest {
  op: "hello";
  protocol: number;
}

/** The testee's answer to the hello: who it is and which versions it implements. */
export interface HelloResponse {
  name: string;
  version: string;
  supports: { family: string; versions: number[] }[];
}

/** Decode `hex` as one complete message of `type`. */
export interface DecodeRequest {
  id: number;
  op: "decode";
  family: string;
  version: number;
  type: string;
  hex: string;
}

/** Encode `value` (vector JSON) as one complete message of `type`. */
export interface EncodeRequest {
  id: number;
  op: "encode";
  family: string;
  version: number;
  type: string;
  value: JsonValue;
}

/** A request after the hello. */
export type CodecRequest = DecodeRequest | EncodeRequest;

/** Why a message was refused: a stable code, a message, and for decoding the byte offset. */
export interface TesteeError {
  code: string;
  message: string;
  offset?: number;
}

/** A testee's answer to one request. */
export type CodecResponse =
  | { id: number; ok: true; value: JsonValue }
  | { id: number; ok: true; hex: string }
  | { id: number; ok: false; error: TesteeError }
  | { id: number; skipped: string };
