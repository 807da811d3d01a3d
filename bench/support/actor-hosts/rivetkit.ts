/**
 * Actor host for the actor bench: the same counter on rivetkit 2.3.19 (its native envoy),
 * connected to the engine at RIVET_ENDPOINT. Prints `{"ready":true}` once registered;
 * answers `stats` IPC messages with its resident memory after a full garbage collection.
 */
import { actor, setup } from "rivetkit";
import { serveStats } from "./stats-ipc.js";

const counter = actor({
  state: { count: 0 },
  options: { sleepTimeout: 30 * 60_000 },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
  },
});

await setup({ use: { counter } }).startAndWait();
serveStats();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
