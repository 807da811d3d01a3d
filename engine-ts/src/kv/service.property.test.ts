/**
 * The KV service against a model: random sequences of get, list, put, delete, delete-range
 * and drop on two actors (whose IDs prefix one another) must get the same answers from the
 * service as from a naive model, on both storage backends. Small limits make refusals
 * (too many keys, long keys, large values, large puts, a full quota) part of every run.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { runner } from "@actorwire/protocol";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryStorage } from "../storage/memory.js";
import { SqliteStorage } from "../storage/sqlite.js";
import type { Storage } from "../storage/storage.js";
import type { KvLimits } from "./limits.js";
import { KvService } from "./service.js";

type Request = runner.v7.KvRequestData;
type Response = runner.v7.KvResponseData;

const LIMITS: KvLimits = {
  maxKeys: 3,
  maxKeySize: 5,
  maxValueSize: 16,
  maxPutPayloadSize: 40,
  maxStorageSize: 80,
  defaultListLimit: 4,
};
const VERSION = "model 0.0.1";
const ACTORS = ["a", "ab"] as const;

const hex = (b: ArrayBuffer): string => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const copy = (b: ArrayBuffer): ArrayBuffer => b.slice(0);

interface ModelEntry {
  readonly key: ArrayBuffer;
  readonly value: ArrayBuffer;
  readonly updateTs: bigint;
}

// The reference semantics, written for clarity: a Map per actor keyed by hex (hex strings sort
// as the raw bytes do), every check spelled out in Rivet's order and wording.
class KvModel {
  readonly #actors = new Map<string, Map<string, ModelEntry>>();

  usage(actor: string): { bytes: number; keys: number } {
    const entries = [...this.#entries(actor).values()];
    return { bytes: entries.reduce((n, e) => n + e.key.byteLength + 2 + e.value.byteLength, 0), keys: entries.length };
  }

  execute(actor: string, request: Request, now: bigint): Response {
    const refuse = (message: string): Response => ({ tag: "KvErrorResponse", val: { message } });
    const tooLong = (key: ArrayBuffer): boolean => key.byteLength + 2 > LIMITS.maxKeySize;
    const entries = this.#entries(actor);
    const answer = (list: ModelEntry[]) => ({
      keys: list.map((e) => copy(e.key)),
      values: list.map((e) => copy(e.value)),
      metadata: list.map((e) => ({ version: new TextEncoder().encode(VERSION).buffer as ArrayBuffer, updateTs: e.updateTs })),
    });
    switch (request.tag) {
      case "KvGetRequest": {
        const { keys } = request.val;
        if (keys.length > LIMITS.maxKeys) return refuse(`a maximum of ${LIMITS.maxKeys} keys is allowed`);
        if (keys.some(tooLong)) return refuse(`key is too long (max ${LIMITS.maxKeySize} bytes)`);
        const found = keys.map((k) => entries.get(hex(k))).filter((e): e is ModelEntry => e !== undefined);
        return { tag: "KvGetResponse", val: answer(found) };
      }
      case "KvListRequest": {
        const { query, reverse, limit } = request.val;
        let keys = [...entries.keys()].sort();
        if (query.tag === "KvListRangeQuery") {
          if (tooLong(query.val.start)) return refuse(`start key is too long (max ${LIMITS.maxKeySize} bytes)`);
          if (tooLong(query.val.end)) return refuse(`end key is too long (max ${LIMITS.maxKeySize} bytes)`);
          const start = hex(query.val.start);
          const end = hex(query.val.end);
          keys = keys.filter((k) => k >= start && (query.val.exclusive ? k < end : k <= end));
        } else if (query.tag === "KvListPrefixQuery") {
          if (tooLong(query.val.key)) return refuse(`prefix key is too long (max ${LIMITS.maxKeySize} bytes)`);
          const prefix = hex(query.val.key);
          keys = keys.filter((k) => k.startsWith(prefix));
        }
        if (reverse === true) keys.reverse();
        keys = keys.slice(0, limit === null ? LIMITS.defaultListLimit : Number(limit));
        return { tag: "KvListResponse", val: answer(keys.map((k) => entries.get(k)!)) };
      }
      case "KvPutRequest": {
        const { keys, values } = request.val;
        if (keys.length !== values.length) return refuse("Keys list length != values list length");
        if (keys.length > LIMITS.maxKeys) return refuse(`A maximum of ${LIMITS.maxKeys} key-value entries is allowed`);
        const payload = keys.reduce((n, k) => n + k.byteLength + 2, 0) + values.reduce((n, v) => n + v.byteLength, 0);
        if (payload > LIMITS.maxPutPayloadSize) return refuse(`total payload is too large (max ${LIMITS.maxPutPayloadSize} bytes)`);
        if (keys.some(tooLong)) return refuse(`key is too long (max ${LIMITS.maxKeySize} bytes)`);
        if (values.some((v) => v.byteLength > LIMITS.maxValueSize)) return refuse(`value is too large (max ${LIMITS.maxValueSize} bytes)`);
        const after = new Map(entries);
        keys.forEach((k, i) => after.set(hex(k), { key: copy(k), value: copy(values[i]!), updateTs: now }));
        const used = this.usage(actor).bytes;
        const size = [...after.values()].reduce((n, e) => n + e.key.byteLength + 2 + e.value.byteLength, 0);
        if (size > LIMITS.maxStorageSize) {
          return refuse(
            `not enough space left in storage (max ${LIMITS.maxStorageSize} bytes per actor; ` +
              `${Math.max(0, LIMITS.maxStorageSize - used)} bytes remaining, this put adds ${size - used} bytes)`,
          );
        }
        this.#actors.set(actor, after);
        return { tag: "KvPutResponse", val: null };
      }
      case "KvDeleteRequest": {
        const { keys } = request.val;
        if (keys.length > LIMITS.maxKeys) return refuse(`a maximum of ${LIMITS.maxKeys} keys is allowed`);
        if (keys.some(tooLong)) return refuse(`key is too long (max ${LIMITS.maxKeySize} bytes)`);
        for (const k of keys) entries.delete(hex(k));
        return { tag: "KvDeleteResponse", val: null };
      }
      case "KvDeleteRangeRequest": {
        const { start, end } = request.val;
        if (tooLong(start)) return refuse(`start key is too long (max ${LIMITS.maxKeySize} bytes)`);
        if (tooLong(end)) return refuse(`end key is too long (max ${LIMITS.maxKeySize} bytes)`);
        for (const k of [...entries.keys()]) if (k >= hex(start) && k < hex(end)) entries.delete(k);
        return { tag: "KvDeleteResponse", val: null };
      }
      case "KvDropRequest":
        this.#actors.delete(actor);
        return { tag: "KvDropResponse", val: null };
    }
  }

  #entries(actor: string): Map<string, ModelEntry> {
    let entries = this.#actors.get(actor);
    if (entries === undefined) this.#actors.set(actor, (entries = new Map()));
    return entries;
  }
}

// Keys from a few bytes, up to one byte longer than the key limit allows.
const keyArb = fc
  .array(fc.constantFrom(0x00, 0x61, 0x62, 0xff), { maxLength: 4 })
  .map((bytes) => Uint8Array.from(bytes).buffer as ArrayBuffer);
const valueArb = fc.uint8Array({ maxLength: 18 }).map((v) => v.slice().buffer as ArrayBuffer);
const keyListArb = fc.array(keyArb, { maxLength: 4 });

const queryArb: fc.Arbitrary<runner.v7.KvListQuery> = fc.oneof(
  fc.constant({ tag: "KvListAllQuery" as const, val: null }),
  fc.record({ start: keyArb, end: keyArb, exclusive: fc.boolean() }).map((val) => ({ tag: "KvListRangeQuery" as const, val })),
  keyArb.map((key) => ({ tag: "KvListPrefixQuery" as const, val: { key } })),
);

const requestArb: fc.Arbitrary<Request> = fc.oneof(
  { arbitrary: keyListArb.map((keys) => ({ tag: "KvGetRequest" as const, val: { keys } })), weight: 2 },
  {
    arbitrary: fc
      .record({
        query: queryArb,
        reverse: fc.option(fc.boolean(), { nil: null }),
        limit: fc.option(fc.bigInt({ min: 0n, max: 6n }), { nil: null }),
      })
      .map((val) => ({ tag: "KvListRequest" as const, val })),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(fc.array(fc.tuple(keyArb, valueArb), { maxLength: 4 }), fc.integer({ min: -1, max: 12 }))
      .map(([entries, skew]) => {
        const keys = entries.map(([k]) => k);
        const values = entries.map(([, v]) => v);
        // Now and then the lists differ in length, which must be refused.
        if (skew === -1) values.pop();
        if (skew === 12) values.push(new ArrayBuffer(1));
        return { tag: "KvPutRequest" as const, val: { keys, values } };
      }),
    weight: 5,
  },
  { arbitrary: keyListArb.map((keys) => ({ tag: "KvDeleteRequest" as const, val: { keys } })), weight: 2 },
  {
    arbitrary: fc.record({ start: keyArb, end: keyArb }).map((val) => ({ tag: "KvDeleteRangeRequest" as const, val })),
    weight: 1,
  },
  { arbitrary: fc.constant({ tag: "KvDropRequest" as const, val: null }), weight: 1 },
);

const stepsArb = fc.array(fc.tuple(fc.constantFrom(...ACTORS), requestArb), { minLength: 1, maxLength: 40 });

const root = mkdtempSync(join(tmpdir(), "actorwire-kv-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let files = 0;

const backends: [string, () => Storage, number][] = [
  ["memory", () => new MemoryStorage(), 300],
  ["sqlite", () => SqliteStorage.open(join(root, `kv-${files++}.sqlite`)), 60],
];

describe.each(backends)("KvService against a model (%s storage)", (_name, open, numRuns) => {
  it("answers every request of a random sequence as the model does and keeps usage exact", () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const storage = open();
        try {
          let clock = 1_000;
          const kv = new KvService({ storage, version: VERSION, limits: LIMITS, now: () => clock });
          const model = new KvModel();
          for (const [actor, request] of steps) {
            clock += 7;
            const expected = model.execute(actor, request, BigInt(clock));
            expect(kv.execute(actor, request)).toEqual(expected);
            for (const a of ACTORS) expect(kv.usage(a)).toEqual(model.usage(a));
          }
        } finally {
          storage.close();
        }
      }),
      { numRuns },
    );
  });
});
