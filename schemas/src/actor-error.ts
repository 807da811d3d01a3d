import { ActorwireError, type ActorwireErrorOptions, type ErrorId } from "./actorwire-error.js";
import type { ActorSpecifier, HttpResponseErrorBody } from "./client-encoding/types.js";
import type { KnownErrorId } from "./error-codes.js";

/**
 * Well-known `group.code` pairs of errors that cross the client protocol (rows of `ERROR_CODES`,
 * by name), spelled the way rivetkit 2.3.19 spells them so that clients written for Rivet recognise them. Where they
 * come from (rivetkit's TypeScript in `node_modules/rivetkit/dist/tsup`, and its Rust core,
 * `@rivetkit/rivetkit-napi`, whose error schemas are visible as strings in the binary):
 *
 * - `actor.internal_error`, message "An internal error occurred": `INTERNAL_ERROR_CODE` and
 *   `INTERNAL_ERROR_DESCRIPTION` in `src/actor/errors.ts` (chunk-P2OFXH4G.js); the client
 *   treats "actor.internal_error" with "Actor is stopping" as retryable.
 *   Rivet's server (the Rust core), seen live on `rivet-engine`, reports an action that threw
 *   a plain Error as `rivetkit.internal_error` with the same message instead; both mean the
 *   same to rivetkit's client.
 * - `actor.action_not_found`: the Rust core's `rivetkit_core::error::action_not_found`
 *   (`ACTION_NOT_FOUND_SCHEMA`), seen live as 404 "Action `x` was not found.". The TS
 *   inspector route uses "action.action_not_found" for the inspector's own endpoint only.
 * - `core.internal_error`: what the Rust core answers (400) to a request body it cannot read.
 * - `actor.action_timed_out`: the Rust core's `ActionTimedOut` schema (code "action_timed_out").
 * - `actor.not_found`: `actorNotFound()` in `src/actor/errors.ts`; the client retries on it
 *   while resolving (chunk-BKX7UDTA.js).
 * - `auth.forbidden`: `forbiddenError()` in `src/actor/errors.ts` (status 403). rivetkit has no
 *   "actor.forbidden".
 * - `request.invalid`: `invalidRequest()` in `src/actor/errors.ts`; the Rust core's WebSocket
 *   path reports an undecodable message as "actor.invalid_request", which is kept too.
 * - `message.incoming_too_long` / `message.outgoing_too_long`: the Rust core's message size
 *   errors (`registry/websocket.rs`), and rivetkit's serverless start handler (mod.js).
 * - `queue.full`, `queue.message_too_large`, `queue.timed_out`: the Rust core's `QueueFull`,
 *   `QueueMessageTooLarge` and `QueueWaitTimedOut`; mod.js checks "queue"/"timed_out".
 * - `user.user_error`: `UserError` (`USER_ERROR_CODE`) for errors an actor throws on purpose.
 */
export const ACTOR_ERROR_CODES = {
  internalError: pair("actor.internal_error"),
  rivetkitInternalError: pair("rivetkit.internal_error"),
  coreInternalError: pair("core.internal_error"),
  actionNotFound: pair("actor.action_not_found"),
  actionTimedOut: pair("actor.action_timed_out"),
  notFound: pair("actor.not_found"),
  forbidden: pair("auth.forbidden"),
  invalidRequest: pair("request.invalid"),
  invalidWebSocketMessage: pair("actor.invalid_request"),
  incomingTooLong: pair("message.incoming_too_long"),
  outgoingTooLong: pair("message.outgoing_too_long"),
  queueFull: pair("queue.full"),
  queueMessageTooLarge: pair("queue.message_too_large"),
  queueTimedOut: pair("queue.timed_out"),
  userError: pair("user.user_error"),
} as const satisfies Record<string, { group: string; code: string }>;

/** `{group, code}` of an identifier in `ERROR_CODES`, with both parts as literal types. */
function pair<const Id extends KnownErrorId>(id: Id): Id extends `${infer G}.${infer C}` ? { readonly group: G; readonly code: C } : never {
  const dot = id.indexOf(".");
  return { group: id.slice(0, dot), code: id.slice(dot + 1) } as never;
}

/** The message every non-ActorError is replaced with on the wire. */
export const INTERNAL_ERROR_MESSAGE = "An internal error occurred";

/** Options of {@link ActorError}. */
export interface ActorErrorOptions extends ActorwireErrorOptions {
  /** The actor instance that produced the error. */
  actor?: ActorSpecifier | null;
}

/**
 * The error that crosses the client protocol as `{group, code, message, metadata}`: actions
 * throw it on purpose to tell their caller what went wrong, and clients rethrow it when an
 * action, a queue send or a connection reports one. Anything else thrown inside an actor is
 * replaced by `actor.internal_error` before it leaves (see {@link ActorError.from}).
 *
 * The constructor is the one every actorwire error has, `(id, message, options)`. rivetkit's
 * `ActorError` (its `RivetError`) takes `(group, code, message, options)` instead; since the
 * runner exports this class under rivetkit's name, that form is accepted too, so actor code
 * written for rivetkit keeps working.
 */
export class ActorError extends ActorwireError {
  override readonly name = "ActorError";
  /** The actor instance that raised the error, when the peer said which. */
  readonly actor?: ActorSpecifier | null;

  constructor(id: ErrorId, message: string, options?: ActorErrorOptions);
  /** rivetkit's form: `group` and `code` apart. */
  constructor(group: string, code: string, message: string, options?: ActorErrorOptions);
  constructor(idOrGroup: string, messageOrCode: string, optionsOrMessage?: ActorErrorOptions | string, rivetkitOptions?: ActorErrorOptions) {
    const rivetkitForm = typeof optionsOrMessage === "string";
    const id = (rivetkitForm ? `${idOrGroup}.${messageOrCode}` : idOrGroup) as ErrorId;
    const message = rivetkitForm ? optionsOrMessage : messageOrCode;
    const options = (rivetkitForm ? rivetkitOptions : optionsOrMessage) ?? {};
    super(id, message, options);
    if (rivetkitForm) {
      // A group that itself holds a dot would otherwise be split at the wrong place.
      Object.assign(this, { group: idOrGroup, code: messageOrCode });
    }
    if (options.actor !== undefined) this.actor = options.actor;
  }

  /**
   * Normalises anything thrown into an ActorError. An ActorError stays itself; anything else
   * becomes `actor.internal_error` with the generic message, keeping the original as `cause`
   * for logs: its message and stack may hold secrets and never go on the wire.
   */
  static override from(thrown: unknown): ActorError {
    if (thrown instanceof ActorError) return thrown;
    return new ActorError(INTERNAL_ERROR_ID, INTERNAL_ERROR_MESSAGE, { cause: thrown });
  }

  /** Rebuilds an error received from the wire (an `HttpResponseError` or a `ToClient` Error). */
  static fromWire(body: HttpResponseErrorBody): ActorError {
    return new this(body.group, body.code, body.message, { metadata: body.metadata, actor: body.actor });
  }

  /** The fields that go on the wire, as an `HttpResponseError` body. */
  toWire(): HttpResponseErrorBody {
    const out: HttpResponseErrorBody = { group: this.group, code: this.code, message: this.message };
    if (this.metadata !== undefined) out.metadata = this.metadata;
    if (this.actor !== undefined) out.actor = this.actor;
    return out;
  }
}

const INTERNAL_ERROR_ID: ErrorId = `${ACTOR_ERROR_CODES.internalError.group}.${ACTOR_ERROR_CODES.internalError.code}`;
