import * as fc from "fast-check";

/** Bounds for generated values. */
export interface ArbitraryOptions {
  /** Longest generated `data`, in bytes. */
  readonly maxDataBytes?: number;
  /** Longest generated `str`, in characters. */
  readonly maxStringLength?: number;
  /** Most items in a generated list or map. */
  readonly maxItems?: number;
}

/** The building blocks generated arbitraries are made of. */
export function arbitraryKit(options: ArbitraryOptions) {
  const maxDataBytes = options.maxDataBytes ?? 48;
  const maxStringLength = options.maxStringLength ?? 24;
  const maxItems = options.maxItems ?? 4;
  // Copying gives every blob its own exactly-sized buffer, as a decoder returns it.
  const data = fc.uint8Array({ maxLength: maxDataBytes }).map((a) => a.slice().buffer as ArrayBuffer);
  return {
    data,
    fixedData: (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => a.slice().buffer as ArrayBuffer),
    // "binary" covers every code point (as surrogate pairs where needed) but no lone
    // surrogates, which UTF-8 cannot carry.
    str: fc.string({ unit: "binary", maxLength: maxStringLength }),
    u64: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    i64: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    list: <T>(item: fc.Arbitrary<T>) => fc.array(item, { maxLength: maxItems }),
    map: <K, V>(key: fc.Arbitrary<K>, value: fc.Arbitrary<V>) =>
      fc
        .uniqueArray(fc.tuple(key, value), { selector: (e) => e[0], maxLength: maxItems })
        .map((entries) => new Map(entries) as ReadonlyMap<K, V>),
  };
}
