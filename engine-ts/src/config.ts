import { parseArgs } from "node:util";
import type { ServerOptions } from "./server.js";

/** Everything the engine binary can be told on its command line or in its environment. */
export interface EngineCliOptions extends ServerOptions {
  /** Folder of the embedded database; `--data-dir` or `ACTORWIRE_DATA_DIR`, default `.actorwire/data`. */
  readonly dataDir: string;
  /**
   * How long a disconnected runner may stay away before its actors are rescheduled, also
   * announced to runners in `ToClientInit`; `--runner-lost-threshold-ms` or
   * `ACTORWIRE_RUNNER_LOST_THRESHOLD_MS`, default Rivet's 15000. Tests shorten it.
   */
  readonly runnerLostThresholdMs?: number;
  /**
   * The admin token the public API requires (`Authorization: Bearer`); `--admin-token` or
   * `ACTORWIRE_ADMIN_TOKEN`. Without it the API is open, as a self-hosted Rivet engine is.
   */
  readonly adminToken?: string;
}

/** What the command line asks for: usage, the version, or an engine. */
export type EngineCommand =
  | { readonly kind: "help" }
  | { readonly kind: "version" }
  | { readonly kind: "run"; readonly options: EngineCliOptions };

/** A command line the engine cannot run; the binary prints the message and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The `actorwire-engine --help` text: every option with its environment variable and default. */
export const ENGINE_USAGE = `Usage: actorwire-engine [options]

Runs the actorwire engine: the public API, the gateway and the runner endpoint on one port,
with embedded SQLite storage. Every option can also be set by its environment variable.

Options:
  --host <address>                 address to listen on (ACTORWIRE_HOST, default 127.0.0.1)
  --port <n>                       port, 0 for any free one (ACTORWIRE_PORT, default 6420)
  --data-dir <dir>                 where the database lives (ACTORWIRE_DATA_DIR, default
                                   .actorwire/data); one engine per dir, enforced by a lock
  --admin-token <token>            require this bearer token on the public API
                                   (ACTORWIRE_ADMIN_TOKEN; without it the API is open)
  --runner-lost-threshold-ms <n>   how long a disconnected runner keeps its actors
                                   (ACTORWIRE_RUNNER_LOST_THRESHOLD_MS, default 15000)
  -h, --help                       print this text and exit
  -V, --version                    print the version and exit

Logging: ACTORWIRE_LOG_LEVEL (trace, debug, info, warn, error; default info), JSON lines on stdout.
SIGINT or SIGTERM closes runner sockets, the server and the database, then exits 0.`;

const FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  "data-dir": { type: "string" },
  "admin-token": { type: "string" },
  "runner-lost-threshold-ms": { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
} as const;

/**
 * Reads the command line (flags win), then `ACTORWIRE_HOST`/`ACTORWIRE_PORT`/
 * `ACTORWIRE_DATA_DIR`/`ACTORWIRE_ADMIN_TOKEN`/`ACTORWIRE_RUNNER_LOST_THRESHOLD_MS`, then the
 * defaults 127.0.0.1, 6420, `.actorwire/data` and (left to the engine) 15000. Throws a
 * {@link UsageError} that names the flag or variable and the value it refused.
 */
export function parseEngineCommand(argv: readonly string[], env: NodeJS.ProcessEnv): EngineCommand {
  let values: { [K in keyof typeof FLAGS]?: (typeof FLAGS)[K]["type"] extends "string" ? string : boolean };
  try {
    ({ values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }));
  } catch (error) {
    // parseArgs names the flag in its message; its error codes are stable, its wording is not ours.
    throw new UsageError((error as Error).message.split("\n")[0] ?? String(error));
  }
  if (values.help === true) return { kind: "help" };
  if (values.version === true) return { kind: "version" };
  const pick = (flag: keyof typeof FLAGS, variable: string): { value: string; from: string } | undefined => {
    const fromFlag = values[flag];
    if (typeof fromFlag === "string") return { value: fromFlag, from: `--${flag}` };
    const fromEnv = env[variable];
    return fromEnv !== undefined && fromEnv !== "" ? { value: fromEnv, from: variable } : undefined;
  };
  const host = pick("host", "ACTORWIRE_HOST")?.value ?? "127.0.0.1";
  const portSetting = pick("port", "ACTORWIRE_PORT");
  const port = portSetting === undefined ? 6420 : integerIn(portSetting, 0, 65_535);
  const dataDir = pick("data-dir", "ACTORWIRE_DATA_DIR")?.value ?? ".actorwire/data";
  const adminToken = pick("admin-token", "ACTORWIRE_ADMIN_TOKEN")?.value;
  const lost = pick("runner-lost-threshold-ms", "ACTORWIRE_RUNNER_LOST_THRESHOLD_MS");
  const options: EngineCliOptions = {
    host,
    port,
    dataDir,
    ...(adminToken !== undefined ? { adminToken } : {}),
    ...(lost !== undefined ? { runnerLostThresholdMs: integerIn(lost, 1, 2 ** 31 - 1) } : {}),
  };
  return { kind: "run", options };
}

function integerIn(setting: { value: string; from: string }, min: number, max: number): number {
  const n = /^\d+$/.test(setting.value) ? Number(setting.value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${setting.from} must be an integer from ${min} to ${max}, got "${setting.value}"`);
  }
  return n;
}
