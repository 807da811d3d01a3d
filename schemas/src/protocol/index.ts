/**
 * The protocol facts every package shares: the actor-key string form, the tunnel's message
 * IDs, and the header, query and subprotocol names. The limits are in `../limits.ts` and the
 * client encodings in `../client-encoding/`.
 */
export * from "./actor-key.js";
export * from "./headers.js";
export * from "./tunnel-ids.js";
