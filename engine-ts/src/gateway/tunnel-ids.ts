import { randomBytes } from "node:crypto";

/**
 * Tunnel message IDs: a 4-byte gateway ID (one per gateway instance), a 4-byte request ID
 * (one per client request or WebSocket) and a u16 message index per direction. The index ring
 * and the hex form both ends key by are `@actorwire/protocol`'s (`nextU16`, `idHex`, …); only
 * the engine makes IDs.
 */

/**
 * Random bytes are drawn 4 KiB at a time: a call into the system's generator per request cost
 * about 10 µs, 6% of the engine's time on the action path, and a slice of a pool costs nothing.
 */
const POOL_BYTES = 4096;
let pool: Buffer = Buffer.alloc(0);
let offset = 0;

/** A fresh random 4-byte ID as an ArrayBuffer, the type the codecs use for `data[4]`. */
export function randomId4(): ArrayBuffer {
  if (offset + 4 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    offset = 0;
  }
  const start = pool.byteOffset + offset;
  offset += 4;
  return pool.buffer.slice(start, start + 4) as ArrayBuffer;
}
