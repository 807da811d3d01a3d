import type { ServerOptions } from "./server.js";

/** Reads `--host`/`--port` flags, then `ACTORWIRE_HOST`/`ACTORWIRE_PORT`, then defaults. */
export function parseServerOptions(argv: readonly string[], env: NodeJS.ProcessEnv): ServerOptions {
  const flag = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  };
  const host = flag("host") ?? env.ACTORWIRE_HOST ?? "127.0.0.1";
  const portText = flag("port") ?? env.ACTORWIRE_PORT ?? "6420";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got "${portText}"`);
  return { host, port };
}
