/**
 * The errors the surfaces raise themselves, each an `ActorError` with rivetkit's stable
 * `group.code`, and the HTTP status each error maps to (rivetkit-core's
 * `framework_error_status`, with public user errors at 400 as rivetkit's `RivetError` does),
 * read from @actorwire/protocol's `ERROR_CODES`.
 */
import { errorCodeInfo } from "@actorwire/protocol";
import { ActorError } from "./errors.js";

/** `auth.forbidden`: a `canSubscribe` or `canPublish` hook said no. */
export function forbidden(): ActorError {
  return new ActorError("auth.forbidden", "Forbidden");
}

/** `queue.full`: the queue holds `maxQueueSize` messages already. */
export function queueFull(limit: number): ActorError {
  return new ActorError("queue.full", `Queue is full. Limit is ${limit} messages.`, { metadata: { limit } });
}

/** `queue.message_too_large`: a message body over `maxQueueMessageSize`. */
export function queueMessageTooLarge(size: number, limit: number): ActorError {
  return new ActorError("queue.message_too_large", `Queue message too large (${size} bytes). Limit is ${limit} bytes.`, { metadata: { size, limit } });
}

/** `queue.already_completed`: `complete()` called twice. */
export function queueAlreadyCompleted(): ActorError {
  return new ActorError("queue.already_completed", "Queue message was already completed.");
}

/** `queue.previous_message_not_completed`: a receive while a completable message is still open. */
export function queuePreviousNotCompleted(): ActorError {
  return new ActorError(
    "queue.previous_message_not_completed",
    "Previous completable queue message is not completed. Call `message.complete(...)` before receiving the next message.",
  );
}

/** `queue.not_declared`: a send to a queue name the actor does not declare (and does not accept undeclared names). */
export function queueNotDeclared(name: string, declared: readonly string[]): ActorError {
  const known = declared.length > 0 ? `; it declares ${declared.map((n) => JSON.stringify(n)).join(", ")}` : "; it declares no queues";
  return new ActorError(
    "queue.not_declared",
    `queue ${JSON.stringify(name)} is not declared by this actor${known} (set options.acceptUndeclaredQueues to accept any name)`,
    { metadata: { name, declared } },
  );
}

/** `actor.aborted`: the actor is shutting down. */
export function actorAborted(): ActorError {
  return new ActorError("actor.aborted", "Actor aborted");
}

/** `request.invalid`: a body or header that cannot be decoded. */
export function invalidRequest(detail: string): ActorError {
  return new ActorError("request.invalid", `Invalid request: ${detail}`);
}

/** `encoding.invalid`: an encoding name we do not speak. */
export function invalidEncoding(name: string): ActorError {
  return new ActorError("encoding.invalid", `Invalid encoding \`${name}\`.`);
}

/** `message.incoming_too_long`: a client message over the incoming limit. */
export function incomingTooLong(): ActorError {
  return new ActorError("message.incoming_too_long", "Incoming message too long");
}

/** `message.outgoing_too_long`: a reply over the outgoing limit. */
export function outgoingTooLong(): ActorError {
  return new ActorError("message.outgoing_too_long", "Outgoing message too long");
}

/** `actor.method_not_allowed`: a framework route called with the wrong method. */
export function methodNotAllowed(method: string, path: string): ActorError {
  return new ActorError("actor.method_not_allowed", `Method ${method} is not allowed on ${path}`);
}

/** `actor.not_found` for a path no route serves (rivetkit answers 404 with a plain body). */
export function routeNotFound(path: string): ActorError {
  return new ActorError("actor.route_not_found", `No route for ${path}`);
}

/** `actor.callback_timed_out`: a connection hook ran past its timeout. */
export function callbackTimedOut(hook: string, ms: number): ActorError {
  return new ActorError("actor.callback_timed_out", `${hook} timed out after ${ms} ms`);
}

/** `actor.action_timed_out`: a request handler ran past `actionTimeout` (rivetkit's text first, then the limit). */
export function actionTimedOut(ms?: number): ActorError {
  if (ms === undefined) return new ActorError("actor.action_timed_out", "Action timed out");
  return new ActorError("actor.action_timed_out", `Action timed out: the request did not finish within ${ms} ms (options.actionTimeout)`, {
    metadata: { timeoutMs: ms },
  });
}

/**
 * Groups whose every code answers 400, including codes not in `ERROR_CODES` (a user's own
 * `user.*` codes, or a `queue.*` error an actor builds itself).
 */
const CLIENT_FAULT_GROUPS: ReadonlySet<string> = new Set(["request", "encoding", "message", "queue", "user"]);

/**
 * The HTTP status an error answers with: its row in `ERROR_CODES` when the actor runtime raises
 * that code, else 400 for the client-fault groups, else 500.
 */
export function statusForError(error: ActorError): number {
  const info = errorCodeInfo(error.id);
  if (info?.status !== undefined && info.sources.includes("actor")) return info.status;
  return CLIENT_FAULT_GROUPS.has(error.group) ? 400 : 500;
}
