/** A source of the current time (epoch milliseconds); tests may pass their own. */
export interface Clock {
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Timing and batching settings of the lifecycle. Every one has Rivet's default. */
export interface ActorLifecycleConfig {
  /**
   * How long a disconnected runner may stay away before its actors are rescheduled
   * (`runner_lost_threshold`, 15000). Defaults to what the runner endpoint announces in
   * `ToClientInit`, so that the engine gives up on a runner when the runner gives up too.
   */
  readonly runnerLostThresholdMs: number;
  /** How long a placed actor may take to report running before it counts as crashed (`actor_start_threshold`, 30000). */
  readonly actorStartThresholdMs: number;
  /** How long a stopping actor may take to report stopped before it counts as stopped (`actor_stop_threshold`, 1800000). */
  readonly actorStopThresholdMs: number;
  /** Crash restart backoff: `base * 2^min(retries, maxExponent)` ms (2000 and 8, Rivet's). */
  readonly crashBackoffBaseMs: number;
  readonly crashBackoffMaxExponent: number;
  /** The retry count starts again from 0 after this long without a crash (600000). */
  readonly crashRetryResetMs: number;
  /** Events are acked once the last processed index is more than this past the last ack (250). */
  readonly eventAckBatchSize: number;
  /**
   * How long commands of a generation the engine gave up on (runner lost, start timeout)
   * are kept for replay in case that runner comes back with the same runner ID (1800000).
   */
  readonly abandonedCommandRetentionMs: number;
}

/** Rivet's defaults (`engine/packages/config/src/config/pegboard.rs`). */
export const DEFAULT_LIFECYCLE_CONFIG: ActorLifecycleConfig = {
  runnerLostThresholdMs: 15_000,
  actorStartThresholdMs: 30_000,
  actorStopThresholdMs: 1_800_000,
  crashBackoffBaseMs: 2_000,
  crashBackoffMaxExponent: 8,
  crashRetryResetMs: 600_000,
  eventAckBatchSize: 250,
  abandonedCommandRetentionMs: 1_800_000,
};

/** The restart delay after `retries` crashes in a row. */
export function backoffDelay(config: ActorLifecycleConfig, retries: number): number {
  return config.crashBackoffBaseMs * 2 ** Math.min(retries, config.crashBackoffMaxExponent);
}
