/**
 * A well-formedness check for one CBOR data item (RFC 8949 §5.3 and Appendix C), enough to
 * refuse `rvt-input` that is not CBOR, as Rivet's guard does, without a CBOR library. It
 * checks structure only (heads, lengths, break codes, nesting); it does not decode values.
 */
import { ActorwireError } from "@actorwire/protocol";

/** Why a byte string is not one well-formed CBOR item (`cbor.malformed`), and where. */
export class CborError extends ActorwireError<"cbor.malformed"> {
  override readonly name = "CborError";
  /** Where in the input the problem was found. */
  readonly offset: number;

  constructor(id: "cbor.malformed", message: string, options: { offset: number; cause?: unknown }) {
    super(id, `${message} at byte ${options.offset}`, options);
    this.offset = options.offset;
  }
}

/** Nesting deeper than this is refused, so that hostile input cannot exhaust the stack. */
const MAX_DEPTH = 256;

/**
 * Throws {@link CborError} unless `bytes` is exactly one well-formed CBOR data item.
 * Trailing bytes after the item are refused.
 */
export function assertWellFormedCbor(bytes: Uint8Array): void {
  const end = readItem(bytes, 0, 0, false);
  if (end !== bytes.length) throw new CborError("cbor.malformed", "trailing bytes after the CBOR item", { offset: end });
}

/** Returns the offset after the item at `offset`, or -1 for a break code when `allowBreak`. */
function readItem(bytes: Uint8Array, offset: number, depth: number, allowBreak: boolean): number {
  if (depth > MAX_DEPTH) throw new CborError("cbor.malformed", "CBOR nesting too deep", { offset });
  if (offset >= bytes.length) throw new CborError("cbor.malformed", "unexpected end of CBOR input", { offset });
  const initial = bytes[offset] as number;
  const major = initial >> 5;
  const info = initial & 0x1f;
  let pos = offset + 1;
  if (info === 31) {
    // Indefinite length, or the break code for major type 7.
    switch (major) {
      case 2:
      case 3:
        // Chunks must be definite-length strings of the same major type.
        for (;;) {
          if (pos >= bytes.length) throw new CborError("cbor.malformed", "unterminated indefinite-length string", { offset: pos });
          if (bytes[pos] === 0xff) return pos + 1;
          const chunk = bytes[pos] as number;
          if (chunk >> 5 !== major || (chunk & 0x1f) === 31) throw new CborError("cbor.malformed", "invalid chunk in indefinite-length string", { offset: pos });
          pos = readItem(bytes, pos, depth + 1, false);
        }
      case 4:
        for (;;) {
          const next = readItem(bytes, pos, depth + 1, true);
          if (next < 0) return pos + 1;
          pos = next;
        }
      case 5:
        for (;;) {
          const key = readItem(bytes, pos, depth + 1, true);
          if (key < 0) return pos + 1;
          pos = readItem(bytes, key, depth + 1, false);
        }
      case 7:
        if (!allowBreak) throw new CborError("cbor.malformed", "unexpected break code", { offset });
        return -1;
      default:
        throw new CborError("cbor.malformed", "indefinite length not allowed for this major type", { offset });
    }
  }
  if (info >= 28) throw new CborError("cbor.malformed", "reserved additional information value", { offset });
  let argument = BigInt(info);
  if (info >= 24) {
    const size = 1 << (info - 24);
    if (pos + size > bytes.length) throw new CborError("cbor.malformed", "unexpected end of CBOR input", { offset: pos });
    argument = 0n;
    for (let i = 0; i < size; i++) argument = (argument << 8n) | BigInt(bytes[pos + i] as number);
    pos += size;
  }
  switch (major) {
    case 0:
    case 1:
      return pos;
    case 2:
    case 3: {
      if (argument > BigInt(bytes.length - pos)) throw new CborError("cbor.malformed", "string longer than the input", { offset: pos });
      return pos + Number(argument);
    }
    case 4: {
      if (argument > BigInt(bytes.length - pos)) throw new CborError("cbor.malformed", "array longer than the input", { offset: pos });
      for (let i = 0; i < Number(argument); i++) pos = readItem(bytes, pos, depth + 1, false);
      return pos;
    }
    case 5: {
      if (argument * 2n > BigInt(bytes.length - pos)) throw new CborError("cbor.malformed", "map longer than the input", { offset: pos });
      for (let i = 0; i < Number(argument) * 2; i++) pos = readItem(bytes, pos, depth + 1, false);
      return pos;
    }
    case 6:
      return readItem(bytes, pos, depth + 1, false);
    default:
      // Major type 7: simple values and floats. A one-byte simple value below 32 is not well-formed.
      if (info === 24 && argument < 32n) throw new CborError("cbor.malformed", "invalid simple value", { offset });
      return pos;
  }
}
