/**
 * @actorwire/runner: the runner SDK and actor runtime. Define actors with `actor({...})`,
 * group them with `setup({ use })`, and host them with `registry.start()`.
 */
export * from "./actor/definition.js";
export { ActorError, UserError, USER_ERROR_CODE } from "./actor/errors.js";
export { setup, ActorHost, DEFAULT_ENDPOINT, type StartedRegistry } from "./actor/registry.js";
export { DEFAULT_OPTIONS, DEFAULT_MAX_STATE_BYTES, type ResolvedOptions } from "./actor/options.js";
export * from "./runner/index.js";
