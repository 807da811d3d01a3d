import { decode as cborxDecode, encode as cborxEncode } from "cbor-x";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../runtime/root-codec.js";
import { ProtocolError } from "../errors.js";
import { fromCompat, guard, toCompat } from "./compat.js";

/**
 * CBOR as rivetkit writes it. rivetkit 2.3.19 calls cbor-x's module-level `encode` and
 * `decode`, i.e. an Encoder and a Decoder built with `{ useRecords: false }` and nothing else:
 * plain objects become CBOR maps with a 2-byte length (`b9 00 nn`), bigints 64-bit integers
 * (`1b`/`3b`, tag 2/3 past 64 bits), Uint8Arrays tag 64, Sets tag 258, Maps tag 259, Dates tag
 * 1, `undefined` simple value 23, and doubles stay 64-bit floats. Using the same pinned cbor-x
 * with the same defaults gives the same bytes. The decoder keeps no state between calls.
 */

/** Checks the size limit shared by every decoder in this module. */
export function checkSize(length: number, what: string): void {
  if (length > DEFAULT_MAX_MESSAGE_BYTES) {
    throw new ProtocolError("protocol.too_large", `${what} of ${length} bytes exceeds the ${DEFAULT_MAX_MESSAGE_BYTES}-byte limit`, { offset: 0 });
  }
}

/** Encodes a value with rivetkit's cbor-x settings, exactly as given (no compat form). */
export function encodeCborRaw(value: unknown): Uint8Array {
  return guard("invalid_value", () => {
    const encoded = cborxEncode(value);
    // cbor-x returns a Node Buffer on Node; hand out a plain Uint8Array view of it.
    return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
  });
}

/** Decodes one CBOR document with rivetkit's cbor-x settings; trailing bytes are an error. */
export function decodeCborRaw(bytes: Uint8Array): unknown {
  checkSize(bytes.byteLength, "CBOR document");
  if (bytes.byteLength === 0) throw new ProtocolError("protocol.malformed", "empty CBOR document", { offset: 0 });
  return guard("malformed", () => cborxDecode(bytes));
}

/**
 * The CBOR document rivetkit writes for a user value (its `encodeCborCompat`): the value in
 * JSON compat form (see `compat.ts`), then cbor-x. This is what `bare` messages carry in their
 * `Cbor` fields (action arguments and outputs, event arguments, error metadata, queue bodies).
 */
export function encodeCbor(value: unknown): Uint8Array {
  return encodeCborRaw(toCompat(value));
}

/** Reads a CBOR document written by {@link encodeCbor} or by rivetkit (its `decodeCborCompat`). */
export function decodeCbor(bytes: Uint8Array): unknown {
  const raw = decodeCborRaw(bytes);
  return guard("malformed", () => fromCompat(raw));
}
