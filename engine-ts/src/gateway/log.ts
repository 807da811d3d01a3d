import { type Logger, pino } from "pino";

/**
 * The gateway's logger when the engine does not pass one: JSON lines on stdout at
 * `ACTORWIRE_LOG_LEVEL` (default `info`). Nothing is logged at info per request; refusals
 * and tunnel details are debug, runner misbehaviour is warn.
 */
export function defaultGatewayLogger(): Logger {
  return pino({ level: process.env.ACTORWIRE_LOG_LEVEL ?? "info" }).child({ component: "gateway" });
}
