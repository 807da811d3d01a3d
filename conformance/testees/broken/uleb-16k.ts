/**
 * Broken on purpose: writes the length prefix of every `str` and `data` the way upstream
 * `@bare-ts/lib` 0.6.0's `writeUintSafe32` does (shared/reference/rivet-protocol.md §4): each
 * continuation byte takes the low 7 bits of the original length instead of the shifted one.
 * Lengths under 16 KiB come out right; 16385 (`81 80 01`) comes out as `81 81 01`. Decoding
 * is unaffected. The suite must report the `len=16385/encode` cases (required).
 */
import { fromJsonValue } from "@actorwire/fixtures";
import { referenceCodec } from "../../src/reference-codec.js";
import { serveTestee } from "../../src/testee-kit.js";
import type { CodecRequest, CodecResponse } from "../../src/testee-protocol.js";

/** The upstream writer's bytes for a length. */
function buggyUleb(length: number): number[] {
  const out: number[] = [];
  let rest = length;
  while (rest >= 0x80) {
    out.push(0x80 | (length & 0x7f));
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

function uleb(length: number): number[] {
  const out: number[] = [];
  let rest = length;
  while (rest >= 0x80) {
    out.push(0x80 | (rest & 0x7f));
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return out;
}

/** Every str (as UTF-8) and data payload of a value, in wire order. */
function payloads(value: unknown, out: Buffer[] = []): Buffer[] {
  if (typeof value === "string") out.push(Buffer.from(value, "utf8"));
  else if (value instanceof ArrayBuffer) out.push(Buffer.from(value));
  else if (value instanceof Map) for (const [k, v] of value) payloads(v, payloads(k, out));
  else if (Array.isArray(value)) for (const v of value) payloads(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) payloads(v, out);
  return out;
}

await serveTestee({
  hello: () => ({ ...referenceCodec.hello(), name: "broken: uleb-16k" }),
  handle(request: CodecRequest): CodecResponse {
    const answer = referenceCodec.handle(request) as CodecResponse;
    if (request.op !== "encode" || !("hex" in answer)) return answer;
    const bytes = Buffer.from(answer.hex, "hex");
    let from = 0;
    for (const payload of payloads(fromJsonValue(request.value))) {
      const prefix = Buffer.from(uleb(payload.byteLength));
      const at = bytes.indexOf(Buffer.concat([prefix, payload.subarray(0, 64)]), from);
      if (at === -1) continue;
      // The wrong prefix has as many bytes as the right one, so it overwrites it in place.
      Buffer.from(buggyUleb(payload.byteLength)).copy(bytes, at);
      from = at + prefix.byteLength + payload.byteLength;
    }
    return { id: request.id, ok: true, hex: bytes.toString("hex") };
  },
});
