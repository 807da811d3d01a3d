import { ActorwireError } from "@actorwire/protocol";

/** Codes of {@link StorageError}. */
export type StorageErrorCode =
  /** An argument is not what the storage accepts (not bytes, a bad limit, and so on). */
  | "invalid_argument"
  /** The store was used after `close()`. */
  | "closed"
  /** A transaction was misused: an async body, or its handle used after it ended. */
  | "invalid_transaction"
  /** Stored bytes are not in a format this engine reads (a damaged file, or another writer). */
  | "corrupt"
  /** Another engine process holds the data dir's lock. */
  | "locked"
  /** The backend failed (disk full, I/O error, a locked or corrupt database file). */
  | "backend";

/**
 * Every failure a storage backend raises on purpose. `group.code` is stable, so logs and
 * callers can match on it instead of on message text; the backend's own error, if any, is the
 * `cause`.
 */
export class StorageError extends ActorwireError<`storage.${StorageErrorCode}`> {
  override readonly name = "StorageError";
  declare readonly code: StorageErrorCode;

  /**
   * Normalises what a backend threw into a StorageError (`storage.backend`, with the backend's
   * message), so that callers never see a driver's own error class. A StorageError passes
   * through unchanged.
   */
  static override from(thrown: unknown): StorageError {
    if (thrown instanceof StorageError) return thrown;
    const message = thrown instanceof Error ? thrown.message : String(thrown);
    return new StorageError("storage.backend", message, { cause: thrown });
  }
}
