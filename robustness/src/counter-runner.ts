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

/** Answers the size of any request body it gets, for the limits test of the gateway's body limit. */
export const sink = actor({
  state: {},
  onRequest: async (_c, request) => new Response(JSON.stringify({ bytes: (await request.arrayBuffer()).byteLength }), { headers: { "content-type": "application/json" } }),
  actions: {},
});

/** An actor name exactly at the 64-character limit, so the limit can be tested with a name a runner serves. */
export const LONGEST_NAME = "n".repeat(64);

export const registry = setup({ use: { counter, ledger, sink, [LONGEST_NAME]: counter } });

if (process.env.RIVET_ENDPOINT !== undefined) registry.start();
