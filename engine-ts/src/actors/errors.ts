import { EngineError } from "../errors.js";

/**
 * The errors the lifecycle answers callers with (mostly the gateway waiting for an actor).
 * Codes follow Rivet's where Rivet has one (`actor.not_found`, `actor.no_capacity`); the
 * others are ours and are listed in the README of this folder.
 */

/** 404: the actor does not exist, was destroyed, or is being destroyed. */
export function actorNotFound(actorId: string): EngineError {
  return new EngineError("actor.not_found", "The actor does not exist or was destroyed.", { status: 404, metadata: { actor_id: actorId } });
}

/**
 * 504: the actor did not become ready in time although it could have (it was starting,
 * stopping to sleep, or waiting out a crash backoff). The gateway timed out, not the actor.
 */
export function actorReadyTimeout(actorId: string, timeoutMs: number, phase: string): EngineError {
  return new EngineError(
    "actor.ready_timeout",
    `The actor did not become ready within ${timeoutMs} ms.`,
    { status: 504, metadata: { actor_id: actorId, timeout_ms: timeoutMs, phase } },
  );
}

/** 503: the actor is pending because no runner with its runner name is connected. */
export function actorNoRunners(actorId: string, runnerName: string): EngineError {
  return new EngineError(
    "actor.no_runners",
    `No runner named "${runnerName}" is connected to run the actor.`,
    { status: 503, metadata: { actor_id: actorId, runner_name_selector: runnerName } },
  );
}

/** 503: the actor is pending because every runner with its runner name is full or draining. */
export function actorNoCapacity(actorId: string, runnerName: string): EngineError {
  return new EngineError(
    "actor.no_capacity",
    `Every runner named "${runnerName}" is full or draining.`,
    { status: 503, metadata: { actor_id: actorId, runner_name_selector: runnerName } },
  );
}

/** 503: the lifecycle closed (the engine is shutting down) while a caller waited. */
export function lifecycleClosed(): EngineError {
  return new EngineError("actor.lifecycle_closed", "The engine is shutting down.", { status: 503 });
}
