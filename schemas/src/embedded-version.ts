import { ProtocolError } from "./errors.js";

/**
 * Client-protocol `bare` messages, persisted records and the engine's internal messages
 * start with the schema version as a 2-byte little-endian integer. Runner WebSocket frames
 * never do: their version is fixed by the connection URL.
 */

/** Prepends `version` as a u16 little-endian prefix to an encoded body. */
export function withEmbeddedVersion(version: number, body: Uint8Array): Uint8Array {
  if (!Number.isInteger(version) || version < 0 || version > 0xffff) {
    throw new ProtocolError("protocol.invalid_value", `embedded version ${version} is not a u16`);
  }
  const out = new Uint8Array(body.byteLength + 2);
  out[0] = version & 0xff;
  out[1] = version >>> 8;
  out.set(body, 2);
  return out;
}

/** Splits a message into its embedded version and its body (a view, not a copy). */
export function readEmbeddedVersion(bytes: Uint8Array): { version: number; body: Uint8Array } {
  if (bytes.byteLength < 2) {
    throw new ProtocolError("protocol.malformed", "message is shorter than its 2-byte version prefix", { offset: bytes.byteLength });
  }
  const version = (bytes[0] as number) | ((bytes[1] as number) << 8);
  return { version, body: bytes.subarray(2) };
}
