import { describe, expect, it } from "vitest";
import { concatKey, keyId, prefixEnd, scheduleIdOf, scheduleKey } from "./keys.js";

describe("keys", () => {
  it("schedule keys round-trip their id under prefix [8]", () => {
    const key = scheduleKey("abc");
    expect([...key]).toEqual([8, 97, 98, 99]);
    expect(scheduleIdOf(key)).toBe("abc");
  });

  it("prefixEnd is the first key after the prefix's range", () => {
    expect([...prefixEnd(Uint8Array.of(4))!]).toEqual([5]);
    expect([...prefixEnd(Uint8Array.of(4, 0xff))!]).toEqual([5]);
    expect(prefixEnd(Uint8Array.of(0xff, 0xff))).toBeNull();
  });

  it("keyId tells different byte strings apart", () => {
    expect(keyId(concatKey(Uint8Array.of(1), Uint8Array.of(2)))).toBe(keyId(Uint8Array.of(1, 2)));
    expect(keyId(Uint8Array.of(1, 2))).not.toBe(keyId(Uint8Array.of(1, 2, 0)));
  });
});
