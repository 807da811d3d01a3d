/**
 * Tunnel message IDs as both ends of the runner tunnel use them: a 4-byte gateway ID, a 4-byte
 * request ID, and a u16 message index per direction that wraps from 65535 to 0. The compares
 * are Rivet's (`wrappingLtU16`/`wrappingLteU16` in its runner): on the ring, `a` is before `b`
 * when `b` is 1 to 32767 steps after it.
 */

/** The message index after `index`, wrapping at 2^16. */
export function nextU16(index: number): number {
  return (index + 1) & 0xffff;
}

/** The message index before `index`, wrapping at 2^16 (the last one sent, given the next). */
export function previousU16(index: number): number {
  return (index - 1) & 0xffff;
}

/** `a < b` on the u16 ring: `b` is 1 to 32767 steps after `a`. */
export function wrappingLtU16(a: number, b: number): boolean {
  return a !== b && ((b - a) & 0xffff) < 0x8000;
}

/** `a <= b` on the u16 ring: `a` is `b`, or `b` is 1 to 32767 steps after it. */
export function wrappingLteU16(a: number, b: number): boolean {
  return ((b - a) & 0xffff) < 0x8000;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/**
 * The lower-case hex of a tunnel ID, for map keys and logs. Written out by hand rather than
 * with Node's `Buffer`, so that the protocol package has no Node dependency here.
 */
export function idHex(id: ArrayBuffer | ArrayBufferView): string {
  const bytes = ArrayBuffer.isView(id) ? new Uint8Array(id.buffer, id.byteOffset, id.byteLength) : new Uint8Array(id);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number];
  return out;
}
