/**
 * Client protocol (client <-> actor) codecs, one namespace per published version:
 * `client.v4.decodeToClient`, `client.v4.encodeHttpActionRequest`, and so on. In the `bare`
 * encoding each message also carries a 2-byte version prefix (see `withEmbeddedVersion`).
 */
export * as v1 from "./gen/client/v1.js";
export * as v2 from "./gen/client/v2.js";
export * as v3 from "./gen/client/v3.js";
export * as v4 from "./gen/client/v4.js";
