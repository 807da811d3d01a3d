import { describe, expect, it } from "vitest";

// Every codec test compares decoded values with toEqual; these cases prove that such a
// comparison really looks at the bytes of blobs and at the entries of maps.
describe("deep equality used by the codec tests", () => {
  it("tells ArrayBuffers with different bytes apart", () => {
    expect(new Uint8Array([1, 2]).buffer).not.toEqual(new Uint8Array([1, 3]).buffer);
    expect({ a: [new Uint8Array([1]).buffer] }).not.toEqual({ a: [new Uint8Array([2]).buffer] });
    expect(new Uint8Array([1, 2]).buffer).not.toEqual(new Uint8Array([1, 2, 0]).buffer);
    expect({ a: new Uint8Array([7, 8]).buffer }).toEqual({ a: new Uint8Array([7, 8]).buffer });
  });

  it("tells Maps with different entries apart", () => {
    expect(new Map([["a", "1"]])).not.toEqual(new Map([["a", "2"]]));
    expect(new Map([["a", new Uint8Array([1]).buffer]])).not.toEqual(new Map([["a", new Uint8Array([2]).buffer]]));
  });

  it("tells bigints apart", () => {
    expect({ ts: 1n }).not.toEqual({ ts: 2n });
  });
});
