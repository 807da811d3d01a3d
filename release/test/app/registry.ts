// A user's app, written as one would outside this repository: only published entry points,
// strict TypeScript, `module: nodenext`, and declarations checked (`skipLibCheck: false`).
import { actor, event, setup, UserError } from "@actorwire/runner";
import { createClient } from "@actorwire/client";

export const counter = actor({
  state: { count: 0 },
  events: { newCount: event<number>() },
  actions: {
    increment: (c, by: number) => {
      if (by < 0) throw new UserError("only forward", { code: "negative" });
      c.state.count += by;
      c.broadcast("newCount", c.state.count);
      return c.state.count;
    },
    get: (c) => c.state.count,
  },
});

export const registry = setup({ use: { counter } });

export async function callIt(endpoint: string): Promise<number> {
  const client = createClient<typeof registry>(endpoint);
  const n: number = await client.counter.getOrCreate(["typed"]).increment(1);
  // @ts-expect-error the action takes a number, so the declarations must refuse a string.
  await client.counter.getOrCreate(["typed"]).increment("one");
  await client.dispose();
  return n;
}
