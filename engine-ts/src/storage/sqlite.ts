import { mkdirSync } from "node:fs";
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

  /** Opens (creating if needed) the database file at `path` and its parent directory. */
  static open(path: string): SqliteStorage {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: Database.Database | undefined;
    try {
      db = new Database(path);
      return new SqliteStorage(db);
    } catch (error) {
      db?.close();
      throw StorageError.from(error);
    }
  }

  private constructor(db: Database.Database) {
    this.#db = db;
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
    this.#db.close();
  }

  #open(): void {
    if (this.#closed) throw new StorageError("storage.closed", "the storage is closed");
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

// better-sqlite3 hands out Buffers; the interface promises plain Uint8Arrays (a Buffer would
// also compare unequal to one in tests). A view avoids copying what SQLite just copied out.
function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
