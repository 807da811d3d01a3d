import { closeSync, fsync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { checkBytes, checkMutations, checkSynchronous, normalizeScan } from "./checks.js";
import { StorageError } from "./errors.js";
import type { Entry, Mutation, ScanOptions, Storage, Transaction } from "./storage.js";

/** The on-disk layout this code writes, kept in SQLite's `user_version`. */
const FORMAT_VERSION = 1;

/**
 * The embedded {@link Storage}: one SQLite file holding one table
 * `kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID`. SQLite orders BLOBs with `memcmp` and then
 * by length, which is exactly the raw-byte key order the interface promises, so range scans
 * are plain index range scans.
 *
 * Durability: the database runs in WAL mode with `synchronous=FULL`, so every commit fsyncs
 * the write-ahead log before `write` or `transaction` returns. An acknowledged write therefore
 * survives the process being killed (`kill -9`) and, as far as the disk honours fsync, losing
 * power. Opening the file again replays the log.
 *
 * `transactionThenSync` commits with `synchronous=NORMAL` (the log is written, not yet synced)
 * and then fsyncs the log in libuv's thread pool, resolving `durable` once an fsync that
 * started after the commit has finished. The event loop keeps serving while the disk works,
 * and one fsync covers every commit made while the one before it ran (group commit across
 * turns). A failed fsync fails the store for good: after one, which pages reached the disk is
 * unknown, and retrying the fsync would report success for data that may be lost.
 *
 * One process should own a file. SQLite's own locking keeps a second process from corrupting
 * it (every transaction starts with `BEGIN IMMEDIATE`), but the engine's in-memory state
 * assumes it is the only writer.
 */
export class SqliteStorage implements Storage {
  readonly #db: Database.Database;
  readonly #get: Database.Statement<[Uint8Array], Buffer>;
  readonly #put: Database.Statement<[Uint8Array, Uint8Array]>;
  readonly #delete: Database.Statement<[Uint8Array]>;
  readonly #deleteFrom: Database.Statement<[Uint8Array]>;
  readonly #deleteBetween: Database.Statement<[Uint8Array, Uint8Array]>;
  readonly #scans = new Map<string, Database.Statement<unknown[], [Buffer, Buffer]>>();
  // better-sqlite3 turns this into BEGIN IMMEDIATE/COMMIT, or a savepoint when nested.
  readonly #inTransaction: Database.Transaction<(body: () => unknown) => unknown>;
  #closed = false;
  /** The write-ahead log's file, opened on the first deferred commit. */
  #walFd: number | undefined;
  readonly #fsync: FsyncFn;
  /** Whether an fsync of the log is running. */
  #syncing = false;
  /** Commits made since the running fsync started; the next fsync makes them durable. */
  #unsynced: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Set when an fsync failed; every later call throws it. */
  #failure: StorageError | undefined;

  /** Opens (creating if needed) the database file at `path` and its parent directory. */
  static open(path: string, options: SqliteOptions = {}): SqliteStorage {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      return new SqliteStorage(db, options.fsync ?? fsync);
    } catch (error) {
      db?.close();
      throw StorageError.from(error);
    }
  }

  private constructor(db: Database.Database, fsyncFn: FsyncFn) {
    this.#db = db;
    this.#fsync = fsyncFn;
    const mode = db.pragma("journal_mode = WAL", { simple: true });
    // An in-memory database has no log to write ahead; every file-backed one must get WAL.
    if (mode !== "wal" && db.name !== ":memory:") {
      throw new StorageError("storage.backend", `SQLite refused WAL mode (journal_mode is ${String(mode)})`);
    }
    db.pragma("synchronous = FULL");
    // On macOS a plain fsync leaves data in the drive's cache; these make SQLite ask for a
    // real flush there. Linux ignores them.
    db.pragma("fullfsync = ON");
    db.pragma("checkpoint_fullfsync = ON");
    db.pragma("busy_timeout = 5000");
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version === 0) {
      db.exec("CREATE TABLE IF NOT EXISTS kv (k BLOB PRIMARY KEY NOT NULL, v BLOB NOT NULL) WITHOUT ROWID");
      db.pragma(`user_version = ${FORMAT_VERSION}`);
    } else if (version !== FORMAT_VERSION) {
      throw new StorageError("storage.corrupt", `the database has storage format ${version}; this engine reads format ${FORMAT_VERSION}`);
    }
    this.#get = db.prepare<[Uint8Array], Buffer>("SELECT v FROM kv WHERE k = ?").pluck();
    this.#put = db.prepare("INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v");
    this.#delete = db.prepare("DELETE FROM kv WHERE k = ?");
    this.#deleteFrom = db.prepare("DELETE FROM kv WHERE k >= ?");
    this.#deleteBetween = db.prepare("DELETE FROM kv WHERE k >= ? AND k < ?");
    this.#inTransaction = db.transaction((body: () => unknown) => body());
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.#open();
    checkBytes(key, "key");
    const value = this.#sql(() => this.#get.get(key));
    return value === undefined ? undefined : view(value);
  }

  scan(options?: ScanOptions): Entry[] {
    this.#open();
    const { start, end, endInclusive, reverse, limit } = normalizeScan(options);
    if (limit === 0) return [];
    const params: unknown[] = [];
    if (start !== undefined) params.push(start);
    if (end !== undefined) params.push(end);
    params.push(limit === Infinity ? -1 : limit);
    const statement = this.#scanStatement(start !== undefined, end === undefined ? "none" : endInclusive ? "le" : "lt", reverse);
    const rows = this.#sql(() => statement.all(...params));
    return rows.map(([k, v]) => ({ key: view(k), value: view(v) }));
  }

  write(mutations: readonly Mutation[]): void {
    this.#open();
    checkMutations(mutations);
    if (mutations.length === 0) return;
    this.#sql(() =>
      this.#inTransaction.immediate(() => {
        for (const m of mutations) {
          if (m.op === "put") this.#put.run(m.key, m.value);
          else if (m.op === "delete") this.#delete.run(m.key);
          else this.#deleteRange(m.start, m.end);
        }
      }),
    );
  }

  transaction<T>(fn: (tx: Transaction) => T): T {
    this.#open();
    let active = true;
    const live = (): void => {
      if (!active) throw new StorageError("storage.invalid_transaction", "the transaction has ended");
    };
    const tx: Transaction = {
      get: (key) => (live(), this.get(key)),
      scan: (options) => (live(), this.scan(options)),
      put: (key, value) => {
        live();
        this.#open();
        checkBytes(key, "key");
        checkBytes(value, "value");
        this.#sql(() => this.#put.run(key, value));
      },
      delete: (key) => {
        live();
        this.#open();
        checkBytes(key, "key");
        this.#sql(() => this.#delete.run(key));
      },
      deleteRange: (start, end) => {
        live();
        this.#open();
        checkBytes(start, "start");
        if (end !== undefined) checkBytes(end, "end");
        this.#sql(() => this.#deleteRange(start, end));
      },
    };
    // The body's own errors must reach the caller unchanged; only what SQLite throws around
    // it (BEGIN, COMMIT, a full disk) is turned into a StorageError.
    let bodyFailed = false;
    try {
      return this.#inTransaction.immediate(() => {
        try {
          const result = fn(tx);
          checkSynchronous(result);
          return result;
        } catch (error) {
          bodyFailed = true;
          throw error;
        }
      }) as T;
    } catch (error) {
      throw bodyFailed ? error : StorageError.from(error);
    } finally {
      active = false;
    }
  }

  transactionThenSync<T>(fn: (tx: Transaction) => T): { readonly result: T; readonly durable: Promise<void> } {
    this.#open();
    if (this.#db.memory) return { result: this.transaction(fn), durable: Promise.resolve() };
    // Only this commit skips SQLite's own fsync; every other one keeps `synchronous=FULL`
    // (and its fsync also covers the commits made here before it).
    this.#db.pragma("synchronous = NORMAL");
    let result: T;
    try {
      result = this.transaction(fn);
    } finally {
      this.#db.pragma("synchronous = FULL");
    }
    const durable = new Promise<void>((resolve, reject) => this.#unsynced.push({ resolve, reject }));
    if (!this.#syncing) this.#syncLog();
    return { result, durable };
  }

  /** Fsyncs the log for the commits waiting on it, then again if more came meanwhile. */
  #syncLog(): void {
    const waiting = this.#unsynced;
    this.#unsynced = [];
    let fd: number;
    try {
      fd = this.#walFd ??= openSync(`${this.#db.name}-wal`, "r+");
    } catch (error) {
      this.#fail(waiting, error);
      return;
    }
    this.#syncing = true;
    this.#fsync(fd, (error) => {
      this.#syncing = false;
      if (this.#closed) {
        // Closing checkpointed the log into the fsynced database; the descriptor was kept
        // open for this call and goes now.
        closeSync(fd);
        for (const w of waiting) w.resolve();
        return;
      }
      if (error !== null) {
        this.#fail(waiting, error);
        return;
      }
      for (const w of waiting) w.resolve();
      if (this.#unsynced.length > 0 && this.#failure === undefined) this.#syncLog();
    });
  }

  #fail(waiting: readonly { reject: (error: unknown) => void }[], error: unknown): void {
    this.#failure ??= new StorageError("storage.backend", `fsync of the write-ahead log failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    for (const w of [...waiting, ...this.#unsynced.splice(0)]) w.reject(this.#failure);
  }

  /**
   * The durability settings of this store's connection, as SQLite reports them, so the engine
   * can log them at startup and tests can check them. `synchronous` is 2 for FULL.
   */
  settings(): { path: string; journalMode: string; synchronous: number } {
    this.#open();
    return {
      path: this.#db.name,
      journalMode: String(this.#db.pragma("journal_mode", { simple: true })),
      synchronous: Number(this.#db.pragma("synchronous", { simple: true })),
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing runs a checkpoint that fsyncs the database, so commits still waiting for their
    // log fsync are durable once it returns.
    this.#db.close();
    if (this.#walFd !== undefined && !this.#syncing) closeSync(this.#walFd);
    for (const w of this.#unsynced.splice(0)) w.resolve();
  }

  #open(): void {
    if (this.#closed) throw new StorageError("storage.closed", "the storage is closed");
    if (this.#failure !== undefined) throw this.#failure;
  }

  #deleteRange(start: Uint8Array, end: Uint8Array | undefined): void {
    if (end === undefined) this.#deleteFrom.run(start);
    else this.#deleteBetween.run(start, end);
  }

  // One prepared statement per shape of scan, made on first use.
  #scanStatement(hasStart: boolean, end: "none" | "lt" | "le", reverse: boolean) {
    const shape = `${hasStart ? "s" : ""}${end}${reverse ? "r" : ""}`;
    let statement = this.#scans.get(shape);
    if (statement === undefined) {
      const where = [hasStart ? "k >= ?" : "", end === "lt" ? "k < ?" : end === "le" ? "k <= ?" : ""].filter(Boolean);
      const sql =
        `SELECT k, v FROM kv${where.length > 0 ? ` WHERE ${where.join(" AND ")}` : ""}` +
        ` ORDER BY k ${reverse ? "DESC" : "ASC"} LIMIT ?`;
      statement = this.#db.prepare<unknown[], [Buffer, Buffer]>(sql).raw(true);
      this.#scans.set(shape, statement);
    }
    return statement;
  }

  // Runs SQLite calls so that what they throw arrives as a StorageError.
  #sql<T>(f: () => T): T {
    try {
      return f();
    } catch (error) {
      throw StorageError.from(error);
    }
  }
}

/** `fs.fsync`'s shape; tests pass one that can be held or made to fail. */
export type FsyncFn = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void;

export interface SqliteOptions {
  /** Syncs the write-ahead log for {@link SqliteStorage.transactionThenSync}; `fs.fsync` by default. */
  readonly fsync?: FsyncFn;
}

// better-sqlite3 hands out Buffers; the interface promises plain Uint8Arrays (a Buffer would
// also compare unequal to one in tests). A view avoids copying what SQLite just copied out.
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
