import { describe, expect, it } from "vitest";
import { AckTracker, connIdFromKey, connKey, decodeConnRecord, encodeConnRecord } from "./hibernation.js";

describe("AckTracker", () => {
  it("moves the ack only past messages whose predecessors are all handled", () => {
    const acks = new AckTracker(0);
    acks.received(1);
    acks.received(2);
    acks.received(3);
    expect(acks.handled(2)).toBeUndefined();
    expect(acks.handled(3)).toBeUndefined();
    expect(acks.ackedIndex).toBe(0);
    expect(acks.handled(1)).toBe(3);
    expect(acks.ackedIndex).toBe(3);
  });

  it("wraps around the u16 ring", () => {
    const acks = new AckTracker(65_534);
    acks.received(65_535);
    acks.received(0);
    acks.received(1);
    expect(acks.handled(65_535)).toBe(65_535);
    expect(acks.handled(1)).toBeUndefined();
    expect(acks.handled(0)).toBe(1);
  });
});

describe("persisted connection records", () => {
  it("round-trips through the versioned PersistedConn record under [2]+id", () => {
    const record = {
      id: "c-1",
      parameters: new Uint8Array([0xa1, 0x61, 0x61, 0x01]),
      state: new Uint8Array([0xf6]),
      subscriptions: ["a", "b"],
      gatewayId: new Uint8Array([1, 2, 3, 4]).buffer,
      requestId: new Uint8Array([5, 6, 7, 8]).buffer,
      serverMessageIndex: 7,
      clientMessageIndex: 9,
      requestPath: "/connect",
      requestHeaders: { "sec-websocket-protocol": "rivet,rivet_encoding.json" },
    };
    const bytes = encodeConnRecord(record);
    expect([bytes[0], bytes[1]]).toEqual([1, 0]);
    const back = decodeConnRecord(bytes);
    expect({ ...back, parameters: [...back.parameters], state: [...back.state], gatewayId: [...new Uint8Array(back.gatewayId)] }).toMatchObject({
      id: "c-1",
      parameters: [0xa1, 0x61, 0x61, 0x01],
      state: [0xf6],
      subscriptions: ["a", "b"],
      gatewayId: [1, 2, 3, 4],
      serverMessageIndex: 7,
      clientMessageIndex: 9,
      requestPath: "/connect",
      requestHeaders: { "sec-websocket-protocol": "rivet,rivet_encoding.json" },
    });
    expect(connIdFromKey(connKey("c-1"))).toBe("c-1");
    expect(connKey("c-1")[0]).toBe(2);
  });
});
