/**
 * Runner protocol (engine <-> runner) codecs, one namespace per published version:
 * `runner.v7.encodeToServer`, `runner.v3.decodeToClient`, and so on. Versions 1-3 and 4-7
 * are two separate families on the wire; see `versioned` for reading and writing any
 * version through the latest type of its family.
 *
 * @packageDocumentation
 */
export * as v1 from "./gen/runner/v1.js";
export * as v2 from "./gen/runner/v2.js";
export * as v3 from "./gen/runner/v3.js";
export * as v4 from "./gen/runner/v4.js";
export * as v5 from "./gen/runner/v5.js";
export * as v6 from "./gen/runner/v6.js";
export * as v7 from "./gen/runner/v7.js";

import * as mk1 from "./versioned/runner-mk1.js";
import * as mk2 from "./versioned/runner-mk2.js";

/** Versions 1-3, read and written through the v3 types. */
export const mk1Versioned = { ToServer: mk1.ToServer, ToClient: mk1.ToClient } as const;
/** Versions 4-7, read and written through the v7 types. */
export const mk2Versioned = { ToServer: mk2.ToServer, ToClient: mk2.ToClient } as const;

/** Every runner protocol version this package speaks. */
export const VERSIONS = [1, 2, 3, 4, 5, 6, 7] as const;
/** The newest runner protocol version. */
export const LATEST_VERSION = 7;

/**
 * The versioned codecs for a connection's `protocol_version`: versions 1-3 and 4-7 are
 * different families on the wire and have different latest types.
 */
export function versionedFor(version: number): typeof mk1Versioned | typeof mk2Versioned {
  return version <= 3 ? mk1Versioned : mk2Versioned;
}
