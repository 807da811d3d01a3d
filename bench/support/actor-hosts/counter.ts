/** The bench's counter actors on `@actorwire/runner`, shared by the actor host and the idle-heap bench. */
import { actor } from "@actorwire/runner";

export const counter = actor({
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
export const counterInterval = actor({
  state: { count: 0 },
  options: { sleepTimeout: 30 * 60_000, durability: "interval" },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
  },
});
