import { createRequire } from "node:module";

/**
 * The engine's version, read from its own package.json so that one script bumps every
 * package and nothing else has to change. The path is the same from `src/` and `dist/`.
 */
export const ENGINE_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
