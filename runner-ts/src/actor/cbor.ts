/**
 * CBOR for user values the core persists (state, input, schedule arguments): the protocol
 * package's rivetkit-compatible encoding (cbor-x with rivetkit's settings, values in rivetkit's
 * JSON-compat form), which is what rivetkit itself persists, so BigInt, Uint8Array, Set and
 * `undefined` survive a save, and input written by rivetkit clients decodes here.
 */
import { decodeCbor, encodeCbor } from "@actorwire/protocol";

/** Encodes a user value as CBOR. Throws `ProtocolError` on values CBOR cannot carry. */
export function encodeValue(value: unknown): Uint8Array {
  return encodeCbor(value);
}

/** Decodes one CBOR document. Throws `ProtocolError` on malformed bytes. */
export function decodeValue(bytes: Uint8Array): unknown {
  return decodeCbor(bytes);
}
