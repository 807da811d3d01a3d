#!/usr/bin/env node
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ENGINE_USAGE, parseEngineCommand, UsageError } from "./config.js";
import { createEngine, listen } from "./server.js";
import { lockDataDir } from "./storage/data-dir-lock.js";
import { SqliteStorage } from "./storage/sqlite.js";
import { ENGINE_VERSION } from "./version.js";

/**
 * The `actorwire-engine` command. Every failure a user can cause (a bad flag, a busy port, a
 * data dir another engine holds) is one line on stderr that names the cause and what to
 * change, never a stack trace: exit 2 for a bad command line, 1 for anything else.
 */
async function main(argv: readonly string[]): Promise<void> {
  const command = parseEngineCommand(argv, process.env);
  if (command.kind === "help") return void console.log(ENGINE_USAGE);
  if (command.kind === "version") return void console.log(ENGINE_VERSION);
  const { options } = command;
  const lock = lockDataDir(options.dataDir);
  const engine = createEngine({
    storage: SqliteStorage.open(join(options.dataDir, "engine.db")),
    ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
    // The lifecycle takes its lost threshold from what the endpoint announces to runners.
    ...(options.runnerLostThresholdMs !== undefined ? { runners: { runnerLostThresholdMs: options.runnerLostThresholdMs } } : {}),
  });
  let address: AddressInfo;
  try {
    address = await listen(engine.server, options);
  } catch (error) {
    await engine.close().catch(() => {});
    lock.release();
    throw listenError(error, options);
  }
  let closing = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      // A second signal while draining means the operator wants out now.
      if (closing) process.exit(1);
      closing = true;
      void engine.close().finally(() => {
        lock.release();
        process.exit(0);
      });
    });
  }
  // One line that says where we are, also used by tests and `npm start` to learn a random port.
  // Printed only once the signal handlers are in place: whoever reacts to it by sending SIGTERM
  // must get a clean shutdown, not the default disposition of a half-started process.
  console.log(
    JSON.stringify({ msg: "actorwire engine listening", host: address.address, port: address.port, dataDir: options.dataDir, version: ENGINE_VERSION }),
  );
}

function listenError(error: unknown, options: { host: string; port: number }): Error {
  const code = (error as { code?: unknown }).code;
  if (code === "EADDRINUSE") {
    return new Error(`port ${options.port} on ${options.host} is already in use; choose another with --port <n> or ACTORWIRE_PORT (0 picks a free one)`);
  }
  if (code === "EADDRNOTAVAIL" || code === "EACCES") {
    return new Error(`cannot listen on ${options.host}:${options.port} (${String(code)}); choose another --host or --port`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof UsageError) {
    console.error(`actorwire-engine: ${message}\nTry 'actorwire-engine --help'.`);
    process.exit(2);
  }
  console.error(`actorwire-engine: ${message}`);
  process.exit(1);
});
