/**
 * Child-process entry: hosts one `counter` actor with @actorwire/runner against the engine
 * named by `RIVET_ENDPOINT` (runner name `RIVET_RUNNER`, default `default`), and prints
 * `{"ready":true}` once the runner is connected. The runner announces the name `counter`.
 */
import { actor, setup } from "@actorwire/runner";

const counter = actor({
  state: { count: 0 },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
  },
});

const handle = setup({ use: { counter } }).start();
await handle.ready;
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
