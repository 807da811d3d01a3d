export * from "./actorwire-error.js";
export * from "./error-codes.js";
export * from "./errors.js";
export { exactArrayBuffer } from "./bytes.js";
export { DEFAULT_MAX_MESSAGE_BYTES, type DecodeOptions } from "./runtime/root-codec.js";
export * as runner from "./runner.js";
export * as client from "./client.js";
export * as persist from "./persist.js";
export * as envoy from "./envoy.js";
export * from "./versioned/index.js";
export * from "./client-encoding/index.js";
export * from "./actor-error.js";
export {
  LIMITS,
  limit,
  type Limit,
  KV_MAX_KEYS,
  KV_MAX_KEY_SIZE,
  KV_KEY_OVERHEAD,
  KV_MAX_VALUE_SIZE,
  KV_MAX_PUT_PAYLOAD_SIZE,
  MAX_TUNNEL_PAYLOAD_BYTES,
  kvKeySize,
} from "./limits.js";
export * from "./protocol/index.js";
