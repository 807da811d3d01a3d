/**
 * An unmodified rivetkit 2.3.19 registry with one counter actor, connected to the engine at
 * RIVET_ENDPOINT (as an envoy, which is how rivetkit 2.3 connects). Prints `{"ready":true}`
 * once `startAndWait()` resolves.
 */
import { actor, setup } from "rivetkit";

const counter = actor({
  state: { count: 0 },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
  },
});

await setup({ use: { counter } }).startAndWait();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
