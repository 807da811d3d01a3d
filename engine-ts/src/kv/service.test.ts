import type { runner } from "@actorwire/protocol";
import { describe, expect, it } from "vitest";
import { MemoryStorage } from "../storage/memory.js";
import { ActorKvKeys } from "./layout.js";
import { DEFAULT_KV_LIMITS, type KvLimits } from "./limits.js";
import { encodeUsage } from "./record.js";
import { KvService } from "./service.js";

type Request = runner.v7.KvRequestData;
type Response = runner.v7.KvResponseData;

const NOW = 1_700_000_000_123;
const ACTOR = "0123456789abcdefghijklmnopqrst";

const utf8 = new TextEncoder();
const str = (s: string): ArrayBuffer => utf8.encode(s).buffer as ArrayBuffer;
const bytes = (length: number, fill = 0x61): ArrayBuffer => new Uint8Array(length).fill(fill).buffer as ArrayBuffer;
const text = (b: ArrayBuffer): string => new TextDecoder().decode(b);

function service(limits?: Partial<KvLimits>, storage = new MemoryStorage()): KvService {
  let clock = NOW;
  return new KvService({ storage, version: "actorwire-test 1.2.3", limits, now: () => clock++ });
}

const get = (keys: ArrayBuffer[]): Request => ({ tag: "KvGetRequest", val: { keys } });
const put = (entries: Record<string, string>): Request => ({
  tag: "KvPutRequest",
  val: { keys: Object.keys(entries).map(str), values: Object.values(entries).map(str) },
});
const putRaw = (keys: ArrayBuffer[], values: ArrayBuffer[]): Request => ({ tag: "KvPutRequest", val: { keys, values } });
const del = (keys: ArrayBuffer[]): Request => ({ tag: "KvDeleteRequest", val: { keys } });
const delRange = (start: ArrayBuffer, end: ArrayBuffer): Request => ({ tag: "KvDeleteRangeRequest", val: { start, end } });
const drop: Request = { tag: "KvDropRequest", val: null };
const list = (query: runner.v7.KvListQuery, reverse: boolean | null = null, limit: bigint | null = null): Request => ({
  tag: "KvListRequest",
  val: { query, reverse, limit },
});
const all: runner.v7.KvListQuery = { tag: "KvListAllQuery", val: null };
const range = (start: string, end: string, exclusive = false): runner.v7.KvListQuery => ({
  tag: "KvListRangeQuery",
  val: { start: str(start), end: str(end), exclusive },
});
const prefix = (key: ArrayBuffer): runner.v7.KvListQuery => ({ tag: "KvListPrefixQuery", val: { key } });

/** The keys of a get or list answer, as text. */
function keysOf(response: Response): string[] {
  if (response.tag !== "KvGetResponse" && response.tag !== "KvListResponse") {
    throw new Error(`expected entries, got ${response.tag} ${JSON.stringify(response.val)}`);
  }
  return response.val.keys.map(text);
}

function expectOk(response: Response, tag: Response["tag"]): void {
  if (response.tag === "KvErrorResponse") expect.fail(`refused: ${response.val.message}`);
  expect(response.tag).toBe(tag);
}

function expectRefused(response: Response, message: string): void {
  expect(response).toEqual({ tag: "KvErrorResponse", val: { message } });
}

