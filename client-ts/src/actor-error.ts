/**
 * `ActorError`: an error that came over the wire from an actor or the engine, with
 * `group`, `code`, `message` and `metadata`, plus what the client knows about where it came
 * from (the actor, the connection action it answers, the gateway's ray ID).
 */
import type { WireError } from "./wire.js";

/** An error from an actor or the engine. */
export class ActorError extends Error {
  override readonly name = "ActorError";
  constructor(
    readonly group: string,
    readonly code: string,
    message: string,
    readonly metadata?: unknown,
  ) {
    super(message);
  }
  /** The actor that answered, when the server said (client protocol v4). */
  actor?: { readonly actorId: string; readonly generation: number; readonly key?: string } | undefined;
  /** The connection action this error answers. */
  actionId?: bigint | undefined;
  /** The gateway's ray ID, for support requests. */
  rayId?: string | undefined;
}

/** Builds the `ActorError` for a structured error from the wire. */
export function actorErrorFromWire(wire: WireError, rayId?: string, actionId?: bigint): ActorError {
  const err = new ActorError(wire.group, wire.code, wire.message, wire.metadata);
  if (wire.actor !== undefined && wire.actor !== null) err.actor = wire.actor;
  if (actionId !== undefined) err.actionId = actionId;
  if (rayId !== undefined) err.rayId = rayId;
  return err;
}
