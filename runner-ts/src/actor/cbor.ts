/**
 * CBOR for user values the core persists (state, input, schedule arguments). The options are
 * cbor-x's defaults, which is what rivetkit uses, so input written by rivetkit clients decodes
 * here and records written here read the same way in any CBOR decoder.
 */
import { decode, encode } from "cbor-x";

/** Encodes a user value as CBOR. Throws on values CBOR cannot carry (functions, symbols). */
export function encodeValue(value: unknown): Uint8Array {
  return encode(value);
}

/** Decodes one CBOR document. Throws on malformed bytes. */
export function decodeValue(bytes: Uint8Array): unknown {
  return decode(bytes);
}
