import { ProtocolError } from "../errors.js";

/**
 * Replaces `node:assert` in generated codecs, so they run in browsers too. Generated
 * encoders assert the shape of values (for example that a fixed-length blob has the right
 * length); a failure means the caller passed a value that does not fit the schema.
 */
export function assert(condition: unknown, message?: string): asserts condition {
  if (!condition) throw new ProtocolError("protocol.invalid_value", message ?? "value does not fit its schema type");
}
