/**
 * `@actorwire/runner`: the runner SDK and the actor runtime. A runner is a long-running
 * process that connects to an engine (actorwire's or Rivet's) over runner protocol v7 and
 * hosts the actors the engine places on it. The actor API follows rivetkit's, so a rivetkit
 * app ports by changing its imports.
 *
 * - {@link actor} defines an actor: state, actions, events ({@link event}), queues
 *   ({@link queue}), lifecycle hooks and {@link ActorOptions}.
 * - {@link setup} groups definitions into a {@link Registry}; `registry.start()` connects to the
 *   engine and hosts them, and `registry.handler` mounts the registry in a web framework.
 * - {@link Runner} is the bare runner connection, for hosting actors with your own
 *   {@link RunnerHandler} instead of the actor runtime.
 *
 * ```ts
 * import { actor, setup } from "@actorwire/runner";
 *
 * export const counter = actor({
 *   state: { count: 0 },
 *   actions: { increment: (c, by: number) => (c.state.count += by) },
 * });
 *
 * export const registry = setup({ use: { counter } });
 * registry.start(); // RIVET_ENDPOINT, else http://127.0.0.1:6420
 * ```
 *
 * @packageDocumentation
 */
export * from "./actor/definition.js";
export { ActorError, UserError, USER_ERROR_CODE } from "./actor/errors.js";
export { setup, ActorHost, DEFAULT_ENDPOINT, type StartedRegistry } from "./actor/registry.js";
export { DEFAULT_OPTIONS, DEFAULT_MAX_STATE_BYTES, type ResolvedOptions } from "./actor/options.js";
export * from "./runner/index.js";
