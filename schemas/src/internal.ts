/**
 * `@actorwire/protocol/internal`: helpers the other actorwire packages and their tests use,
 * but that are not part of this package's public API. Private, not semver: anything here may
 * change or go in any release. (connect-es marks its shared protocol helpers the same way.)
 */
export { ChainBuilder, type LayoutCodec, type VersionedCodec } from "./versioned/chain.js";
export { packIntoUuid, unpackFromUuid, fromUuidPair, toUuidPair } from "./versioned/uuid-compat.js";
export { readEmbeddedVersion, withEmbeddedVersion } from "./embedded-version.js";
export { jsonParseCompat, jsonStringifyCompat } from "./client-encoding/compat.js";
export { codecModules } from "./gen/codecs.js";
export { type Corkable, batchWritesThisTurn } from "./transport/write-batch.js";
