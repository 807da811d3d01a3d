import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../storage/memory.js";
import type { Storage, Transaction } from "../storage/storage.js";
import { GroupCommit } from "./group-commit.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

/** A MemoryStorage that counts outermost transactions (each one is a commit). */
class CountingStorage extends MemoryStorage {
  commits = 0;
  failNextCommit = false;
  #depth = 0;
  override transaction<T>(fn: (tx: Transaction) => T): T {
    this.#depth++;
    try {
      const result = super.transaction((tx) => {
        const value = fn(tx);
        if (this.#depth === 1 && this.failNextCommit) {
          this.failNextCommit = false;
          throw new Error("disk full");
        }
        return value;
      });
      if (this.#depth === 1) this.commits++;
      return result;
    } finally {
      this.#depth--;
    }
  }
}

describe("GroupCommit", () => {
  it("runs requests submitted in one turn in one commit, in order, each seeing the earlier ones", async () => {
    const storage = new CountingStorage();
    const commits = new GroupCommit<string | undefined>(storage as Storage);
    const results = await Promise.all([
      commits.submit(() => (storage.write([{ op: "put", key: enc("a"), value: enc("1") }]), "put")),
      commits.submit(() => dec(storage.get(enc("a")))),
      commits.submit(() => (storage.write([{ op: "put", key: enc("a"), value: enc("2") }]), "put")),
      commits.submit(() => dec(storage.get(enc("a")))),
    ]);
    expect(results).toEqual(["put", "1", "put", "2"]);
    expect(storage.commits).toBe(1);
  });

  it("undoes only the writes of a request that throws; the others commit", async () => {
    const storage = new CountingStorage();
    const commits = new GroupCommit<string>(storage as Storage);
    const ok = commits.submit(() => (storage.write([{ op: "put", key: enc("kept"), value: enc("x") }]), "ok"));
    const bad = commits.submit(() => {
      storage.write([{ op: "put", key: enc("undone"), value: enc("y") }]);
      throw new Error("refused");
    });
    await expect(ok).resolves.toBe("ok");
    await expect(bad).rejects.toThrow("refused");
    expect(dec(storage.get(enc("kept")))).toBe("x");
    expect(storage.get(enc("undone"))).toBeUndefined();
    expect(storage.commits).toBe(1);
  });

  it("fails every request of the batch when the commit fails, and stores none of them", async () => {
    const storage = new CountingStorage();
    storage.failNextCommit = true;
    const commits = new GroupCommit<string>(storage as Storage);
    const a = commits.submit(() => (storage.write([{ op: "put", key: enc("a"), value: enc("1") }]), "a"));
    const b = commits.submit(() => (storage.write([{ op: "put", key: enc("b"), value: enc("2") }]), "b"));
    await expect(a).rejects.toThrow("disk full");
    await expect(b).rejects.toThrow("disk full");
    expect(storage.get(enc("a"))).toBeUndefined();
    expect(storage.get(enc("b"))).toBeUndefined();
    // The next batch works again.
    await expect(commits.submit(() => "later")).resolves.toBe("later");
  });

  it("splits a long queue into batches of at most maxBatch", async () => {
    const storage = new CountingStorage();
    const commits = new GroupCommit<number>(storage as Storage, 10);
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => commits.submit(() => i)));
    expect(results).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(storage.commits).toBe(3);
  });

  it("with a store that syncs later, answers a batch only once it is durable, and fails it when the sync fails", async () => {
    const syncs: { resolve: () => void; reject: (e: Error) => void }[] = [];
    const storage = new (class extends MemoryStorage {
      transactionThenSync<T>(fn: (tx: Transaction) => T) {
        const result = this.transaction(fn);
        return { result, durable: new Promise<void>((resolve, reject) => syncs.push({ resolve, reject })) };
      }
    })();
    const commits = new GroupCommit<string>(storage as Storage);
    let answered = false;
    const first = commits.submit(() => (storage.write([{ op: "put", key: enc("a"), value: enc("1") }]), "a")).then((v) => ((answered = true), v));
    for (let i = 0; i < 50 && syncs.length === 0; i++) await new Promise((r) => setImmediate(r));
    expect(syncs).toHaveLength(1);
    // Committed and visible, but not answered before the sync.
    expect(dec(storage.get(enc("a")))).toBe("1");
    await new Promise((r) => setTimeout(r, 10));
    expect(answered).toBe(false);
    // The next turn's batch commits while the first one's sync is still running.
    const second = commits.submit(() => "b");
    for (let i = 0; i < 50 && syncs.length === 1; i++) await new Promise((r) => setImmediate(r));
    expect(syncs).toHaveLength(2);
    syncs[0]!.resolve();
    await expect(first).resolves.toBe("a");
    syncs[1]!.reject(new Error("fsync failed"));
    await expect(second).rejects.toThrow("fsync failed");
  });
});
