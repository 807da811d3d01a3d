import { ActorwireError } from "@actorwire/protocol";

/** Codes of {@link KvError}. */
export type KvErrorCode =
  /** The request breaks one of the KV limits (key count, key size, value size, put size). */
  | "limit_exceeded"
  /** The put would take the actor past its storage quota. */
  | "quota_exceeded"
  /** The request is malformed in a way no limit covers (key and value lists of different lengths). */
  | "invalid_request"
  /** The actor ID cannot be used as a storage prefix. */
  | "invalid_actor";

/**
 * A KV request the engine refuses. It crosses the wire as a `KvErrorResponse` whose message is
 * this error's message, worded as Rivet's engine words it so runners that match on the text
 * keep working; `group.code` is for our own logs and tests.
 */
export class KvError extends ActorwireError<`kv.${KvErrorCode}`> {
  override readonly name = "KvError";
  declare readonly code: KvErrorCode;
}
