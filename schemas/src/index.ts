export * from "./errors.js";
export * from "./embedded-version.js";
export { DEFAULT_MAX_MESSAGE_BYTES, type DecodeOptions } from "./runtime/root-codec.js";
export * as runner from "./runner.js";
export * as client from "./client.js";
export * as persist from "./persist.js";
export * from "./versioned/index.js";
export { codecModules } from "./gen/codecs.js";
