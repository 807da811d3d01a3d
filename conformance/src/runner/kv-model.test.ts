import { describe, expect, it } from "vitest";
import { KvModel } from "./kv-model.js";

const enc = (text: string): ArrayBuffer => new TextEncoder().encode(text).buffer as ArrayBuffer;
const dec = (buf: ArrayBuffer): string => new TextDecoder().decode(buf);

function seeded(): KvModel {
  const m = new KvModel();
  for (const k of ["a1", "a2", "b1", "b2"]) m.put(new TextEncoder().encode(k), new TextEncoder().encode(`v${k}`));
  return m;
}

function listKeys(m: KvModel, query: Parameters<KvModel["apply"]>[0]): string[] {
  const r = m.apply(query);
  if (r.tag !== "KvListResponse" && r.tag !== "KvGetResponse") throw new Error(r.tag);
  return r.val.keys.map(dec);
}

describe("KvModel (the engine's KV semantics)", () => {
  it("includes a range's end unless exclusive, and reverses", () => {
    const range = (exclusive: boolean, reverse: boolean) =>
      listKeys(seeded(), { tag: "KvListRequest", val: { query: { tag: "KvListRangeQuery", val: { start: enc("a1"), end: enc("b1"), exclusive } }, reverse, limit: null } });
    expect(range(false, false)).toEqual(["a1", "a2", "b1"]);
    expect(range(true, false)).toEqual(["a1", "a2"]);
    expect(range(false, true)).toEqual(["b1", "a2", "a1"]);
  });

  it("deletes a half-open range and answers KvDeleteResponse", () => {
    const m = seeded();
    expect(m.apply({ tag: "KvDeleteRangeRequest", val: { start: enc("a"), end: enc("b1") } }).tag).toBe("KvDeleteResponse");
    expect(m.sorted().map(([k]) => new TextDecoder().decode(k))).toEqual(["b1", "b2"]);
  });

  it("answers a get with existing keys only, in key order", () => {
    expect(listKeys(seeded(), { tag: "KvGetRequest", val: { keys: [enc("b2"), enc("zz"), enc("a1")] } })).toEqual(["a1", "b2"]);
  });

  it("lists by prefix with a limit", () => {
    expect(listKeys(seeded(), { tag: "KvListRequest", val: { query: { tag: "KvListPrefixQuery", val: { key: enc("b") } }, reverse: null, limit: 1n } })).toEqual(["b1"]);
  });
});
