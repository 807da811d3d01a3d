import { randomBytes } from "node:crypto";

/**
 * Tunnel message IDs: a 4-byte gateway ID (one per gateway instance), a 4-byte request ID
 * (one per client request or WebSocket) and a u16 message index per direction.
 */

/** A fresh random 4-byte ID as an ArrayBuffer, the type the codecs use for `data[4]`. */
export function randomId4(): ArrayBuffer {
  const bytes = randomBytes(4);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4);
}

/** The hex form of a 4-byte ID, used as a map key and in logs. */
export function idHex(id: ArrayBuffer): string {
  return Buffer.from(id).toString("hex");
}

/** The next message index after `index`, wrapping at 2^16. */
export function nextIndex(index: number): number {
  return (index + 1) & 0xffff;
}

/** `a <= b` for u16 indices that wrap: true when `a` is `b` or up to 32767 steps before it. */
export function wrappingLte(a: number, b: number): boolean {
  return ((b - a) & 0xffff) < 0x8000;
}
