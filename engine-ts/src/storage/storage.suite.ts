/**
 * The behaviour every {@link Storage} backend must have, as one suite that each backend's test
 * file runs against its own factory. A new backend is correct when this suite passes for it.
 * The property tests compare the backend with a model that is deliberately naive (a Map keyed
 * by hex, sorted on every scan), so that a shared bug in the backends' own helpers cannot
 * hide.
 */

import fc from "fast-check";
import { type SkipGroup, withSkips } from "@actorwire/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { StorageError } from "./errors.js";
import type { Entry, Mutation, ScanOptions, Storage } from "./storage.js";

/** How the suite gets stores of one backend. */
export interface StorageFactory {
  /** A new, empty store. */
  create(): Storage;
  /**
   * For persistent backends: closes `storage` and opens the same data again. A backend without
   * it skips the persistence cases (see {@link StorageSuiteOptions.skip}).
   */
  reopen?(storage: Storage): Storage;
  /** How many runs each property test makes; default 100. */
  propertyRuns?: number;
}

const b = (...bytes: number[]): Uint8Array => Uint8Array.from(bytes);
const s = (text: string): Uint8Array => new TextEncoder().encode(text);
const keysOf = (entries: readonly Entry[]): string[] => entries.map((e) => hex(e.key));

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, "0")).join("");
}

function expectStorageError(f: () => unknown, code: string): void {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe(code);
    return;
  }
  expect.fail(`expected storage.${code} to be thrown`);
}

/** What a backend's test file passes besides its factory. */
export interface StorageSuiteOptions {
  /** Cases this backend does not support, each group with its reason; they are reported as skipped. */
  readonly skip?: readonly SkipGroup[];
}

