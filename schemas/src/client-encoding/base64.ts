import { ProtocolError } from "../errors.js";

/**
 * Standard base64 (with padding) through `btoa`/`atob`, which browsers and Node 20 both have,
 * so that this package never needs `Buffer`.
 */

// String.fromCharCode takes its bytes as arguments; chunks keep the argument count far below
// every engine's limit while staying much faster than one call per byte.
const CHUNK = 0x8000;

/** Encodes bytes as standard base64 with padding, as rivetkit writes it. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes standard base64; anything `atob` refuses becomes a ProtocolError. */
export function base64ToBytes(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch (thrown) {
    throw new ProtocolError("protocol.malformed", "invalid base64 in a compat value", { cause: thrown });
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
