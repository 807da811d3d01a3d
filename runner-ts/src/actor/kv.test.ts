import { describe, expect, it } from "vitest";
import { MemoryKv } from "../testing/memory-runner.js";
import { UserKv } from "./kv.js";

describe("UserKv", () => {
  it("keeps user keys under prefix [4] and strips it when listing", async () => {
    const store = new MemoryKv();
    const kv = new UserKv(store, "a");
    await kv.put("b", "2");
    await kv.put("a", "1");
    await kv.put("c", "3");
    expect([...(await store.list("a", { kind: "all" }))[0]![0]]).toEqual([4, 97]);
    expect(await kv.get("a")).toBe("1");
    expect(await kv.get("missing")).toBeNull();
    expect(await kv.list()).toEqual([["a", "1"], ["b", "2"], ["c", "3"]]);
    expect(await kv.listRange("a", "c")).toEqual([["a", "1"], ["b", "2"]]);
    expect(await kv.list(undefined, { reverse: true, limit: 2 })).toEqual([["c", "3"], ["b", "2"]]);
  });

  it("handles binary keys and values, batches, and ranges", async () => {
    const kv = new UserKv(new MemoryKv(), "a");
    await kv.batchPut([
      [Uint8Array.of(1, 2), Uint8Array.of(9)],
      [Uint8Array.of(1, 3), Uint8Array.of(8)],
      ["x", "y"],
    ]);
    expect(await kv.get(Uint8Array.of(1, 2), { type: "binary" })).toEqual(Uint8Array.of(9));
    const ab = await kv.get(Uint8Array.of(1, 3), { type: "arrayBuffer" });
    expect(ab).toBeInstanceOf(ArrayBuffer);
    expect(await kv.listPrefix(Uint8Array.of(1), { keyType: "binary", type: "binary" })).toEqual([
      [Uint8Array.of(1, 2), Uint8Array.of(9)],
      [Uint8Array.of(1, 3), Uint8Array.of(8)],
    ]);
    expect(await kv.batchGet(["x", "nope"])).toEqual(["y", null]);
    await kv.deleteRange(Uint8Array.of(1), Uint8Array.of(2));
    await kv.batchDelete(["x"]);
    expect(await kv.list()).toEqual([]);
  });
});