/** Registers the shared storage cases under `describe(name)`. */
export function describeStorage(name: string, factory: StorageFactory, options: StorageSuiteOptions = {}): void {
  const test = withSkips(it, options.skip);
  describe(name, () => {
    const open: Storage[] = [];
    const create = (): Storage => {
      const storage = factory.create();
      open.push(storage);
      return storage;
    };
    afterEach(() => {
      for (const storage of open.splice(0)) storage.close();
    });

    describe("reads and writes", () => {
      test("starts empty", () => {
        const st = create();
        expect(st.get(s("a"))).toBeUndefined();
        expect(st.scan()).toEqual([]);
      });

      test("puts, overwrites and deletes single keys", () => {
        const st = create();
        st.write([{ op: "put", key: s("a"), value: s("1") }]);
        expect(st.get(s("a"))).toEqual(s("1"));
        st.write([{ op: "put", key: s("a"), value: s("2") }]);
        expect(st.get(s("a"))).toEqual(s("2"));
        st.write([{ op: "delete", key: s("a") }]);
        expect(st.get(s("a"))).toBeUndefined();
        // Deleting what is not there is not an error.
        st.write([{ op: "delete", key: s("a") }]);
      });

      test("stores the empty key and the empty value", () => {
        const st = create();
        st.write([
          { op: "put", key: b(), value: s("empty key") },
          { op: "put", key: s("k"), value: b() },
        ]);
        expect(st.get(b())).toEqual(s("empty key"));
        expect(st.get(s("k"))).toEqual(b());
        expect(st.scan()).toEqual([
          { key: b(), value: s("empty key") },
          { key: s("k"), value: b() },
        ]);
      });

      test("orders keys as unsigned bytes, a prefix before its extensions", () => {
        const st = create();
        const keys = [b(0xff, 0xff), b(0x80), b(0x00, 0x00), b(0x7f), b(0xff), b(), b(0x01), b(0x00), b(0x00, 0xff)];
        st.write(keys.map((key) => ({ op: "put", key, value: key })));
        expect(keysOf(st.scan())).toEqual(["", "00", "0000", "00ff", "01", "7f", "80", "ff", "ffff"]);
      });

      test("round-trips values of several MiB", () => {
        const st = create();
        const big = new Uint8Array(5 * 1024 * 1024 + 3);
        for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
        st.write([{ op: "put", key: s("big"), value: big }]);
        // toEqual walks a typed array element by element, far too slowly at this size.
        const read = st.get(s("big"))!;
        expect(read.length).toBe(big.length);
        expect(Buffer.compare(read, big)).toBe(0);
      });

      test("copies what it is given and what it hands out", () => {
        const st = create();
        const key = s("k");
        const value = s("v1");
        st.write([{ op: "put", key, value }]);
        key[0] = 0x00;
        value[0] = 0x00;
        const read = st.get(s("k"))!;
        expect(read).toEqual(s("v1"));
        read[0] = 0x00;
        st.scan()[0]!.value[0] = 0x00;
        expect(st.get(s("k"))).toEqual(s("v1"));
      });

      test("returns plain Uint8Arrays", () => {
        const st = create();
        st.write([{ op: "put", key: s("k"), value: s("v") }]);
        expect(Object.getPrototypeOf(st.get(s("k")))).toBe(Uint8Array.prototype);
        const [entry] = st.scan();
        expect(Object.getPrototypeOf(entry!.key)).toBe(Uint8Array.prototype);
        expect(Object.getPrototypeOf(entry!.value)).toBe(Uint8Array.prototype);
      });
    });

    describe("scans", () => {
      const fill = (st: Storage): void =>
        st.write(["a", "a1", "a2", "b", "b1", "c"].map((k) => ({ op: "put", key: s(k), value: s(k.toUpperCase()) })));
      const scanKeys = (st: Storage, options?: ScanOptions): string[] =>
        st.scan(options).map((e) => new TextDecoder().decode(e.key));

      test("includes start and excludes end by default", () => {
        const st = create();
        fill(st);
        expect(scanKeys(st, { start: s("a1"), end: s("b1") })).toEqual(["a1", "a2", "b"]);
        expect(scanKeys(st, { start: s("a0"), end: s("b") })).toEqual(["a1", "a2"]);
      });

      test("includes end when asked", () => {
        const st = create();
        fill(st);
        expect(scanKeys(st, { start: s("a1"), end: s("b1"), endInclusive: true })).toEqual(["a1", "a2", "b", "b1"]);
        // An inclusive end takes only the end key itself, not the keys it prefixes.
        expect(scanKeys(st, { start: s("a"), end: s("a"), endInclusive: true })).toEqual(["a"]);
      });

      test("runs open-ended in either direction", () => {
        const st = create();
        fill(st);
        expect(scanKeys(st, { start: s("b") })).toEqual(["b", "b1", "c"]);
        expect(scanKeys(st, { end: s("a2") })).toEqual(["a", "a1"]);
        expect(scanKeys(st, {})).toEqual(["a", "a1", "a2", "b", "b1", "c"]);
      });

      test("reverses and limits from the far end", () => {
        const st = create();
        fill(st);
        expect(scanKeys(st, { start: s("a1"), end: s("b1"), endInclusive: true, reverse: true })).toEqual(["b1", "b", "a2", "a1"]);
        expect(scanKeys(st, { reverse: true, limit: 2 })).toEqual(["c", "b1"]);
        expect(scanKeys(st, { limit: 2 })).toEqual(["a", "a1"]);
        expect(scanKeys(st, { limit: 0 })).toEqual([]);
        expect(scanKeys(st, { limit: 100 })).toHaveLength(6);
        expect(scanKeys(st, { limit: Number.MAX_SAFE_INTEGER })).toHaveLength(6);
      });

      test("returns nothing for an empty or inverted range", () => {
        const st = create();
        fill(st);
        expect(scanKeys(st, { start: s("b"), end: s("b") })).toEqual([]);
        expect(scanKeys(st, { start: s("c"), end: s("a") })).toEqual([]);
        expect(scanKeys(st, { start: s("c"), end: s("a"), endInclusive: true, reverse: true })).toEqual([]);
      });

      test("scans a prefix, the prefix itself included", () => {
        const st = create();
        fill(st);
        expect(scanKeys(st, { prefix: s("a") })).toEqual(["a", "a1", "a2"]);
        expect(scanKeys(st, { prefix: s("a"), reverse: true, limit: 2 })).toEqual(["a2", "a1"]);
        expect(scanKeys(st, { prefix: s("a1") })).toEqual(["a1"]);
        expect(scanKeys(st, { prefix: s("d") })).toEqual([]);
        expect(scanKeys(st, { prefix: b() })).toHaveLength(6);
      });

      test("scans prefixes that end in 0xFF bytes", () => {
        const st = create();
        const keys = [b(0x01), b(0x01, 0xff), b(0x01, 0xff, 0x00), b(0x01, 0xff, 0xff), b(0x02), b(0xff), b(0xff, 0xff, 0x01)];
        st.write(keys.map((key) => ({ op: "put", key, value: b() })));
        expect(keysOf(st.scan({ prefix: b(0x01, 0xff) }))).toEqual(["01ff", "01ff00", "01ffff"]);
        expect(keysOf(st.scan({ prefix: b(0xff) }))).toEqual(["ff", "ffff01"]);
        expect(keysOf(st.scan({ prefix: b(0xff, 0xff) }))).toEqual(["ffff01"]);
      });

      test("refuses a limit that is not a non-negative integer", () => {
        const st = create();
        expectStorageError(() => st.scan({ limit: -1 }), "invalid_argument");
        expectStorageError(() => st.scan({ limit: 1.5 }), "invalid_argument");
        expectStorageError(() => st.scan({ limit: Number.NaN }), "invalid_argument");
      });
    });

    describe("write batches", () => {
      test("applies puts, deletes and delete-ranges in order", () => {
        const st = create();
        st.write(["a", "b", "c", "d", "e"].map((k) => ({ op: "put", key: s(k), value: s(k) })));
        st.write([
          { op: "deleteRange", start: s("b"), end: s("d") },
          { op: "put", key: s("c"), value: s("again") },
          { op: "delete", key: s("e") },
          { op: "put", key: s("f"), value: s("f") },
          { op: "put", key: s("g"), value: s("g") },
          { op: "delete", key: s("g") },
        ]);
        expect(st.scan().map((e) => [new TextDecoder().decode(e.key), new TextDecoder().decode(e.value)])).toEqual([
          ["a", "a"],
          ["c", "again"],
          ["d", "d"],
          ["f", "f"],
        ]);
      });

      test("deletes a half-open range, or to the end without an end key", () => {
        const st = create();
        st.write(["a", "a1", "b", "b1", "c"].map((k) => ({ op: "put", key: s(k), value: b() })));
        st.write([{ op: "deleteRange", start: s("a"), end: s("b") }]);
        expect(st.scan().map((e) => new TextDecoder().decode(e.key))).toEqual(["b", "b1", "c"]);
        st.write([{ op: "deleteRange", start: s("b1") }]);
        expect(st.scan().map((e) => new TextDecoder().decode(e.key))).toEqual(["b"]);
        // An inverted range deletes nothing.
        st.write([{ op: "deleteRange", start: s("z"), end: s("a") }]);
        expect(st.scan()).toHaveLength(1);
      });

      test("applies none of a batch that holds an invalid mutation", () => {
        const st = create();
        const bad = [
          { op: "put", key: s("a"), value: s("1") },
          { op: "put", key: "not bytes", value: s("2") },
        ] as unknown as Mutation[];
        expectStorageError(() => st.write(bad), "invalid_argument");
        const unknownOp = [{ op: "put", key: s("a"), value: s("1") }, { op: "truncate" }] as unknown as Mutation[];
        expectStorageError(() => st.write(unknownOp), "invalid_argument");
        expect(st.scan()).toEqual([]);
      });

      test("accepts an empty batch", () => {
        const st = create();
        st.write([]);
        expect(st.scan()).toEqual([]);
      });
    });

    describe("transactions", () => {
      test("commits reads and writes and returns the body's result", () => {
        const st = create();
        st.write([{ op: "put", key: s("n"), value: b(41) }]);
        const result = st.transaction((tx) => {
          const n = tx.get(s("n"))![0]!;
          tx.put(s("n"), b(n + 1));
          // The body sees its own writes, through the handle and through the store.
          expect(tx.get(s("n"))).toEqual(b(42));
          expect(st.get(s("n"))).toEqual(b(42));
          return n + 1;
        });
        expect(result).toBe(42);
        expect(st.get(s("n"))).toEqual(b(42));
      });

      test("undoes every write of a body that throws and rethrows its error unchanged", () => {
        const st = create();
        st.write(["a", "b", "c"].map((k) => ({ op: "put", key: s(k), value: s(k) })));
        const boom = new Error("boom");
        expect(() =>
          st.transaction((tx) => {
            tx.put(s("a"), s("changed"));
            tx.put(s("new"), s("x"));
            tx.delete(s("b"));
            tx.deleteRange(s("c"), s("d"));
            st.write([{ op: "put", key: s("through the store"), value: b() }]);
            expect(tx.scan().map((e) => new TextDecoder().decode(e.key))).toEqual(["a", "new", "through the store"]);
            throw boom;
          }),
        ).toThrow(boom);
        expect(st.scan().map((e) => [new TextDecoder().decode(e.key), new TextDecoder().decode(e.value)])).toEqual([
          ["a", "a"],
          ["b", "b"],
          ["c", "c"],
        ]);
      });

      test("nests: an inner failure undoes only the inner writes", () => {
        const st = create();
        st.transaction((tx) => {
          tx.put(s("outer"), b(1));
          expect(() =>
            st.transaction((inner) => {
              inner.put(s("inner"), b(2));
              inner.delete(s("outer"));
              throw new Error("inner fails");
            }),
          ).toThrow("inner fails");
          expect(tx.get(s("outer"))).toEqual(b(1));
          expect(tx.get(s("inner"))).toBeUndefined();
          st.transaction((inner) => inner.put(s("inner ok"), b(3)));
        });
        expect(st.scan().map((e) => new TextDecoder().decode(e.key))).toEqual(["inner ok", "outer"]);
      });

      test("undoes a committed inner transaction when the outer one fails", () => {
        const st = create();
        expect(() =>
          st.transaction(() => {
            st.transaction((inner) => inner.put(s("inner"), b(1)));
            throw new Error("outer fails");
          }),
        ).toThrow("outer fails");
        expect(st.scan()).toEqual([]);
      });

      test("refuses an async body and keeps none of its writes", () => {
        const st = create();
        expectStorageError(
          () =>
            st.transaction(async (tx) => {
              tx.put(s("a"), b(1));
            }),
          "invalid_transaction",
        );
        expect(st.scan()).toEqual([]);
      });

      test("refuses a handle used after its transaction ended", () => {
        const st = create();
        let escaped: Parameters<Parameters<Storage["transaction"]>[0]>[0] | undefined;
        st.transaction((tx) => {
          escaped = tx;
        });
        expectStorageError(() => escaped!.put(s("late"), b()), "invalid_transaction");
        expectStorageError(() => escaped!.get(s("late")), "invalid_transaction");
        expect(st.scan()).toEqual([]);
      });
    });

    describe("lifecycle", () => {
      test("refuses use after close and allows closing twice", () => {
        const st = factory.create();
        st.close();
        st.close();
        expectStorageError(() => st.get(s("a")), "closed");
        expectStorageError(() => st.scan(), "closed");
        expectStorageError(() => st.write([]), "closed");
        expectStorageError(() => st.transaction(() => 1), "closed");
      });

      test("keeps committed data across close and reopen", () => {
        const reopen = factory.reopen;
        if (reopen === undefined) throw new Error("this backend cannot reopen its data: skip the case with a reason");
        let st = factory.create();
        st.write([
          { op: "put", key: s("a"), value: s("1") },
          { op: "put", key: s("b"), value: s("2") },
        ]);
        st.transaction((tx) => tx.delete(s("a")));
        expect(() =>
          st.transaction((tx) => {
            tx.put(s("c"), s("3"));
            throw new Error("rolled back");
          }),
        ).toThrow();
        st = reopen(st);
        open.push(st);
        expect(st.scan()).toEqual([{ key: s("b"), value: s("2") }]);
      });
    });

    describe("properties against a model", () => {
      const runs = factory.propertyRuns ?? 100;

      test("random batches and transactions leave the same data, and scans agree", () => {
        fc.assert(
          fc.property(fc.array(stepArb, { maxLength: 25 }), fc.array(scanArb, { minLength: 1, maxLength: 8 }), (steps, scans) => {
            const st = factory.create();
            try {
              const model = new Model();
              for (const step of steps) {
                if (step.kind === "batch") {
                  st.write(step.mutations);
                  model.apply(step.mutations);
                } else {
                  const attempt = (): void =>
                    st.transaction((tx) => {
                      for (const m of step.mutations) {
                        if (m.op === "put") tx.put(m.key, m.value);
                        else if (m.op === "delete") tx.delete(m.key);
                        else tx.deleteRange(m.start, m.end);
                      }
                      if (step.fail) throw new Error("abort");
                    });
                  if (step.fail) expect(attempt).toThrow("abort");
                  else {
                    attempt();
                    model.apply(step.mutations);
                  }
                }
                // A cheap check after every step, the full set of scans at the end.
                expect(keysOf(st.scan())).toEqual(keysOf(model.scan({})));
              }
              for (const scan of scans) {
                expect(st.scan(scan)).toEqual(model.scan(scan));
              }
              for (const key of sampleKeys) expect(st.get(key)).toEqual(model.get(key));
            } finally {
              st.close();
            }
          }),
          { numRuns: runs },
        );
      });
    });

    it("skips only cases the suite has", () => test.checkAllUsed());
  });
}

