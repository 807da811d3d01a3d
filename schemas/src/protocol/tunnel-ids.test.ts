import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { idHex, nextU16, wrappingLteU16, wrappingLtU16 } from "./tunnel-ids.js";

const u16 = fc.integer({ min: 0, max: 0xffff });

describe("the u16 message-index ring", () => {
  it("steps to the next index and wraps from 65535 to 0", () => {
    expect(nextU16(0)).toBe(1);
    expect(nextU16(0xfffe)).toBe(0xffff);
    expect(nextU16(0xffff)).toBe(0);
  });

  it("compares across the wrap", () => {
    expect(wrappingLtU16(0xffff, 0)).toBe(true);
    expect(wrappingLtU16(0, 0xffff)).toBe(false);
    expect(wrappingLtU16(0xfff0, 5)).toBe(true);
    expect(wrappingLteU16(0xffff, 0)).toBe(true);
    expect(wrappingLteU16(7, 7)).toBe(true);
    expect(wrappingLtU16(7, 7)).toBe(false);
    expect(wrappingLteU16(2, 3)).toBe(true);
    expect(wrappingLteU16(4, 3)).toBe(false);
    expect(wrappingLteU16(65530, 2)).toBe(true);
    expect(wrappingLteU16(2, 65530)).toBe(false);
  });

  it("puts the boundary at half the ring: 32767 steps ahead is after, 32768 is neither", () => {
    expect(wrappingLtU16(0, 32767)).toBe(true);
    expect(wrappingLtU16(0, 32768)).toBe(false);
    expect(wrappingLtU16(32768, 0)).toBe(false);
    expect(wrappingLteU16(0, 32768)).toBe(false);
    expect(wrappingLtU16(40000, 40000 + 32767 - 65536)).toBe(true);
  });

  it("agrees with Rivet's runner on every pair", () => {
    // Rivet's runner (`wrappingLtU16` in @rivetkit/engine-runner) computes the distance with a
    // branch rather than a mask; the two must agree everywhere.
    const rivetLt = (a: number, b: number): boolean => {
      const d = b - a < 0 ? b - a + 0x10000 : b - a;
      return a !== b && d < 0xffff / 2;
    };
    fc.assert(
      fc.property(u16, u16, (a, b) => {
        expect(wrappingLtU16(a, b)).toBe(rivetLt(a, b));
        expect(wrappingLteU16(a, b)).toBe(a === b || rivetLt(a, b));
        expect(wrappingLtU16(a, nextU16(a))).toBe(true);
      }),
    );
  });
});

describe("idHex", () => {
  it("writes a tunnel ID as lower-case hex", () => {
    expect(idHex(new Uint8Array([0, 1, 0xab, 0xff]).buffer)).toBe("0001abff");
    expect(idHex(new ArrayBuffer(0))).toBe("");
  });

  it("reads only a view's own bytes", () => {
    const backing = new Uint8Array([9, 0xde, 0xad, 0xbe, 0xef, 9]);
    expect(idHex(backing.subarray(1, 5))).toBe("deadbeef");
  });

  it("matches Node's hex", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        expect(idHex(bytes)).toBe(Buffer.from(bytes).toString("hex"));
        expect(idHex(bytes.slice().buffer)).toBe(Buffer.from(bytes).toString("hex"));
      }),
    );
  });
});
