/**
 * Frames of the testee protocol: a 4-byte big-endian length, then that many bytes of UTF-8
 * JSON. The same framing as connectrpc/conformance's size-delimited messages, so a testee in
 * any language needs nothing but a pipe and a JSON library.
 */

/**
 * The largest frame either side accepts. A 1 MiB payload travels as 2 MiB of hex inside a
 * JSON frame; this leaves room for the largest golden vectors while still catching a testee
 * that prints text on stdout, whose first four characters read as a length of about 1.7 GB.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Encodes one JSON value as a frame. */
export function encodeFrame(message: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(message), "utf8");
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.byteLength, 0);
  return Buffer.concat([header, body]);
}

/** A byte stream that does not follow the framing (too long a frame, or a body that is not JSON). */
export class FramingError extends Error {
  override readonly name = "FramingError";
}

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive; it returns every frame
 * completed so far, parsed, and keeps the rest for the next chunk.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Adds a chunk and returns the JSON values of the frames it completed. Throws {@link FramingError}. */
  push(chunk: Buffer): unknown[] {
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    const out: unknown[] = [];
    for (;;) {
      if (this.buffered < 4) return out;
      const head = this.peek(4);
      const length = head.readUInt32BE(0);
      if (length > MAX_FRAME_BYTES) {
        const ascii = /^[\x20-\x7e]{4}$/.test(head.toString("latin1")) ? ` (the bytes read as text: ${JSON.stringify(head.toString("latin1"))}; logs belong on stderr)` : "";
        throw new FramingError(`frame length ${length} exceeds the ${MAX_FRAME_BYTES}-byte limit${ascii}`);
      }
      if (this.buffered < 4 + length) return out;
      const frame = this.take(4 + length).subarray(4);
      try {
        out.push(JSON.parse(frame.toString("utf8")));
      } catch (error) {
        const start = frame.subarray(0, 60).toString("utf8");
        throw new FramingError(`frame of ${length} bytes is not JSON (${(error as Error).message}): ${JSON.stringify(start)}`);
      }
    }
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.buffered;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0]!.byteLength < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const frame = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.byteLength > 0 ? [rest] : [];
    this.buffered = rest.byteLength;
    return frame;
  }
}
