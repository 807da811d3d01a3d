import { describe, expect, it } from "vitest";
import { encodeFrame, FrameReader, FramingError, MAX_FRAME_BYTES } from "./framing.js";

describe("frames", () => {
  it("are a 4-byte big-endian length and UTF-8 JSON", () => {
    const frame = encodeFrame({ op: "hello", protocol: 1, name: "é" });
    const body = Buffer.from('{"op":"hello","protocol":1,"name":"é"}', "utf8");
    expect(frame.subarray(0, 4)).toEqual(Buffer.from([0, 0, 0, body.byteLength]));
    expect(frame.subarray(4)).toEqual(body);
  });

  it("are read back however the stream splits them", () => {
    const messages = [{ id: 1, ok: true, hex: "00" }, { id: 2, skipped: "no" }, { big: "x".repeat(70_000) }];
    const stream = Buffer.concat(messages.map(encodeFrame));
    for (const size of [1, 3, 4, 5, 1000, stream.byteLength]) {
      const reader = new FrameReader();
      const got: unknown[] = [];
      for (let i = 0; i < stream.byteLength; i += size) got.push(...reader.push(stream.subarray(i, i + size)));
      expect(got, `chunks of ${size}`).toEqual(messages);
      expect(reader.pending).toBe(0);
    }
  });

  it("reject text printed on the channel, with a hint", () => {
    const reader = new FrameReader();
    expect(() => reader.push(Buffer.from("hello world\n"))).toThrow(FramingError);
    expect(() => new FrameReader().push(Buffer.from("hello world\n"))).toThrow(/read as text: "hell".*stderr/);
  });

  it("reject a body that is not JSON", () => {
    const body = Buffer.from("{nope");
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.byteLength);
    expect(() => new FrameReader().push(Buffer.concat([header, body]))).toThrow(/not JSON/);
  });

  it("may be as long as the limit, not longer", () => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(MAX_FRAME_BYTES);
    expect(new FrameReader().push(header)).toEqual([]);
    header.writeUInt32BE(MAX_FRAME_BYTES + 1);
    expect(() => new FrameReader().push(header)).toThrow(/exceeds/);
  });
});
