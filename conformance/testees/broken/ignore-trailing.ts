/**
 * Broken on purpose: a decoder that stops after one message and ignores whatever follows,
 * as a decoder does that never compares its final offset with the input length. The suite
 * must report the `reject-trailing-byte` cases (recommended) and nothing else.
 */
import { referenceCodec } from "../../src/reference-codec.js";
import { serveTestee } from "../../src/testee-kit.js";
import type { CodecRequest, CodecResponse } from "../../src/testee-protocol.js";

await serveTestee({
  hello: () => ({ ...referenceCodec.hello(), name: "broken: ignore-trailing" }),
  handle(request: CodecRequest): CodecResponse {
    const answer = referenceCodec.handle(request) as CodecResponse;
    if (request.op === "decode" && "error" in answer && /remain after the message/.test(answer.error.message) && answer.error.offset !== undefined) {
      // Decode again without the bytes after the end of the message.
      return referenceCodec.handle({ ...request, hex: request.hex.slice(0, answer.error.offset * 2) }) as CodecResponse;
    }
    return answer;
  },
});
