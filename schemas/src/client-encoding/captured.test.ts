import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { clientMessages } from "./messages.js";
import type { ClientEncoding, ClientMessageCodec } from "./types.js";

/**
 * Frames captured from rivetkit 2.3.19's own client (and the capture server's replies) in each
 * encoding. Decoding a frame and encoding the value again must give the very same bytes, so
 * our encoders write what rivetkit writes and our decoders lose nothing.
 */

interface CapturedItem {
  readonly name: string;
  readonly type: string;
  /** Binary frames and bodies (bare, cbor), lowercase hex. */
  readonly hex?: string;
  /** Text frames and bodies (json). */
  readonly text?: string;
}

const DIR = fileURLToPath(new URL("../../../fixtures/captured/rivetkit-client-2.3.19/", import.meta.url));

function load(encoding: ClientEncoding): CapturedItem[] {
  return JSON.parse(readFileSync(`${DIR}${encoding}.json`, "utf8")) as CapturedItem[];
}

function codecFor(type: string): ClientMessageCodec<unknown> {
  const name = type.split(".")[0] as keyof typeof clientMessages;
  const codec = clientMessages[name] as ClientMessageCodec<unknown> | undefined;
  if (codec === undefined) throw new Error(`no codec for captured type ${type}`);
  return codec;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * cbor frames in which rivetkit's client wrote user values as native CBOR (a 64-bit integer
 * for a bigint, tag 64 bytes, tag 258/259 Sets and Maps, tag 1 Dates, `undefined`). We write
 * user values in compat form instead, as Rivet's server does and needs (it refuses those tags
 * inline and turns 64-bit integers into plain numbers), so these re-encode to different bytes
 * that carry the same value.
 */
const CBOR_NATIVE_PAYLOAD_FRAMES = new Set(["http.echo/HttpActionRequest"]);

for (const encoding of ["bare", "cbor", "json"] as const) {
  describe(`captured rivetkit ${encoding} frames`, () => {
    it("exist", () => {
      expect(existsSync(`${DIR}${encoding}.json`)).toBe(true);
    });
    if (!existsSync(`${DIR}${encoding}.json`)) return;
    const items = load(encoding);
    it("cover every message type the scenario uses", () => {
      const types = new Set(items.map((i) => i.type));
      for (const t of ["HttpActionRequest", "HttpActionResponse", "HttpQueueSendRequest", "HttpQueueSendResponse", "HttpResponseError", "ToClient.Init", "ToClient.Event", "ToClient.ActionResponse", "ToServer.ActionRequest", "ToServer.SubscriptionRequest"]) {
        expect(types, t).toContain(t);
      }
    });
    for (const item of items) {
      it(`${item.name}: decode then encode gives the same ${encoding === "json" ? "text" : "bytes"}`, () => {
        const codec = codecFor(item.type);
        if (encoding === "json") {
          const text = item.text as string;
          const { value, version } = codec.decode(text, "json");
          expect(version).toBe(4);
          expect(codec.encode(value, "json")).toBe(text);
          // The same text as a UTF-8 body decodes to the same value.
          expect(codec.decode(new TextEncoder().encode(text), "json").value).toEqual(value);
        } else {
          const bytes = hexToBytes(item.hex as string);
          const { value, version } = codec.decode(bytes, encoding);
          expect(version).toBe(4);
          const tag = item.type.split(".")[1];
          if (tag !== undefined) expect((value as { tag: string }).tag).toBe(tag);
          const ours = codec.encode(value, encoding) as Uint8Array;
          if (encoding === "cbor" && CBOR_NATIVE_PAYLOAD_FRAMES.has(item.name)) {
            expect(bytesToHex(ours)).not.toBe(item.hex);
            expect(codec.decode(ours, encoding).value).toStrictEqual(value);
          } else {
            expect(bytesToHex(ours)).toBe(item.hex);
          }
        }
      });
    }
  });
}
