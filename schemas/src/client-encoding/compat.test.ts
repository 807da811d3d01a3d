import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ActorwireProtocolError, ProtocolError } from "../errors.js";
import { decodeCbor, encodeCbor } from "./cbor.js";
import { jsonParseCompat, jsonStringifyCompat } from "./compat.js";
import { clientMessages } from "./messages.js";
import type { ClientEncoding } from "./types.js";

describe("json compat", () => {
  it("writes each compat form the way rivetkit does", () => {
    expect(jsonStringifyCompat(5n)).toBe('["$BigInt","5"]');
    expect(jsonStringifyCompat(new Uint8Array([255]))).toBe('["$Uint8Array","/w=="]');
    expect(jsonStringifyCompat(new Uint8Array([1, 2]).buffer)).toBe('["$ArrayBuffer","AQI="]');
    expect(jsonStringifyCompat(undefined)).toBe('["$Undefined",0]');
    expect(jsonStringifyCompat({ a: undefined })).toBe('{"a":["$Undefined",0]}');
    expect(jsonStringifyCompat(new Set([1n]))).toBe('["$Set",[["$BigInt","1"]]]');
    expect(jsonStringifyCompat(["$x", 1])).toBe('["$$x",1]');
    expect(jsonStringifyCompat(["$x", 1, 2])).toBe('["$x",1,2]');
    expect(jsonStringifyCompat(new Date(0))).toBe('"1970-01-01T00:00:00.000Z"');
  });

  it("reads $$-escaped arrays back, and keeps arrays with unknown $ tags as arrays", () => {
    expect(jsonParseCompat('["$$x",["$BigInt","2"]]')).toEqual(["$x", 2n]);
    // rivetkit's cbor writer does not escape user arrays, so an unknown tag is such an array.
    expect(jsonParseCompat('["$weird",["$BigInt","2"]]')).toEqual(["$weird", 2n]);
  });

  it("keeps __proto__ keys as own data instead of changing the prototype", () => {
    const value = jsonParseCompat('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__"]);
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each([
    ['["$BigInt","12x"]'],
    ['["$BigInt",12]'],
    ['["$Uint8Array","***"]'],
    ['["$Set",5]'],
    ["[".repeat(200_000)],
    ["{"],
  ])("refuses %s with protocol.malformed", (text) => {
    expect(() => jsonParseCompat(text)).toThrow(expect.objectContaining({ group: "protocol", code: "malformed" }));
  });

  it("refuses Maps, cyclic values and functions with protocol.invalid_value", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [new Map([[1, 2]]), cyclic, { f: () => 1 }]) {
      expect(() => jsonStringifyCompat(value)).toThrow(expect.objectContaining({ code: "invalid_value" }));
    }
  });
});

describe("CBOR documents", () => {
  it("writes rivetkit's bytes for a small action argument list", () => {
    // The args of increment(5) in the captured bare frame `0400 02 8105`.
    expect(Buffer.from(encodeCbor([5])).toString("hex")).toBe("8105");
    // A bigint inside a CBOR document is its compat array: [["$BigInt", "1"]].
    expect(Buffer.from(encodeCbor([1n])).toString("hex")).toBe(["81", "82", "67", "24426967496e74", "61", "31"].join(""));
  });

  it("carries compat forms inside the document and reads them back", () => {
    const value = { big: 1n, bytes: new Uint8Array([1]), none: undefined, set: new Set(["a"]), map: new Map([["k", 2n]]) };
    const decoded = decodeCbor(encodeCbor(value));
    expect(decoded).toStrictEqual(value);
  });

  it("reads byte strings as plain Uint8Arrays, not Node Buffers", () => {
    // 0x42 0x01 0x02 is a plain CBOR byte string, which cbor-x hands back as a Buffer.
    const decoded = decodeCbor(new Uint8Array([0x42, 1, 2]));
    expect(Object.getPrototypeOf(decoded)).toBe(Uint8Array.prototype);
    expect(decoded).toEqual(new Uint8Array([1, 2]));
  });

  it("refuses trailing bytes, truncation, empty input and deep nesting", () => {
    for (const bytes of [[0x01, 0x02], [0x82, 0x01], [], new Array(100_000).fill(0x81)]) {
      expect(() => decodeCbor(new Uint8Array(bytes))).toThrow(ProtocolError);
    }
  });
});

describe("decoders never throw anything but our errors", () => {
  const codecs = Object.entries(clientMessages);
  it.each(["json", "cbor", "bare"] as const)("%s on random input", (encoding: ClientEncoding) => {
    const input: fc.Arbitrary<Uint8Array | string> =
      encoding === "json"
        ? fc.oneof(fc.string({ unit: "binary" }), fc.json().map((j) => `{"body":{"tag":"ActionRequest","val":${j}}}`), fc.json())
        : fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.uint8Array({ maxLength: 64 }).map((b) => new Uint8Array([4, 0, ...b])),
            fc.anything().map((v) => {
              try {
                return encodeCbor({ body: { tag: "ActionRequest", val: v } });
              } catch {
                return new Uint8Array([0xa0]);
              }
            }),
          );
    fc.assert(
      fc.property(input, (data) => {
        for (const [, codec] of codecs) {
          try {
            (codec as typeof clientMessages.ToServer).decode(data, encoding);
          } catch (thrown) {
            expect(thrown).toBeInstanceOf(ActorwireProtocolError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
