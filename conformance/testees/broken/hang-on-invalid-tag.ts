/**
 * Broken on purpose: a decoder that loops forever on a union tag it does not know. The
 * harness must time the request out, kill the testee, and carry on: with a restart, or, once
 * the restart budget is spent, by failing the remaining cases with the reason.
 */
import { referenceCodec } from "../../src/reference-codec.js";
import { serveTestee } from "../../src/testee-kit.js";
import type { CodecRequest, CodecResponse } from "../../src/testee-protocol.js";

await serveTestee({
  hello: () => ({ ...referenceCodec.hello(), name: "broken: hang-on-invalid-tag" }),
  handle(request: CodecRequest): CodecResponse {
    const answer = referenceCodec.handle(request) as CodecResponse;
    if ("error" in answer && /invalid tag/.test(answer.error.message)) {
      // A busy loop, not a pending promise: the event loop is stuck too, as in a real hang.
      for (;;) {
        // Spin.
      }
    }
    return answer;
  },
});
