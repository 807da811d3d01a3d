/**
 * Byte-string helpers shared by every storage backend and by the code that builds keys.
 * Keys order as raw bytes (unsigned, lexicographic, a proper prefix first), the order
 * SQLite uses for BLOBs and FoundationDB, PostgreSQL `bytea` and Rivet's engine use for keys.
 */

/** Orders two byte strings: negative when `a` sorts first, 0 when equal, positive otherwise. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** Whether two byte strings hold the same bytes. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether `key` starts with `prefix`. */
export function hasPrefix(key: Uint8Array, prefix: Uint8Array): boolean {
  if (key.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}

/** Joins byte strings into one new array. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * The smallest key that sorts after every key starting with `prefix`, so that a prefix is the
 * half-open range `[prefix, prefixEnd(prefix))`. It is `undefined` when no such key exists
 * (the prefix is empty or all 0xFF bytes): then the range runs to the end of the key space.
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] !== 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i]! += 1;
      return end;
    }
  }
  return undefined;
}

/** Lower-case hex of a byte string, for messages and test names. */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}
