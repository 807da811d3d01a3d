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

/**
 * Reads `--host`/`--port`/`--data-dir`/`--runner-lost-threshold-ms` flags, then
 * `ACTORWIRE_HOST`/`ACTORWIRE_PORT`/`ACTORWIRE_DATA_DIR`/`ACTORWIRE_RUNNER_LOST_THRESHOLD_MS`,
 * then the defaults 127.0.0.1, 6420, `.actorwire/data` and (left to the engine) 15000.
 */
export function parseServerOptions(argv: readonly string[], env: NodeJS.ProcessEnv): EngineCliOptions {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const host = flag("host") ?? env.ACTORWIRE_HOST ?? "127.0.0.1";
  const portText = flag("port") ?? env.ACTORWIRE_PORT ?? "6420";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${portText}"`);
  const dataDir = flag("data-dir") ?? env.ACTORWIRE_DATA_DIR ?? ".actorwire/data";
  const adminToken = flag("admin-token") ?? env.ACTORWIRE_ADMIN_TOKEN;
  const base = { host, port, dataDir, ...(adminToken !== undefined && adminToken.length > 0 ? { adminToken } : {}) };
  const lostText = flag("runner-lost-threshold-ms") ?? env.ACTORWIRE_RUNNER_LOST_THRESHOLD_MS;
  if (lostText === undefined) return base;
  const runnerLostThresholdMs = Number(lostText);
  if (!Number.isInteger(runnerLostThresholdMs) || runnerLostThresholdMs <= 0) {
    throw new Error(`--runner-lost-threshold-ms must be a positive integer, got "${lostText}"`);
  }
  return { ...base, runnerLostThresholdMs };
}
