/**
 * fast-check arbitraries for every type of every published version, generated from the same
 * schemas as the codecs. Needs `fast-check` (an optional peer dependency).
 */
export { arbitraryFactories } from "./gen/arbitraries.js";
export type { ArbitraryOptions } from "./runtime/arbitrary-kit.js";
