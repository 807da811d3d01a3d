#!/usr/bin/env node
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseServerOptions } from "./config.js";
import { createEngine, listen } from "./server.js";
import { SqliteStorage } from "./storage/sqlite.js";

const options = parseServerOptions(process.argv.slice(2), process.env);
mkdirSync(options.dataDir, { recursive: true });
const engine = createEngine({
  storage: SqliteStorage.open(join(options.dataDir, "engine.db")),
  ...(options.adminToken !== undefined ? { adminToken: options.adminToken } : {}),
  // The lifecycle takes its lost threshold from what the endpoint announces to runners.
  ...(options.runnerLostThresholdMs !== undefined ? { runners: { runnerLostThresholdMs: options.runnerLostThresholdMs } } : {}),
});
const address = await listen(engine.server, options);
// One line that says where we are, also used by tests to learn a random port.
console.log(
  JSON.stringify({ msg: "actorwire engine listening", host: address.address, port: address.port, dataDir: options.dataDir }),
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void engine.close().then(() => process.exit(0)));
}
