/**
 * The actor lifecycle: one state machine per actor, with generations, on top of the runner
 * endpoint, the catalog and storage. The composition root builds one {@link ActorLifecycle},
 * calls `start()`, tells it about created and destroyed actors, and the gateway waits on
 * `waitReady` and listens for `stopped`.
 */
export {
  ActorLifecycle,
  type ActorLifecycleEventMap,
  type ActorLifecycleOptions,
  type ActorLifecycleState,
  type ActorStopCause,
  type ActorStoppedEvent,
  type ActorTransition,
  type HibernatingRequestSource,
  type WaitReadyOptions,
} from "./lifecycle.js";
export { commandReplay } from "./commands.js";
export { type ActorLifecycleConfig, type Clock, DEFAULT_LIFECYCLE_CONFIG, backoffDelay, systemClock } from "./config.js";
export { actorNoCapacity, actorNoRunners, actorNotFound, actorReadyTimeout, lifecycleClosed } from "./errors.js";
export { type Phase, type StopReason } from "./record.js";
export {
  type ActorGenerationEvent,
  type ActorPlacement,
  type NoPlacement,
  type PlacementCandidate,
  choosePlacement,
} from "./placement.js";
