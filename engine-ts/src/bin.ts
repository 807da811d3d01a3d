#!/usr/bin/env node
import { parseServerOptions } from "./config.js";
import { createEngine, listen } from "./server.js";

const options = parseServerOptions(process.argv.slice(2), process.env);
const engine = createEngine();
const address = await listen(engine.server, options);
// One line that says where we are, also used by tests to learn a random port.
console.log(JSON.stringify({ msg: "actorwire engine listening", host: address.address, port: address.port }));

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void engine.close().then(() => process.exit(0)));
}
