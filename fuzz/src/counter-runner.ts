/**
 * The runner the fuzz suite's engine serves: `@actorwire/runner` hosting a counter, started
 * with RIVET_ENDPOINT pointing at the engine under test.
 */
import { actor, event, setup } from "@actorwire/runner";

export const counter = actor({
  state: { count: 0 },
  events: { newCount: event<number>() },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      c.broadcast("newCount", c.state.count);
      return c.state.count;
    },
    get: (c) => c.state.count,
    echo: (_c, value: unknown) => value,
  },
});

export const registry = setup({ use: { counter } });

if (process.env.RIVET_ENDPOINT !== undefined) registry.start();
