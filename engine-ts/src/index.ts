/**
 * `@actorwire/engine` as a library: build an engine in your own process (tests, embedding)
 * instead of running the `actorwire-engine` command. Everything else in this package is
 * internal and may change between versions.
 */
export { createEngine, listen, type Engine, type EngineOptions, type ServerOptions } from "./server.js";
export { parseEngineCommand, UsageError, ENGINE_USAGE, type EngineCliOptions, type EngineCommand } from "./config.js";
export { SqliteStorage } from "./storage/sqlite.js";
export { MemoryStorage } from "./storage/memory.js";
export { lockDataDir, LOCK_FILE, type DataDirLock } from "./storage/data-dir-lock.js";
export { StorageError, type StorageErrorCode } from "./storage/errors.js";
export type { Storage, Entry, Mutation, ScanOptions, Transaction } from "./storage/storage.js";
export { ENGINE_VERSION } from "./version.js";
export { openApiDocument, type OpenApiOptions } from "./api/openapi.js";