// Keys drawn from a few bytes around the signed/unsigned boundary, short enough that
// random keys collide, prefix one another and land on range bounds often.
const keyArb = fc
  .array(fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff), { maxLength: 3 })
  .map((bytes) => Uint8Array.from(bytes));
const sampleKeys = [b(), b(0x00), b(0x7f), b(0x80), b(0xff), b(0x00, 0xff), b(0xff, 0xff, 0xff)];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant("put" as const), key: keyArb, value: fc.uint8Array({ maxLength: 6 }) }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant("delete" as const), key: keyArb }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant("deleteRange" as const), start: keyArb, end: fc.option(keyArb, { nil: undefined }) }),
    weight: 1,
  },
);

type Step =
  | { kind: "batch"; mutations: Mutation[] }
  | { kind: "transaction"; mutations: Mutation[]; fail: boolean };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("batch" as const), mutations: fc.array(mutationArb, { maxLength: 6 }) }),
  fc.record({ kind: fc.constant("transaction" as const), mutations: fc.array(mutationArb, { maxLength: 6 }), fail: fc.boolean() }),
);

const scanArb: fc.Arbitrary<ScanOptions> = fc.oneof(
  fc.record(
    {
      start: keyArb,
      end: keyArb,
      endInclusive: fc.boolean(),
      reverse: fc.boolean(),
      limit: fc.nat({ max: 8 }),
    },
    { requiredKeys: [] },
  ),
  fc.record({ prefix: keyArb, reverse: fc.boolean(), limit: fc.option(fc.nat({ max: 8 }), { nil: undefined }) }),
);

