import pino, { type Logger } from "pino";

/**
 * The runner's default logger: warnings and errors on stderr, quiet otherwise.
 * `ACTORWIRE_RUNNER_LOG_LEVEL` changes the level.
 */
export function defaultLogger(): Logger {
  return pino({ name: "actorwire-runner", level: process.env.ACTORWIRE_RUNNER_LOG_LEVEL ?? "warn" }, pino.destination(2));
}
