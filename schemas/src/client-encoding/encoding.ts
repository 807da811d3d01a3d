import type { ClientEncoding } from "./types.js";

/** Every client encoding, in the order rivetkit lists them. */
export const CLIENT_ENCODINGS: readonly ClientEncoding[] = ["json", "cbor", "bare"];

/** The `content-type` of an HTTP body in `encoding`: JSON is `application/json`, the others binary. */
export function contentTypeFor(encoding: ClientEncoding): string {
  return encoding === "json" ? "application/json" : "application/octet-stream";
}

/**
 * Reads the `x-rivet-encoding` header (or the `<enc>` of a `rivet_encoding.<enc>` WebSocket
 * subprotocol). Missing or unknown values mean `json`, as in Rivet's server.
 */
export function parseEncoding(header: string | null | undefined): ClientEncoding {
  const value = header?.trim();
  return value === "cbor" || value === "bare" || value === "json" ? value : "json";
}
