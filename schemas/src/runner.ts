/**
 * Runner protocol (engine <-> runner) codecs, one namespace per published version:
 * `runner.v7.encodeToServer`, `runner.v3.decodeToClient`, and so on. Versions 1-3 and 4-7
 * are two separate families on the wire; see `versioned` for reading and writing any
 * version through the latest type of its family.
 */
export * as v1 from "./gen/runner/v1.js";
export * as v2 from "./gen/runner/v2.js";
export * as v3 from "./gen/runner/v3.js";
export * as v4 from "./gen/runner/v4.js";
export * as v5 from "./gen/runner/v5.js";
export * as v6 from "./gen/runner/v6.js";
export * as v7 from "./gen/runner/v7.js";
