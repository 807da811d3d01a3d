import { randomBytes } from "node:crypto";
import { exactArrayBuffer } from "@actorwire/protocol";

/**
 * Tunnel message IDs: a 4-byte gateway ID (one per gateway instance), a 4-byte request ID
 * (one per client request or WebSocket) and a u16 message index per direction. The index ring
 * and the hex form both ends key by are `@actorwire/protocol`'s (`nextU16`, `idHex`, …); only
 * the engine makes IDs.
 */

/** A fresh random 4-byte ID as an ArrayBuffer, the type the codecs use for `data[4]`. */
export function randomId4(): ArrayBuffer {
  return exactArrayBuffer(randomBytes(4));
}