describe("KvService requests", () => {
  it("gets only the keys that exist, in the order asked", () => {
    const kv = service();
    expectOk(kv.execute(ACTOR, put({ a: "1", b: "2", c: "3" })), "KvPutResponse");
    const response = kv.execute(ACTOR, get([str("c"), str("missing"), str("a"), str("c")]));
    expect(keysOf(response)).toEqual(["c", "a", "c"]);
    if (response.tag !== "KvGetResponse") throw new Error("unreachable");
    expect(response.val.values.map(text)).toEqual(["3", "1", "3"]);
    expect(kv.execute(ACTOR, get([str("nothing")]))).toEqual({
      tag: "KvGetResponse",
      val: { keys: [], values: [], metadata: [] },
    });
  });

  it("answers metadata with the engine version and the write time", () => {
    const kv = service();
    kv.execute(ACTOR, put({ a: "1" }));
    kv.execute(ACTOR, put({ b: "2" }));
    kv.execute(ACTOR, put({ a: "again" }));
    const response = kv.execute(ACTOR, list(all));
    if (response.tag !== "KvListResponse") throw new Error(response.tag);
    expect(response.val.metadata).toEqual([
      { version: str("actorwire-test 1.2.3"), updateTs: BigInt(NOW + 2) },
      { version: str("actorwire-test 1.2.3"), updateTs: BigInt(NOW + 1) },
    ]);
    expect(typeof response.val.metadata[0]!.updateTs).toBe("bigint");
  });

  it("lists everything in raw byte order, forwards by default", () => {
    const kv = service();
    const keys = [[0xff], [0x80], [0x00], [0x7f], [], [0x00, 0x00]].map((k) => Uint8Array.from(k).buffer as ArrayBuffer);
    kv.execute(ACTOR, putRaw(keys, keys.map(() => bytes(1))));
    const response = kv.execute(ACTOR, list(all));
    if (response.tag !== "KvListResponse") throw new Error(response.tag);
    expect(response.val.keys.map((k) => Array.from(new Uint8Array(k)))).toEqual([[], [0x00], [0x00, 0x00], [0x7f], [0x80], [0xff]]);
  });

  it("includes the end of a range unless it is exclusive, and reverses on request", () => {
    const kv = service();
    kv.execute(ACTOR, put({ a1: "", a2: "", b1: "", b2: "", c: "" }));
    // The case Rivet's engine was observed answering: a1..b1 reversed gives b1, a2, a1.
    expect(keysOf(kv.execute(ACTOR, list(range("a1", "b1"), true)))).toEqual(["b1", "a2", "a1"]);
    expect(keysOf(kv.execute(ACTOR, list(range("a1", "b1", true))))).toEqual(["a1", "a2"]);
    expect(keysOf(kv.execute(ACTOR, list(range("a", "b"))))).toEqual(["a1", "a2"]);
    expect(keysOf(kv.execute(ACTOR, list(range("c", "a"))))).toEqual([]);
    expect(keysOf(kv.execute(ACTOR, list(range("a1", "c"), false, 2n)))).toEqual(["a1", "a2"]);
    expect(keysOf(kv.execute(ACTOR, list(range("a1", "c"), true, 2n)))).toEqual(["c", "b2"]);
  });

  it("lists a prefix, the prefix itself and keys continuing with 0xFF included", () => {
    const kv = service();
    const keys = [[0x61], [0x61, 0x00], [0x61, 0x62], [0x61, 0xff], [0x61, 0xff, 0xff], [0x62]].map(
      (k) => Uint8Array.from(k).buffer as ArrayBuffer,
    );
    kv.execute(ACTOR, putRaw(keys, keys.map(() => bytes(0))));
    const response = kv.execute(ACTOR, list(prefix(str("a"))));
    if (response.tag !== "KvListResponse") throw new Error(response.tag);
    expect(response.val.keys.map((k) => Array.from(new Uint8Array(k)))).toEqual([
      [0x61],
      [0x61, 0x00],
      [0x61, 0x62],
      [0x61, 0xff],
      [0x61, 0xff, 0xff],
    ]);
    expect(keysOf(kv.execute(ACTOR, list(prefix(str("a")), true, 1n)))).toEqual([text(Uint8Array.of(0x61, 0xff, 0xff).buffer)]);
  });

  it("returns at most 16,384 entries when a list gives no limit", () => {
    const kv = service();
    const batch = 128;
    for (let n = 0; n < 16_385; n += batch) {
      const keys: ArrayBuffer[] = [];
      for (let i = n; i < Math.min(n + batch, 16_385); i++) keys.push(str(String(i).padStart(6, "0")));
      expectOk(kv.execute(ACTOR, putRaw(keys, keys.map(() => bytes(0)))), "KvPutResponse");
    }
    expect(keysOf(kv.execute(ACTOR, list(all)))).toHaveLength(16_384);
    expect(keysOf(kv.execute(ACTOR, list(all, false, 20_000n)))).toHaveLength(16_385);
    expect(keysOf(kv.execute(ACTOR, list(all, false, 0xffff_ffff_ffff_ffffn)))).toHaveLength(16_385);
    expect(keysOf(kv.execute(ACTOR, list(all, false, 0n)))).toEqual([]);
  });

  it("deletes keys, and a half-open range answered as a delete", () => {
    const kv = service();
    kv.execute(ACTOR, put({ a1: "", a2: "", b1: "", c: "" }));
    // Rivet's observed case: deleting a..b removes a1 and a2 and keeps b1.
    expect(kv.execute(ACTOR, delRange(str("a"), str("b")))).toEqual({ tag: "KvDeleteResponse", val: null });
    expect(keysOf(kv.execute(ACTOR, list(all)))).toEqual(["b1", "c"]);
    expect(kv.execute(ACTOR, delRange(str("c"), str("b")))).toEqual({ tag: "KvDeleteResponse", val: null });
    expect(keysOf(kv.execute(ACTOR, list(all)))).toEqual(["b1", "c"]);
    expect(kv.execute(ACTOR, delRange(str("c"), str("c0")))).toEqual({ tag: "KvDeleteResponse", val: null });
    expect(kv.execute(ACTOR, del([str("b1"), str("never")]))).toEqual({ tag: "KvDeleteResponse", val: null });
    expect(keysOf(kv.execute(ACTOR, list(all)))).toEqual([]);
  });

  it("drops everything of one actor and nothing of another", () => {
    const kv = service();
    // Two IDs where one is a prefix of the other must still not see each other's keys.
    kv.execute("actor", put({ a: "1", b: "2" }));
    kv.execute("actor2", put({ a: "other" }));
    expect(kv.execute("actor", drop)).toEqual({ tag: "KvDropResponse", val: null });
    expect(keysOf(kv.execute("actor", list(all)))).toEqual([]);
    expect(kv.usage("actor")).toEqual({ bytes: 0, keys: 0 });
    expect(keysOf(kv.execute("actor2", list(all)))).toEqual(["a"]);
    expect(kv.usage("actor2")).toEqual({ bytes: 3 + 5, keys: 1 });
  });

  it("stores the empty key and the empty value", () => {
    const kv = service();
    expectOk(kv.execute(ACTOR, putRaw([bytes(0)], [bytes(0)])), "KvPutResponse");
    const response = kv.execute(ACTOR, get([bytes(0)]));
    if (response.tag !== "KvGetResponse") throw new Error(response.tag);
    expect(response.val.keys).toEqual([bytes(0)]);
    expect(response.val.values).toEqual([bytes(0)]);
  });

  it("keeps the last value of a key put twice in one request", () => {
    const kv = service();
    kv.execute(ACTOR, putRaw([str("k"), str("k")], [str("first"), str("second")]));
    const response = kv.execute(ACTOR, get([str("k")]));
    if (response.tag !== "KvGetResponse") throw new Error(response.tag);
    expect(response.val.values.map(text)).toEqual(["second"]);
    expect(kv.usage(ACTOR)).toEqual({ bytes: 3 + 6, keys: 1 });
  });

  it("keeps usage equal to what the actor stores", () => {
    const kv = service();
    kv.execute(ACTOR, put({ a: "12345", bb: "1" }));
    expect(kv.usage(ACTOR)).toEqual({ bytes: 3 + 5 + 4 + 1, keys: 2 });
    kv.execute(ACTOR, put({ a: "1" }));
    expect(kv.usage(ACTOR)).toEqual({ bytes: 3 + 1 + 4 + 1, keys: 2 });
    kv.execute(ACTOR, del([str("bb"), str("bb")]));
    expect(kv.usage(ACTOR)).toEqual({ bytes: 3 + 1, keys: 1 });
    kv.execute(ACTOR, delRange(str(""), str("z")));
    expect(kv.usage(ACTOR)).toEqual({ bytes: 0, keys: 0 });
  });

  it("adds up a delete-range larger than one page of its size scan", () => {
    const kv = service();
    for (let n = 0; n < 1200; n += 100) {
      const keys = Array.from({ length: 100 }, (_, i) => str(`k${String(n + i).padStart(5, "0")}`));
      kv.execute(ACTOR, putRaw(keys, keys.map(() => bytes(10))));
    }
    kv.execute(ACTOR, put({ z: "1" }));
    kv.execute(ACTOR, delRange(str("k"), str("l")));
    expect(kv.usage(ACTOR)).toEqual({ bytes: 3 + 1, keys: 1 });
    expect(keysOf(kv.execute(ACTOR, list(all)))).toEqual(["z"]);
  });
});

