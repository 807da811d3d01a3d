import { describe, expect, it } from "vitest";
import { KV_KEY_OVERHEAD, KV_MAX_KEY_SIZE, KV_MAX_KEYS, KV_MAX_PUT_PAYLOAD_SIZE, KV_MAX_VALUE_SIZE, kvKeySize, limit, MAX_TUNNEL_PAYLOAD_BYTES } from "./limits.js";

describe("named limits", () => {
  it("are Rivet's numbers, read from the table", () => {
    expect(KV_MAX_KEYS).toBe(128);
    expect(KV_MAX_KEY_SIZE).toBe(2048);
    expect(KV_MAX_VALUE_SIZE).toBe(128 * 1024);
    expect(KV_MAX_PUT_PAYLOAD_SIZE).toBe(976 * 1024);
    expect(MAX_TUNNEL_PAYLOAD_BYTES).toBe(20 * 1024 * 1024);
    expect(MAX_TUNNEL_PAYLOAD_BYTES).toBe(limit("tunnel.payload"));
  });

  it("count a KV key as its raw length plus 2, so raw keys up to 2046 bytes fit", () => {
    expect(KV_KEY_OVERHEAD).toBe(2);
    expect(kvKeySize(new Uint8Array(0))).toBe(2);
    expect(kvKeySize(new Uint8Array(2046))).toBe(KV_MAX_KEY_SIZE);
    expect(kvKeySize(new Uint8Array(2047))).toBeGreaterThan(KV_MAX_KEY_SIZE);
    expect(kvKeySize(new Uint8Array(10).subarray(2, 5))).toBe(5);
  });
});
