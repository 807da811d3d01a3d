import * as bare from "@bare-ts/lib";
import { ProtocolError, fromUnknown } from "../errors.js";

/** Options for decoding one message. */
export interface DecodeOptions {
  /**
   * Largest message accepted, in bytes. Defaults to 32 MiB, the same bound as Rivet's
   * TypeScript codec, so a peer can never make us hold more than that for one frame.
   */
  readonly maxBytes?: number;
}

/** The default {@link DecodeOptions.maxBytes}. */
export const DEFAULT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

const DECODE_CONFIG = bare.Config({ maxBufferLength: DEFAULT_MAX_MESSAGE_BYTES });

/**
 * Decodes exactly one value from `bytes` and requires that nothing follows it.
 *
 * Every failure, whatever the library threw (its own BareError, a RangeError from a
 * DataView, a TypeError from a UTF-8 decoder), comes out as one ProtocolError carrying the
 * offset where reading stopped. The library checks every length against the bytes left
 * before it allocates, and the generator refuses schemas with zero-width list items, so a
 * hostile length prefix fails fast instead of allocating or looping.
 */
export function decodeRoot<T>(bytes: Uint8Array, read: (bc: bare.ByteCursor) => T, options?: DecodeOptions): T {
  const max = options?.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (bytes.byteLength > max) {
    throw new ProtocolError("protocol.too_large", `message of ${bytes.byteLength} bytes exceeds the ${max}-byte limit`, { offset: 0 });
  }
  // The library copies blobs out with `slice()`, which on a Node Buffer (what `ws` and
  // `http` hand us) returns a view into a shared pool, so a decoded 3-byte field would expose
  // the whole 8 KiB pool. A plain Uint8Array view of the same memory makes `slice()` copy.
  const input =
    Object.getPrototypeOf(bytes) === Uint8Array.prototype
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bc = new bare.ByteCursor(input, DECODE_CONFIG);
  let value: T;
  try {
    value = read(bc);
  } catch (thrown) {
    if (thrown instanceof bare.BareError) {
      // The library sometimes reports an offset before the start of the input (its
      // canonical-ULEB check says -1); the cursor position is then the honest answer.
      const offset = thrown.offset >= 0 && thrown.offset <= bytes.byteLength ? thrown.offset : bc.offset;
      throw new ProtocolError("protocol.malformed", thrown.issue, { offset, cause: thrown });
    }
    throw fromUnknown(thrown, Math.min(bc.offset, bytes.byteLength));
  }
  if (bc.offset < bytes.byteLength) {
    throw new ProtocolError("protocol.malformed", `${bytes.byteLength - bc.offset} bytes remain after the message`, { offset: bc.offset });
  }
  return value;
}

const ENCODE_CONFIG = bare.Config({
  initialBufferLength: 4096,
  maxBufferLength: DEFAULT_MAX_MESSAGE_BYTES * 2,
});

// One scratch cursor is reused by every encode: encoding is synchronous and never
// re-entrant, and keeping the grown buffer avoids re-growing it for every large message.
let scratch = freshScratch();

/** Keep at most this much scratch memory between calls. */
const SCRATCH_KEEP_BYTES = 1024 * 1024;

/**
 * Encodes one value into a Uint8Array that the caller owns. For messages over 1 MiB it is a
 * view on the start of a larger buffer: use its byteOffset and byteLength, not `.buffer`.
 *
 * `versionPrefix`, when given, is written first as the 2-byte little-endian embedded version
 * (client-protocol `bare` messages, persisted records), straight into the scratch buffer, so
 * a prefixed message costs no more copies than a plain one.
 */
export function encodeRoot<T>(x: T, write: (bc: bare.ByteCursor, x: T) => void, versionPrefix?: number): Uint8Array {
  if (versionPrefix !== undefined && (!Number.isInteger(versionPrefix) || versionPrefix < 0 || versionPrefix > 0xffff)) {
    throw new ProtocolError("protocol.invalid_value", `embedded version ${versionPrefix} is not a u16`);
  }
  const bc = scratch;
  bc.offset = 0;
  try {
    if (versionPrefix !== undefined) bare.writeU16(bc, versionPrefix);
    write(bc, x);
  } catch (thrown) {
    if (bc.bytes.byteLength > SCRATCH_KEEP_BYTES) scratch = freshScratch();
    throw fromUnknown(thrown);
  }
  if (bc.bytes.byteLength > SCRATCH_KEEP_BYTES) {
    // A buffer this large is not kept for the next call, so the caller may as well have it
    // instead of a copy: one fewer multi-MiB copy per large message.
    scratch = freshScratch();
    return bc.bytes.subarray(0, bc.offset);
  }
  return bc.bytes.slice(0, bc.offset);
}

function freshScratch(): bare.ByteCursor {
  return new bare.ByteCursor(new Uint8Array(ENCODE_CONFIG.initialBufferLength), ENCODE_CONFIG);
}
