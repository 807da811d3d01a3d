import { describe, expect, it } from "vitest";
import { hexDifference, valueDifference } from "./compare.js";

describe("value comparison", () => {
  const expected = {
    tag: "ToServerInit",
    val: { name: "n", ts: { $bigint: "18446744073709551615" }, blob: { $hex: "00ff" }, headers: { $map: [["a", "1"], ["b", "2"]] }, list: [1, 2], absent: null },
  };

  it("accepts the same value with fields in another order, upper-case hex and an equal bigint", () => {
    const actual = {
      val: { list: [1, 2], absent: null, headers: { $map: [["a", "1"], ["b", "2"]] }, blob: { $hex: "00FF" }, ts: { $bigint: "18446744073709551615" }, name: "n" },
      tag: "ToServerInit",
    };
    expect(valueDifference(expected, actual)).toBeNull();
  });

  it("points at the first difference", () => {
    const changed = structuredClone(expected);
    changed.val.headers.$map = [["b", "2"], ["a", "1"]];
    expect(valueDifference(expected, changed)).toMatch(/^at \$\.val\.headers\.\$map\[0\]\[0\]: expected "a", got "b"$/);
    expect(valueDifference(expected, { ...expected, val: { ...expected.val, ts: 18446744073709552000 } })).toMatch(/at \$\.val\.ts: expected \{"\$bigint"/);
    expect(valueDifference(expected, { ...expected, val: { ...expected.val, blob: { $hex: "0000" } } })).toMatch(/at \$\.val\.blob: .*first difference at byte 1/);
    expect(valueDifference(expected, { ...expected, val: { ...expected.val, absent: undefined, extra: 1 } })).toMatch(/unexpected field\(s\) extra/);
    expect(valueDifference(expected, { ...expected, val: { ...expected.val, list: [1] } })).toBe("at $.val.list: expected 2 items, got 1");
    expect(valueDifference(expected, undefined)).toMatch(/^at \$: expected/);
  });
});

describe("hex comparison", () => {
  it("accepts either case and shows the first differing byte with context", () => {
    expect(hexDifference("00ab", "00AB")).toBeNull();
    expect(hexDifference("0102030405060708818001", "0102030405060708818101")).toBe(
      "11 bytes expected, 11 received; first difference at byte 9: expected …060708818001, got …060708818101",
    );
    expect(hexDifference("0001", "00")).toMatch(/2 bytes expected, 1 received; first difference at byte 1/);
    expect(hexDifference("00", 7)).toMatch(/expected hex of 1 bytes, got 7/);
    expect(hexDifference("00", "0")).toMatch(/expected hex/);
  });
});
