/**
 * `@actorwire/engine` as a library: build an engine in your own process (tests, embedding)
 * instead of running the `actorwire-engine` command. The engine serves the public API, the
 * runner endpoint and the gateway on one HTTP port, and keeps what it knows in a
 * {@link Storage}. Everything not exported here is internal and may change between versions.
 *
 * - {@link createEngine} builds the engine (in memory unless given a storage) and
 *   {@link listen} starts its server.
 * - {@link SqliteStorage} keeps the data on disk; {@link lockDataDir} makes sure only one
 *   engine uses a data dir.
 * - {@link openApiDocument} describes the public API as OpenAPI.
 *
 * ```ts
 * import { createEngine, listen, lockDataDir, SqliteStorage } from "@actorwire/engine";
 *
 * const lock = lockDataDir(".actorwire/data");
 * const engine = createEngine({ storage: SqliteStorage.open(".actorwire/data/engine.db") });
 * const { port } = await listen(engine.server, { host: "127.0.0.1", port: 0 });
 * // Runners and clients use http://127.0.0.1:<port> as their endpoint.
 * await engine.close();
 * lock.release();
 * ```
 *
 * @packageDocumentation
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
