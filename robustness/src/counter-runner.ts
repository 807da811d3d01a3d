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

/**
 * A ledger of applied operations, for the fault tests' history checker: each `apply(opId)`
 * records its ID once in the actor's durable state and answers how many it holds, so a lost
 * acknowledged operation (missing) and one applied twice (listed twice) can both be seen.
 */
export const ledger = actor({
  state: { ops: [] as string[] },
  actions: {
    apply: (c, opId: string) => {
      c.state.ops.push(opId);
      return c.state.ops.length;
    },
    ops: (c) => c.state.ops,
  },
});

export const registry = setup({ use: { counter, ledger } });

if (process.env.RIVET_ENDPOINT !== undefined) registry.start();
