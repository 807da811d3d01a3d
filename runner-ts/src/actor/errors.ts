/**
 * Errors of the actor runtime. `ActorError` (from @actorwire/protocol, shared with the client
 * SDK and the surfaces) is what crosses the wire to clients as `{group, code, message,
 * metadata}`; `UserError` is the one user code throws on purpose. The helpers below build the
 * core's own errors; every `group.code` they use is in @actorwire/protocol's `ERROR_CODES`.
 */
import { ACTOR_ERROR_CODES, ActorError } from "@actorwire/protocol";
import type { Logger } from "pino";

export { ActorError };

/** The code a {@link UserError} carries when none is given (rivetkit's default). */
export const USER_ERROR_CODE = ACTOR_ERROR_CODES.userError.code;

/**
 * An error thrown by user code on purpose: it reaches the client with group `user`, its code
 * (default `user_error`), message and metadata intact.
 */
export class UserError extends ActorError {
  constructor(message: string, options?: { code?: string; metadata?: unknown; cause?: unknown }) {
    super(`${ACTOR_ERROR_CODES.userError.group}.${options?.code ?? USER_ERROR_CODE}`, message, { metadata: options?.metadata, cause: options?.cause });
  }
}

/**
 * Normalises what an action, hook or handler threw into the error its caller receives (see
 * `ActorError.from`), and logs the original under `message` when it became an internal error:
 * its details never go on the wire, so the log is the only place they are kept.
 */
export function toCallerError(thrown: unknown, log: Pick<Logger, "error">, message: string, fields?: Record<string, unknown>): ActorError {
  const error = ActorError.from(thrown);
  if (error.code === ACTOR_ERROR_CODES.internalError.code) log.error({ err: thrown, ...fields }, message);
  return error;
}

/** `actor.not_found`: the actor does not exist here (destroyed, or not running on this runner). */
export function notFound(actorId: string): ActorError {
  return new ActorError("actor.not_found", `actor ${actorId} was not found`);
}

/** `actor.action_not_found`. */
export function actionNotFound(name: string): ActorError {
  return new ActorError("actor.action_not_found", `action ${JSON.stringify(name)} does not exist`);
}

/**
 * `actor.action_timed_out`. The message starts with rivetkit's text ("Action timed out"), which
 * rivetkit users match on, and goes on to name the action and the limit.
 */
export function actionTimedOut(name: string, ms: number): ActorError {
  return new ActorError("actor.action_timed_out", `Action timed out: ${JSON.stringify(name)} did not finish within ${ms} ms (options.actionTimeout)`, {
    metadata: { action: name, timeoutMs: ms },
  });
}

/** `actor.stopping`: work refused because the actor is shutting down. */
export function stopping(actorId: string): ActorError {
  return new ActorError("actor.stopping", `actor ${actorId} is stopping`);
}

/** `state.too_large`: the encoded state exceeds `maxStateBytes`. */
export function stateTooLarge(bytes: number, max: number): ActorError {
  return new ActorError("state.too_large", `state is ${bytes} bytes of CBOR, over the limit of ${max}`, { metadata: { bytes, max } });
}

/** `actor.state_mutation_reentrant` (rivetkit's code): state was mutated inside `onStateChange`. */
export function reentrantStateChange(): ActorError {
  return new ActorError("actor.state_mutation_reentrant", "State mutations are not allowed inside onStateChange.");
}

/** `actor.state_not_enabled` (rivetkit's code and text): `c.state` used by an actor that declares no state. */
export function stateNotEnabled(): ActorError {
  return new ActorError(
    "actor.state_not_enabled",
    "State not enabled. Must implement `createState` or `state` to use state. (https://www.rivet.dev/docs/actors/state/#initializing-state)",
  );
}

/** `state.not_ready`: state was used before it exists (inside `createState`). */
export function stateNotReady(): ActorError {
  return new ActorError("state.not_ready", "state is not available yet");
}

/** `actor.hook_timed_out`: a lifecycle hook ran past its timeout. */
export function hookTimedOut(hook: string, ms: number): ActorError {
  return new ActorError("actor.hook_timed_out", `${hook} did not finish within ${ms} ms`);
}

/** `schedule.limit_exceeded`: more than `maxSchedules` pending schedules. */
export function scheduleLimit(max: number): ActorError {
  return new ActorError("schedule.limit_exceeded", `at most ${max} schedules may be pending`, { metadata: { max } });
}

/** `actor.client_unavailable`: `c.client()` on an actor host made without a client (not through `registry.start()`). */
export function clientUnavailable(): ActorError {
  return new ActorError("actor.client_unavailable", "c.client() needs a registry started with registry.start()");
}
