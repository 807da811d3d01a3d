/**
 * Broken on purpose: a testee that logs to stdout, the channel that carries frames. The
 * harness must say that the framing broke and that logs belong on stderr.
 */
import { referenceCodec } from "../../src/reference-codec.js";
import { serveTestee } from "../../src/testee-kit.js";
import type { CodecRequest, CodecResponse } from "../../src/testee-protocol.js";

let requests = 0;
await serveTestee({
  hello: () => ({ ...referenceCodec.hello(), name: "broken: log-to-stdout" }),
  handle(request: CodecRequest): CodecResponse {
    requests++;
    if (requests === 3) console.log(`handling request ${request.id}`);
    return referenceCodec.handle(request) as CodecResponse;
  },
});
