/**
 * A correct but partial testee: it implements runner v7 only and declines messages over
 * 1 MiB. It shows how a testee limits the suite (the hello's `supports`, and `skipped`
 * answers) and how the harness reports that.
 */
import { referenceCodec } from "../src/reference-codec.js";
import { serveTestee } from "../src/testee-kit.js";
import type { CodecRequest, CodecResponse } from "../src/testee-protocol.js";

const LIMIT_HEX_CHARS = 2 * 1024 * 1024;

await serveTestee({
  hello: () => ({ ...referenceCodec.hello(), name: "partial: runner v7 up to 1 MiB", supports: [{ family: "runner", versions: [7] }] }),
  handle(request: CodecRequest): CodecResponse {
    const size = request.op === "decode" ? request.hex.length : JSON.stringify(request.value).length;
    if (size > LIMIT_HEX_CHARS) return { id: request.id, skipped: "messages over 1 MiB are not supported" };
    return referenceCodec.handle(request) as CodecResponse;
  },
});
