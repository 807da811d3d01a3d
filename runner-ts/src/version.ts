import { createRequire } from "node:module";

/**
 * The runner package's version, read from its own package.json so that one script bumps every
 * package and nothing else has to change. The path is the same from `src/` (under tsx) and
 * `dist/` (installed), and npm always ships package.json.
 */
export const RUNNER_VERSION: string = (createRequire(import.meta.url)("../package.json") as { version: string }).version;
