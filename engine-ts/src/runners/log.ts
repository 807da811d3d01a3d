import { type Logger, pino } from "pino";

/**
 * The runner endpoint's logger when the engine does not pass one: JSON lines on stdout at
 * `ACTORWIRE_LOG_LEVEL` (default `info`). At info it writes one line per connect, disconnect
 * and eviction; everything else is debug.
 */
export function defaultRunnerLogger(): Logger {
  return pino({ level: process.env.ACTORWIRE_LOG_LEVEL ?? "info" }).child({ component: "runners" });
}