// The reference: a Map from hex key to entry. Hex strings compare exactly as the raw bytes do
// (two digits per byte, a shorter prefix first), so the model needs no byte comparison of its own.
class Model {
  readonly #map = new Map<string, Entry>();

  get(key: Uint8Array): Uint8Array | undefined {
    return this.#map.get(hex(key))?.value;
  }

  apply(mutations: readonly Mutation[]): void {
    for (const m of mutations) {
      if (m.op === "put") this.#map.set(hex(m.key), { key: m.key.slice(), value: m.value.slice() });
      else if (m.op === "delete") this.#map.delete(hex(m.key));
      else {
        const start = hex(m.start);
        const end = m.end === undefined ? undefined : hex(m.end);
        for (const k of [...this.#map.keys()]) if (k >= start && (end === undefined || k < end)) this.#map.delete(k);
      }
    }
  }

  scan(options: ScanOptions): Entry[] {
    let keys = [...this.#map.keys()].sort();
    if (options.prefix !== undefined) {
      const prefix = hex(options.prefix);
      keys = keys.filter((k) => k.startsWith(prefix));
    } else {
      const start = options.start === undefined ? undefined : hex(options.start);
      const end = options.end === undefined ? undefined : hex(options.end);
      keys = keys.filter(
        (k) => (start === undefined || k >= start) && (end === undefined || (options.endInclusive ? k <= end : k < end)),
      );
    }
    if (options.reverse) keys.reverse();
    if (options.limit !== undefined) keys = keys.slice(0, options.limit);
    return keys.map((k) => this.#map.get(k)!);
  }
}
