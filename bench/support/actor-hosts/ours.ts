/**
 * Actor host for the actor bench: the bench counter on @actorwire/runner, connected to the
 * engine at RIVET_ENDPOINT. Prints `{"ready":true}` once connected; answers `stats` IPC
 * messages with its resident memory after a full garbage collection.
 */
import { actor, setup } from "@actorwire/runner";
import { serveStats } from "./stats-ipc.js";

const counter = actor({
  state: { count: 0 },
  // Long enough that no actor sleeps while the bench measures idle awake actors.
  options: { sleepTimeout: 30 * 60_000 },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
  },
});

// The same counter with Rivet's save policy (state saved on an interval, not before each
// reply), to show what strict durability costs.
const counterInterval = actor({
  state: { count: 0 },
  options: { sleepTimeout: 30 * 60_000, durability: "interval" },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
  },
});

const handle = setup({ use: { counter, counterInterval } }).start();
await handle.ready;
serveStats();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
