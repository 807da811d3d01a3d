/**
 * Envoy protocol (engine <-> envoy) codecs, one namespace per published version:
 * `envoy.v8.encodeToRivet`, `envoy.v6.decodeToEnvoy`, and so on. The envoy is how rivetkit
 * 2.3's native core connects to the engine (`/envoys/connect`); a frame carries no version
 * prefix, the connection's `protocol_version` says which layout it uses.
 *
 * There is no v7: no public artefact gives its layout, so it is refused as an unknown version
 * rather than guessed (see `schemas/envoy/README.md`).
 *
 * @packageDocumentation
 */
export * as v1 from "./gen/envoy/v1.js";
export * as v2 from "./gen/envoy/v2.js";
export * as v3 from "./gen/envoy/v3.js";
export * as v4 from "./gen/envoy/v4.js";
export * as v5 from "./gen/envoy/v5.js";
export * as v6 from "./gen/envoy/v6.js";
export * as v8 from "./gen/envoy/v8.js";

import * as chain from "./versioned/envoy.js";

/** Versions 1-6 and 8, read and written through the v8 types. */
export const versioned = { ToRivet: chain.ToRivet, ToEnvoy: chain.ToEnvoy } as const;

/** Every envoy protocol version this package speaks (v7's layout is not known). */
export const VERSIONS = chain.ENVOY_VERSIONS;
/** The newest envoy protocol version, the one rivetkit 2.3.19 speaks. */
export const LATEST_VERSION = 8;
