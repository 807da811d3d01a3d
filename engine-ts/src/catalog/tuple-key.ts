import { concatBytes } from "../storage/bytes.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Encodes a list of strings as one storage key whose byte order is the order of the lists,
 * part by part. Each part is its UTF-8 bytes with 0x00 written as 0x00 0xff, followed by a
 * 0x00 terminator (the FoundationDB tuple rule), so no part can run into the next and a
 * shorter part sorts before a longer one with the same start.
 */
export function tupleKey(prefix: Uint8Array, parts: readonly string[]): Uint8Array {
  const chunks: Uint8Array[] = [prefix];
  for (const part of parts) {
    const bytes = encoder.encode(part);
    const escaped: number[] = [];
    for (const b of bytes) {
      escaped.push(b);
      if (b === 0) escaped.push(0xff);
    }
    escaped.push(0);
    chunks.push(Uint8Array.from(escaped));
  }
  return concatBytes(...chunks);
}

/** Reads back the parts of a key made by {@link tupleKey}, after `prefixLength` bytes. */
export function readTupleKey(key: Uint8Array, prefixLength: number): string[] {
  const parts: string[] = [];
  let current: number[] = [];
  for (let i = prefixLength; i < key.length; i++) {
    const b = key[i] as number;
    if (b === 0 && key[i + 1] === 0xff) {
      current.push(0);
      i++;
    } else if (b === 0) {
      parts.push(decoder.decode(Uint8Array.from(current)));
      current = [];
    } else current.push(b);
  }
  return parts;
}
