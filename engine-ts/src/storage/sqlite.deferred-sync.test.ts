import { fsync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type FsyncFn, SqliteStorage } from "./sqlite.js";

const root = mkdtempSync(join(tmpdir(), "actorwire-deferred-sync-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));
let n = 0;

/**
 * An fsync that runs the real one but holds its callback until the test releases it, and
 * records when each call started, so a test can tell which commits a call can cover.
 */
class HeldFsync {
  readonly calls: { release: (error?: Error) => void }[] = [];
  readonly fn: FsyncFn = (fd, callback) => {
    fsync(fd, (error) => {
      this.calls.push({ release: (injected) => callback(injected === undefined ? error : Object.assign(injected, { code: "EIO" })) });
    });
  };
  async next(count: number): Promise<void> {
    for (let i = 0; i < 500 && this.calls.length < count; i++) await new Promise((r) => setTimeout(r, 2));
    expect(this.calls.length).toBe(count);
  }
}

function state(p: Promise<unknown>): Promise<"pending" | "resolved" | "rejected"> {
  return Promise.race([
    p.then(
      () => "resolved" as const,
      () => "rejected" as const,
    ),
    new Promise<"pending">((r) => setTimeout(() => r("pending"), 20)),
  ]);
}

describe("SqliteStorage.transactionThenSync", () => {
  it("returns the commit at once and resolves `durable` only after an fsync that started after it", async () => {
    const held = new HeldFsync();
    const storage = SqliteStorage.open(join(root, `db-${n++}`, "engine.sqlite"), { fsync: held.fn });
    try {
      const first = storage.transactionThenSync((tx) => (tx.put(enc("a"), enc("1")), "done"));
      expect(first.result).toBe("done");
      // Visible to readers right away; only the answer to the outside waits for the disk.
      expect(dec(storage.get(enc("a")))).toBe("1");
      await held.next(1);
      expect(await state(first.durable)).toBe("pending");

      // A commit made while the first fsync runs is not covered by it: it waits for the next.
      const second = storage.transactionThenSync((tx) => tx.put(enc("b"), enc("2")));
      const third = storage.transactionThenSync((tx) => tx.put(enc("c"), enc("3")));
      held.calls[0]!.release();
      expect(await state(first.durable)).toBe("resolved");
      expect(await state(second.durable)).toBe("pending");
      // One fsync covers both commits made meanwhile.
      await held.next(2);
      held.calls[1]!.release();
      expect(await state(second.durable)).toBe("resolved");
      expect(await state(third.durable)).toBe("resolved");
      expect(held.calls).toHaveLength(2);
      // Other commits keep SQLite's own fsync.
      expect(storage.settings().synchronous).toBe(2);
    } finally {
      storage.close();
    }
  });

  it("fails the store for good when an fsync fails: waiting commits reject and every later call names the failure", async () => {
    const held = new HeldFsync();
    const storage = SqliteStorage.open(join(root, `db-${n++}`, "engine.sqlite"), { fsync: held.fn });
    try {
      const first = storage.transactionThenSync((tx) => tx.put(enc("a"), enc("1")));
      await held.next(1);
      const second = storage.transactionThenSync((tx) => tx.put(enc("b"), enc("2")));
      held.calls[0]!.release(new Error("EIO: i/o error, fsync"));
      await expect(first.durable).rejects.toMatchObject({ id: "storage.backend", message: expect.stringMatching(/fsync of the write-ahead log failed: EIO/) });
      await expect(second.durable).rejects.toMatchObject({ id: "storage.backend" });
      expect(() => storage.get(enc("a"))).toThrow(/fsync of the write-ahead log failed/);
      expect(() => storage.transaction((tx) => tx.put(enc("c"), enc("3")))).toThrow(/fsync of the write-ahead log failed/);
    } finally {
      storage.close();
    }
  });

  it("resolves commits still waiting for their fsync when the store closes (closing checkpoints them)", async () => {
    const held = new HeldFsync();
    const path = join(root, `db-${n++}`, "engine.sqlite");
    const storage = SqliteStorage.open(path, { fsync: held.fn });
    const first = storage.transactionThenSync((tx) => tx.put(enc("a"), enc("1")));
    await held.next(1);
    const second = storage.transactionThenSync((tx) => tx.put(enc("b"), enc("2")));
    storage.close();
    expect(await state(second.durable)).toBe("resolved");
    held.calls[0]!.release();
    expect(await state(first.durable)).toBe("resolved");
    const reopened = SqliteStorage.open(path);
    try {
      expect([dec(reopened.get(enc("a"))), dec(reopened.get(enc("b")))]).toEqual(["1", "2"]);
    } finally {
      reopened.close();
    }
  });

  it("undoes the whole transaction when its body throws, and syncs nothing for it", async () => {
    const held = new HeldFsync();
    const storage = SqliteStorage.open(join(root, `db-${n++}`, "engine.sqlite"), { fsync: held.fn });
    try {
      expect(() =>
        storage.transactionThenSync((tx) => {
          tx.put(enc("a"), enc("1"));
          throw new Error("refused");
        }),
      ).toThrow("refused");
      expect(storage.get(enc("a"))).toBeUndefined();
      await new Promise((r) => setTimeout(r, 20));
      expect(held.calls).toHaveLength(0);
    } finally {
      storage.close();
    }
  });
});
