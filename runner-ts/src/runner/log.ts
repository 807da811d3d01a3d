import pino, { type Logger } from "pino";

/** The level when no variable sets one: `info`, so a runner says that it connected and `c.log.info` shows. */
export const DEFAULT_LOG_LEVEL = "info";

/** The environment variables that set the level, first match wins (rivetkit reads the last two). */
export const LOG_LEVEL_VARIABLES = ["ACTORWIRE_RUNNER_LOG_LEVEL", "RIVET_LOG_LEVEL", "LOG_LEVEL"] as const;

const LEVELS = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * The level the environment asks for. An unknown value is not fatal (a runner should not refuse
 * to start over a log setting): the default is used and `invalid` names the variable, so the
 * logger can say so once.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): { level: string; invalid?: { variable: string; value: string } } {
  for (const variable of LOG_LEVEL_VARIABLES) {
    const value = env[variable];
    if (value === undefined || value === "") continue;
    const level = value.trim().toLowerCase();
    if (LEVELS.has(level)) return { level };
    return { level: DEFAULT_LOG_LEVEL, invalid: { variable, value } };
  }
  return { level: DEFAULT_LOG_LEVEL };
}

/**
 * The runner's default logger: JSON lines on stderr at `info` (the connection, shutdown, and
 * what actors log with `c.log.info`). `ACTORWIRE_RUNNER_LOG_LEVEL`, `RIVET_LOG_LEVEL` or
 * `LOG_LEVEL` (first set wins) changes the level: fatal, error, warn, info, debug, trace, silent.
 */
export function defaultLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  const { level, invalid } = logLevelFromEnv(env);
  const logger = pino({ name: "actorwire-runner", level }, pino.destination(2));
  if (invalid) {
    logger.warn(
      { variable: invalid.variable, value: invalid.value, allowed: [...LEVELS] },
      `${invalid.variable}=${JSON.stringify(invalid.value)} is not a log level; using ${DEFAULT_LOG_LEVEL}`,
    );
  }
  return logger;
}
