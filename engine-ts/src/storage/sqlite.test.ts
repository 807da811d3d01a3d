import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStorage } from "./sqlite.js";
import { describeStorage } from "./storage.suite.js";

const root = mkdtempSync(join(tmpdir(), "actorwire-sqlite-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
const paths = new WeakMap<object, string>();

describeStorage("SqliteStorage", {
  create() {
    const path = join(root, `db-${counter++}`, "engine.sqlite");
    const storage = SqliteStorage.open(path);
    paths.set(storage, path);
    return storage;
  },
  reopen(storage) {
    const path = paths.get(storage)!;
    storage.close();
    return SqliteStorage.open(path);
  },
  // Every commit is an fsync, so fewer runs keep the file fast; the memory backend runs more.
  propertyRuns: 60,
});

describe("SqliteStorage settings", () => {
  it("runs in WAL mode with synchronous=FULL", () => {
    const storage = SqliteStorage.open(join(root, "settings", "engine.sqlite"));
    try {
      expect(storage.settings()).toMatchObject({ journalMode: "wal", synchronous: 2 });
    } finally {
      storage.close();
    }
  });

  it("refuses a file written in another storage format", async () => {
    const path = join(root, "format", "engine.sqlite");
    SqliteStorage.open(path).close();
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(path);
    db.pragma("user_version = 99");
    db.close();
    expect(() => SqliteStorage.open(path)).toThrow(/storage format 99/);
  });
});
