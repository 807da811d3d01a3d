// Hosts a counter with @actorwire/runner, in plain JavaScript run by plain node.
import { actor, event, setup } from "@actorwire/runner";

const counter = actor({
  state: { count: 0 },
  events: { newCount: event() },
  actions: {
    increment: (c, by) => {
      c.state.count += by;
      c.broadcast("newCount", c.state.count);
      return c.state.count;
    },
  },
});

setup({ use: { counter } }).start();
