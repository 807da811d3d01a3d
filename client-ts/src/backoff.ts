/**
 * Reconnect delays: exponential from `min` doubling up to `max`, with jitter so that many
 * clients cut off together (an engine restart) do not come back in lockstep.
 */

/** The delay before reconnect attempt `attempt` (0-based): in [d/2, d] for d = min·2^attempt capped at max. */
export function backoffDelay(attempt: number, min: number, max: number, random: () => number = Math.random): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
