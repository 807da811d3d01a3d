import type { ServerOptions } from "./server.js";

/** Everything the engine binary can be told on its command line or in its environment. */
export interface EngineCliOptions extends ServerOptions {
  /** Folder of the embedded database; `--data-dir` or `ACTORWIRE_DATA_DIR`, default `.actorwire/data`. */
  readonly dataDir: string;
}

/**
 * Reads `--host`/`--port`/`--data-dir` flags, then `ACTORWIRE_HOST`/`ACTORWIRE_PORT`/
 * `ACTORWIRE_DATA_DIR`, then the defaults 127.0.0.1, 6420 and `.actorwire/data`.
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
  return { host, port, dataDir };
}
