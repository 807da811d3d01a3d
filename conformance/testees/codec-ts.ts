/**
 * The reference codec testee: our generated codecs behind the testee protocol.
 *
 *   node --import tsx --conditions=source conformance/testees/codec-ts.ts
 */
import { referenceCodec } from "../src/reference-codec.js";
import { serveTestee } from "../src/testee-kit.js";

await serveTestee(referenceCodec);
