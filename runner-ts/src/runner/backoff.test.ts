import { describe, expect, it } from "vitest";
import { reconnectDelayMs } from "./backoff.js";

describe("reconnectDelayMs", () => {
  it("doubles from 1 s, caps at 30 s, and adds up to 25 % jitter", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50, 10_000].map((a) => reconnectDelayMs(a, () => 0))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000,
    ]);
    expect(reconnectDelayMs(0, () => 0.999_999)).toBe(1249);
    expect(reconnectDelayMs(9, () => 0.999_999)).toBe(37_499);
  });
});
