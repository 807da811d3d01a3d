/**
 * Actor host for the actor bench: the bench counter on @actorwire/runner, connected to the
 * engine at RIVET_ENDPOINT. Prints `{"ready":true}` once connected; answers `stats` IPC
 * messages with its resident memory after a full garbage collection.
 */
import { setup } from "@actorwire/runner";
import { counter, counterInterval } from "./counter.js";
import { serveStats } from "./stats-ipc.js";

const handle = setup({ use: { counter, counterInterval } }).start();
await handle.ready;
serveStats();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
