/**
 * `ActorError` is @actorwire/protocol's, shared with the actor runtime, so `instanceof`
 * works across both. The client's instances are {@link RemoteActorError}s, which also carry
 * what the client knows about where the error came from.
 */
import { ActorError, type HttpResponseErrorBody } from "@actorwire/protocol";

export { ActorError };

/** An `ActorError` received over the wire. */
export class RemoteActorError extends ActorError {
  /** The connection action this error answers, when it answers one. */
  actionId?: bigint;
  /** The gateway's ray ID, for support requests. */
  rayId?: string;

  /** Rebuilds a structured error from the wire, with where it was received. */
  static override fromWire(body: HttpResponseErrorBody, received: { rayId?: string | undefined; actionId?: bigint | undefined } = {}): RemoteActorError {
    const err = super.fromWire(body) as RemoteActorError;
    if (received.actionId !== undefined) err.actionId = received.actionId;
    if (received.rayId !== undefined) err.rayId = received.rayId;
    return err;
  }
}
