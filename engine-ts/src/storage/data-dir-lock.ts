import { mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { StorageError } from "./errors.js";

/** The file in a data dir whose lock marks the dir as owned by one engine process. */
export const LOCK_FILE = "engine.lock";

/** An exclusive hold on a data dir; released by `release()` or, whatever happens, at process exit. */
export interface DataDirLock {
  /** The lock file, {@link LOCK_FILE} inside the data dir. */
  readonly path: string;
  /** Releases the lock so that another engine may take the dir; calling it again does nothing. */
  release(): void;
}

/**
 * Takes the exclusive lock on `dataDir`, or throws a `StorageError` (code `locked`) naming the
 * dir when another engine holds it. Two engines on one dir would each believe they own every
 * actor in it, so the second must refuse to start rather than share it silently.
 *
 * The lock is SQLite's own file lock on a small database beside the data, held in
 * `locking_mode=EXCLUSIVE` after one write. The operating system drops it when the process
 * dies, even by `kill -9`, so there is never a stale lock to clean up, and it works across
 * containers that mount the same volume. A pid file could do neither reliably.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: 0 });
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS owner (pid INTEGER, started_at TEXT)");
    db.prepare("DELETE FROM owner").run();
    db.prepare("INSERT INTO owner (pid, started_at) VALUES (?, ?)").run(process.pid, new Date().toISOString());
  } catch (error) {
    db?.close();
    const code = (error as { code?: unknown }).code;
    if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") {
      throw new StorageError("storage.locked", `the data dir ${dataDir} is in use by another engine (it holds the lock on ${path}); stop that engine or choose another --data-dir`);
    }
    throw StorageError.from(error);
  }
  const held = db;
  return {
    path,
    release: () => {
      if (held.open) held.close();
    },
  };
}
