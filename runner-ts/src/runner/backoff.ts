/**
 * Reconnect back-off, as Rivet's runner does it: 1 s × 2^attempt, capped at 30 s, plus 0–25 %
 * jitter so that many runners cut off at once do not all come back in the same instant.
 */

/** The first delay. */
export const BACKOFF_INITIAL_MS = 1_000;
/** The largest delay before jitter. */
export const BACKOFF_MAX_MS = 30_000;

/** How long to wait before reconnect attempt number `attempt` (0 for the first retry). */
export function reconnectDelayMs(attempt: number, random: () => number = Math.random): number {
  // 2^15 already passes the cap; clamping the exponent keeps huge attempt counts finite.
  const base = Math.min(BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 16), BACKOFF_MAX_MS);
  return Math.floor(base * (1 + 0.25 * random()));
}
