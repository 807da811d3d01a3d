/**
 * Broken on purpose: a decoder that allocates whatever a length prefix asks for before
 * checking it against the bytes left, and dies when the allocation fails. The harness must
 * report the crash with the testee's last stderr lines and go on with a new testee.
 */
import { referenceCodec } from "../../src/reference-codec.js";
import { serveTestee } from "../../src/testee-kit.js";
import type { CodecRequest, CodecResponse } from "../../src/testee-protocol.js";

await serveTestee({
  hello: () => ({ ...referenceCodec.hello(), name: "broken: crash-on-oversized-length" }),
  handle(request: CodecRequest): CodecResponse | Promise<CodecResponse> {
    const answer = referenceCodec.handle(request) as CodecResponse;
    if (request.op === "decode" && "error" in answer && /^(?:[0-9a-f]{2})*?ffffffff0f/.test(request.hex)) {
      // Thrown outside the request handler, so nothing catches it and the process dies
      // without answering.
      return new Promise(() => {
        setImmediate(() => {
          throw new RangeError("Array buffer allocation failed (4294967295 bytes)");
        });
      });
    }
    return answer;
  },
});
