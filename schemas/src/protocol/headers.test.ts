import { describe, expect, it } from "vitest";
import { GATEWAY_QUERY_PARAMS, GATEWAY_QUERY_PREFIX, offeredSubprotocols, subprotocolValue, WS_PROTOCOL_ENCODING, WS_PROTOCOL_TOKEN } from "./headers.js";

describe("subprotocols", () => {
  it("reads the offered list in order, trimmed, without empty entries", () => {
    expect(offeredSubprotocols(undefined)).toEqual([]);
    expect(offeredSubprotocols(null)).toEqual([]);
    expect(offeredSubprotocols("")).toEqual([]);
    expect(offeredSubprotocols("rivet, rivet_encoding.cbor ,, rivet_token.t")).toEqual(["rivet", "rivet_encoding.cbor", "rivet_token.t"]);
  });

  it("finds the first value of a prefixed subprotocol", () => {
    const offered = offeredSubprotocols("rivet, rivet_token.first, rivet_token.second");
    expect(subprotocolValue(offered, WS_PROTOCOL_TOKEN)).toBe("first");
    expect(subprotocolValue(offered, WS_PROTOCOL_ENCODING)).toBeUndefined();
    expect(subprotocolValue(["rivet_token."], WS_PROTOCOL_TOKEN)).toBe("");
  });
});

describe("gateway query parameters", () => {
  it("are Rivet's rvt-* names", () => {
    expect(GATEWAY_QUERY_PARAMS.map((p) => `${GATEWAY_QUERY_PREFIX}${p}`)).toContain("rvt-crash-policy");
    expect(new Set(GATEWAY_QUERY_PARAMS).size).toBe(GATEWAY_QUERY_PARAMS.length);
  });
});