describe("KvService limits (Rivet's defaults, at the limit and one over)", () => {
  const keysOfLength = (count: number): ArrayBuffer[] => Array.from({ length: count }, (_, i) => str(`key${i}`));
  const KEY_OK = bytes(2046); // 2046 raw bytes measure 2048, the limit.
  const KEY_OVER = bytes(2047);

  it("allows 128 keys in a get, put or delete and refuses 129", () => {
    const kv = service();
    expectOk(kv.execute(ACTOR, putRaw(keysOfLength(128), keysOfLength(128))), "KvPutResponse");
    expectRefused(kv.execute(ACTOR, putRaw(keysOfLength(129), keysOfLength(129))), "A maximum of 128 key-value entries is allowed");
    expect(keysOf(kv.execute(ACTOR, get(keysOfLength(128))))).toHaveLength(128);
    expectRefused(kv.execute(ACTOR, get(keysOfLength(129))), "a maximum of 128 keys is allowed");
    expectRefused(kv.execute(ACTOR, del(keysOfLength(129))), "a maximum of 128 keys is allowed");
    expectOk(kv.execute(ACTOR, del(keysOfLength(128))), "KvDeleteResponse");
    expect(kv.usage(ACTOR)).toEqual({ bytes: 0, keys: 0 });
  });

  it("allows keys of 2048 bytes as Rivet measures them (raw + 2) and refuses longer ones", () => {
    const kv = service();
    expectOk(kv.execute(ACTOR, putRaw([KEY_OK], [bytes(1)])), "KvPutResponse");
    expectRefused(kv.execute(ACTOR, putRaw([KEY_OVER], [bytes(1)])), "key is too long (max 2048 bytes)");
    expect(keysOf(kv.execute(ACTOR, get([KEY_OK])))).toHaveLength(1);
    expectRefused(kv.execute(ACTOR, get([KEY_OVER])), "key is too long (max 2048 bytes)");
    expectOk(kv.execute(ACTOR, del([KEY_OK])), "KvDeleteResponse");
    expectRefused(kv.execute(ACTOR, del([KEY_OVER])), "key is too long (max 2048 bytes)");
  });

  it("checks the keys of list ranges, list prefixes and delete-ranges the same way", () => {
    const kv = service();
    const rangeOf = (start: ArrayBuffer, end: ArrayBuffer): runner.v7.KvListQuery => ({
      tag: "KvListRangeQuery",
      val: { start, end, exclusive: false },
    });
    expectOk(kv.execute(ACTOR, list(rangeOf(KEY_OK, KEY_OK))), "KvListResponse");
    expectRefused(kv.execute(ACTOR, list(rangeOf(KEY_OVER, KEY_OK))), "start key is too long (max 2048 bytes)");
    expectRefused(kv.execute(ACTOR, list(rangeOf(KEY_OK, KEY_OVER))), "end key is too long (max 2048 bytes)");
    expectOk(kv.execute(ACTOR, list(prefix(KEY_OK))), "KvListResponse");
    expectRefused(kv.execute(ACTOR, list(prefix(KEY_OVER))), "prefix key is too long (max 2048 bytes)");
    expectOk(kv.execute(ACTOR, delRange(bytes(0), KEY_OK)), "KvDeleteResponse");
    expectRefused(kv.execute(ACTOR, delRange(KEY_OVER, KEY_OK)), "start key is too long (max 2048 bytes)");
    expectRefused(kv.execute(ACTOR, delRange(bytes(0), KEY_OVER)), "end key is too long (max 2048 bytes)");
  });

  it("allows values of 128 KiB and refuses 128 KiB + 1", () => {
    const kv = service();
    expectOk(kv.execute(ACTOR, putRaw([str("v")], [bytes(131_072)])), "KvPutResponse");
    expectRefused(kv.execute(ACTOR, putRaw([str("v")], [bytes(131_073)])), "value is too large (max 128 KiB)");
    const response = kv.execute(ACTOR, get([str("v")]));
    if (response.tag !== "KvGetResponse") throw new Error(response.tag);
    expect(response.val.values[0]!.byteLength).toBe(131_072);
  });

  it("allows a put of 976 KiB (keys counted as raw + 2) and refuses one byte more", () => {
    const kv = service();
    // Eight one-byte keys measure 24 bytes; seven full values and one more fill the rest.
    const keys = Array.from({ length: 8 }, (_, i) => str(String(i)));
    const values = (last: number) => [...Array.from({ length: 7 }, () => bytes(131_072)), bytes(last)];
    const fill = 999_424 - 24 - 7 * 131_072;
    expectOk(kv.execute(ACTOR, putRaw(keys, values(fill))), "KvPutResponse");
    expectRefused(kv.execute(ACTOR, putRaw(keys, values(fill + 1))), "total payload is too large (max 976 KiB)");
  });

  it("refuses key and value lists of different lengths", () => {
    const kv = service();
    expectRefused(kv.execute(ACTOR, putRaw([str("a"), str("b")], [str("1")])), "Keys list length != values list length");
    expectRefused(kv.execute(ACTOR, putRaw([str("a")], [str("1"), str("2")])), "Keys list length != values list length");
    expect(kv.usage(ACTOR)).toEqual({ bytes: 0, keys: 0 });
  });

  it("allows an actor to reach exactly 10 GiB and refuses one byte more", () => {
    const storage = new MemoryStorage();
    const kv = service(undefined, storage);
    expect(kv.limits.maxStorageSize).toBe(10 * 1024 ** 3);
    // Filling 10 GiB for real is out of the question, so the usage record starts near full.
    const full = DEFAULT_KV_LIMITS.maxStorageSize;
    storage.write([{ op: "put", key: new ActorKvKeys(ACTOR).usageKey, value: encodeUsage({ bytes: full - 10, keys: 1 }) }]);
    expectRefused(
      kv.execute(ACTOR, putRaw([str("k")], [bytes(8)])),
      "not enough space left in storage (max 10 GiB per actor; 10 bytes remaining, this put adds 11 bytes)",
    );
    expectOk(kv.execute(ACTOR, putRaw([str("k")], [bytes(7)])), "KvPutResponse");
    expect(kv.usage(ACTOR)).toEqual({ bytes: full, keys: 2 });
  });

  it("counts a configured quota per actor, credits overwrites and frees on delete", () => {
    const kv = service({ maxStorageSize: 1000 });
    // Key "k" measures 3 bytes, so a 997-byte value fills the quota exactly.
    expectRefused(
      kv.execute(ACTOR, putRaw([str("k")], [bytes(998)])),
      "not enough space left in storage (max 1000 bytes per actor; 1000 bytes remaining, this put adds 1001 bytes)",
    );
    expectOk(kv.execute(ACTOR, putRaw([str("k")], [bytes(997)])), "KvPutResponse");
    expect(kv.usage(ACTOR)).toEqual({ bytes: 1000, keys: 1 });
    // Even the empty key with the empty value takes 2 bytes.
    expectRefused(
      kv.execute(ACTOR, putRaw([bytes(0)], [bytes(0)])),
      "not enough space left in storage (max 1000 bytes per actor; 0 bytes remaining, this put adds 2 bytes)",
    );
    // Replacing a value counts only the difference, so a full actor can still rewrite.
    expectOk(kv.execute(ACTOR, putRaw([str("k")], [bytes(997, 0x62)])), "KvPutResponse");
    expectOk(kv.execute(ACTOR, putRaw([str("k")], [bytes(500)])), "KvPutResponse");
    expectOk(kv.execute(ACTOR, putRaw([str("j")], [bytes(494)])), "KvPutResponse");
    expect(kv.usage(ACTOR)).toEqual({ bytes: 1000, keys: 2 });
    // Another actor has a quota of its own.
    expectOk(kv.execute("other", putRaw([str("k")], [bytes(997)])), "KvPutResponse");
    expectRefused(
      kv.execute(ACTOR, putRaw([str("i")], [bytes(1)])),
      "not enough space left in storage (max 1000 bytes per actor; 0 bytes remaining, this put adds 4 bytes)",
    );
    expectOk(kv.execute(ACTOR, del([str("j")])), "KvDeleteResponse");
    expectOk(kv.execute(ACTOR, putRaw([str("i")], [bytes(494)])), "KvPutResponse");
    expect(kv.usage(ACTOR)).toEqual({ bytes: 1000, keys: 2 });
  });

  it("answers an unusable actor ID with an error response", () => {
    const kv = service();
    expect(kv.execute("", get([str("a")])).tag).toBe("KvErrorResponse");
    expect(kv.execute("x".repeat(256), get([str("a")])).tag).toBe("KvErrorResponse");
  });
});
