/**
 * Small byte helpers for the hot paths: the generated codecs want exact `ArrayBuffer`s for
 * BARE `data`, while callers hand us `Uint8Array`s that may be views on larger buffers. The
 * tunnel's u16 index ring and ID hex are the protocol's (`nextU16`, `wrappingLtU16`, `idHex`).
 */

export { exactArrayBuffer } from "@actorwire/protocol";


/** Compares two byte strings. */
export function bytesEqual(a: ArrayBuffer, b: ArrayBuffer): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** A 4-byte tunnel ID (gateway or request) as an unsigned 32-bit number, for map keys. */
export function id32(id: ArrayBuffer): number {
  if (id.byteLength !== 4) {
    // The codec fixes these at 4 bytes; anything else cannot come from a decoded message.
    let h = 0;
    for (const b of new Uint8Array(id)) h = (Math.imul(h, 31) + b) >>> 0;
    return h;
  }
  const v = new Uint8Array(id);
  return ((v[0] as number) * 0x1000000 + (((v[1] as number) << 16) | ((v[2] as number) << 8) | (v[3] as number))) >>> 0;
}
