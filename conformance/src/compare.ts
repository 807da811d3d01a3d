/**
 * Comparing a testee's answers with the vectors, and saying where they differ in a few
 * lines: messages can be megabytes, so a failure report shows the first difference, not the
 * whole value.
 */
import type { JsonValue } from "./testee-protocol.js";

const PREVIEW_CHARS = 120;

/** A JSON value shown in at most about `max` characters. */
export function preview(value: unknown, max = PREVIEW_CHARS): string {
  const text = value === undefined ? "undefined" : JSON.stringify(value);
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

/** Hex shown in at most about `max` characters, with its byte length when cut. */
export function previewHex(hex: string, max = PREVIEW_CHARS): string {
  return hex.length <= max ? hex : `${hex.slice(0, max)}… (${hex.length / 2} bytes)`;
}

/**
 * null when `actual` is the same message as `expected` (hex, case-insensitive), else where
 * they first differ with some bytes of context.
 */
export function hexDifference(expected: string, actual: unknown): string | null {
  if (typeof actual !== "string" || !/^(?:[0-9a-fA-F]{2})*$/.test(actual)) return `expected hex of ${expected.length / 2} bytes, got ${preview(actual, 60)}`;
  const got = actual.toLowerCase();
  if (got === expected) return null;
  let i = 0;
  while (i < got.length && i < expected.length && got[i] === expected[i]) i++;
  const byte = Math.floor(i / 2);
  const from = Math.max(0, byte - 4) * 2;
  const slice = (h: string): string => (from >= h.length ? "(end)" : `${from > 0 ? "…" : ""}${h.slice(from, from + 40)}${from + 40 < h.length ? "…" : ""}`);
  return `${expected.length / 2} bytes expected, ${got.length / 2} received; first difference at byte ${byte}: expected ${slice(expected)}, got ${slice(got)}`;
}

type Wrapped = "$bigint" | "$hex" | "$map";

function wrapperOf(value: unknown): Wrapped | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === "$bigint" || keys[0] === "$hex" || keys[0] === "$map") ? keys[0] : undefined;
}

/**
 * null when `actual` is the same value as `expected` in vector JSON, else the path of the
 * first difference and both sides there. Struct fields may come in any order; list items and
 * map entries must come in wire order; `$hex` is compared case-insensitively and `$bigint`
 * by value.
 */
export function valueDifference(expected: JsonValue, actual: unknown, path = "$"): string | null {
  const differ = (): string => `at ${path}: expected ${preview(expected, 80)}, got ${preview(actual, 80)}`;
  const wrapper = wrapperOf(expected);
  if (wrapper !== undefined) {
    if (wrapperOf(actual) !== wrapper) return differ();
    const e = (expected as Record<string, JsonValue>)[wrapper]!;
    const a = (actual as Record<string, unknown>)[wrapper];
    if (wrapper === "$bigint") {
      try {
        return typeof a === "string" && BigInt(a) === BigInt(e as string) ? null : differ();
      } catch {
        return differ();
      }
    }
    if (wrapper === "$hex") {
      const d = hexDifference(e as string, a);
      return d === null ? null : `at ${path}: ${d}`;
    }
    return valueDifference(e, a, `${path}.$map`);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return differ();
    if (actual.length !== expected.length) return `at ${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const d = valueDifference(expected[i]!, actual[i], `${path}[${i}]`);
      if (d !== null) return d;
    }
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual) || wrapperOf(actual) !== undefined) return differ();
    const expectedKeys = Object.keys(expected);
    const actualKeys = Object.keys(actual);
    const missing = expectedKeys.filter((k) => !(k in actual));
    const extra = actualKeys.filter((k) => !(k in expected));
    if (missing.length > 0 || extra.length > 0) {
      return `at ${path}: ${missing.length > 0 ? `missing field(s) ${missing.join(", ")}` : ""}${missing.length > 0 && extra.length > 0 ? "; " : ""}${extra.length > 0 ? `unexpected field(s) ${extra.join(", ")}` : ""}`;
    }
    for (const key of expectedKeys) {
      const d = valueDifference(expected[key]!, (actual as Record<string, unknown>)[key], `${path}.${key}`);
      if (d !== null) return d;
    }
    return null;
  }
  return Object.is(expected, actual) || (expected === 0 && actual === 0) ? null : differ();
}
