/**
 * `ActorError` is @actorwire/protocol's, shared with the actor runtime, so `instanceof`
 * works across both. The client's instances are {@link RemoteActorError}s, which also carry
 * what the client knows about where the error came from.
 */
import { ActorError } from "@actorwire/protocol";
import type { WireError } from "./wire.js";

export { ActorError };

/** An `ActorError` received over the wire. */
export class RemoteActorError extends ActorError {
  /** The connection action this error answers, when it answers one. */
  actionId?: bigint;
  /** The gateway's ray ID, for support requests. */
  rayId?: string;
}

/** Builds the error for a structured error from the wire. */
export function actorErrorFromWire(wire: WireError, rayId?: string, actionId?: bigint): RemoteActorError {
  const err = new RemoteActorError(wire.group, wire.code, wire.message, {
    ...(wire.metadata === undefined ? {} : { metadata: wire.metadata }),
    ...(wire.actor === undefined ? {} : { actor: wire.actor }),
  });
  if (actionId !== undefined) err.actionId = actionId;
  if (rayId !== undefined) err.rayId = rayId;
  return err;
}
