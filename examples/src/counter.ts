import { actor, event } from "@actorwire/runner";

/**
 * A counter: one number per key, durable before every reply, broadcast to connected clients
 * whenever it changes.
 */
export const counter = actor({
  state: { count: 0 },
  events: {
    newCount: event<number>(),
  },
  actions: {
    /** Adds `by` (1 when not given) and returns the new value. */
    increment: (c, by?: number) => {
      c.state.count += by ?? 1;
      c.broadcast("newCount", c.state.count);
      return c.state.count;
    },
    /** Returns the current value. */
    get: (c) => c.state.count,
    /** Sets the value back to zero. */
    reset: (c) => {
      c.state.count = 0;
      c.broadcast("newCount", 0);
      return 0;
    },
  },
});
