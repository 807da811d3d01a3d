import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import * as r7 from "./gen/runner/v7.js";

/** ULEB128 computed independently of any BARE library. */
function uleb(n: number): number[] {
  const out: number[] = [];
  let x = n;
  while (x >= 0x80) {
    out.push((x % 0x80) | 0x80);
    x = Math.floor(x / 0x80);
  }
  out.push(x);
  return out;
}

describe("length prefixes of strings and blobs at every size class", () => {
  it("uses the pinned @bare-ts/lib 0.4.1 (0.4.0 and 0.6.0 write wrong prefixes from 16 KiB)", () => {
    const require = createRequire(import.meta.url);
    const pkg = require("@bare-ts/lib/package.json") as { version: string };
    expect(pkg.version).toBe("0.4.1");
  });

  it("matches the reference values from the protocol notes", () => {
    expect(uleb(20000)).toEqual([0xa0, 0x9c, 0x01]);
    expect(uleb(16384)).toEqual([0x80, 0x80, 0x01]);
  });

  for (const size of [0, 1, 127, 128, 16383, 16384, 16385, 20000, 65536, 1 << 20, 3 * (1 << 20) + 7]) {
    it(`${size} bytes`, () => {
      const body = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
      const blob = r7.encodeToServer({
        tag: "ToServerTunnelMessage",
        val: {
          messageId: { gatewayId: new ArrayBuffer(4), requestId: new ArrayBuffer(4), messageIndex: 0 },
          messageKind: { tag: "ToServerWebSocketMessage", val: { data: body.buffer, binary: true } },
        },
      });
      // tag(1) + message ID (10) + variant tag (1), then the blob's length prefix.
      const prefix = uleb(size);
      expect(Array.from(blob.subarray(12, 12 + prefix.length))).toEqual(prefix);
      expect(blob.byteLength).toBe(12 + prefix.length + size + 1);
      const text = "é".repeat(Math.ceil(size / 2)).slice(0, Math.ceil(size / 2));
      const str = r7.encodeToServer({ tag: "ToServerPong", val: { ts: 0n } });
      expect(str.byteLength).toBe(9);
      const err = r7.encodeToServer({
        tag: "ToServerKvRequest",
        val: { actorId: text, requestId: 0, data: { tag: "KvDropRequest", val: null } },
      });
      const utf8 = new TextEncoder().encode(text).byteLength;
      expect(Array.from(err.subarray(1, 1 + uleb(utf8).length))).toEqual(uleb(utf8));
      const back = r7.decodeToServer(blob);
      expect(back).toMatchObject({ tag: "ToServerTunnelMessage" });
      const data = (back as { val: { messageKind: { val: { data: ArrayBuffer } } } }).val.messageKind.val.data;
      expect(new Uint8Array(data)).toEqual(body);
    });
  }
});
