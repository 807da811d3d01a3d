import { type Logger, pino } from "pino";

/**
 * The lifecycle's logger when the engine does not pass one: JSON lines on stdout at
 * `ACTORWIRE_LOG_LEVEL` (default `info`). At info it writes one line per actor transition
 * and per runner given up on; everything else is debug.
 */
export function defaultActorsLogger(): Logger {
  return pino({ level: process.env.ACTORWIRE_LOG_LEVEL ?? "info" }).child({ component: "actors" });
}
