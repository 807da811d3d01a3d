import { describe, expect, expectTypeOf, it } from "vitest";
import { actor } from "@actorwire/runner";
import type { Client } from "./index.js";
import { withActionMethods } from "./proxy.js";

/** A target that records the actions called on it, in place of a handle. */
function recorder(): { calls: { name: string; args: unknown[] }[]; action(opts: { name: string; args: unknown[] }): Promise<unknown> } {
  const calls: { name: string; args: unknown[] }[] = [];
  return { calls, action: async (opts) => (calls.push(opts), opts.name) };
}

describe("action methods", () => {
  it("call nested action groups by their dotted name, at any depth", async () => {
    const target = recorder();
    const handle = withActionMethods(target) as unknown as Record<string, any>;
    expect(await handle.increment(5)).toBe("increment");
    expect(await handle.calculator.add(1, 2)).toBe("calculator.add");
    expect(await handle.calculator.scientific.square(4)).toBe("calculator.scientific.square");
    expect(target.calls).toEqual([
      { name: "increment", args: [5] },
      { name: "calculator.add", args: [1, 2] },
      { name: "calculator.scientific.square", args: [4] },
    ]);
    // Neither a handle nor a method may look like a promise.
    expect(handle.then).toBeUndefined();
    expect(handle.calculator.then).toBeUndefined();
  });

  it("are typed for nested groups", () => {
    const calc = actor({ state: {}, actions: { ping: () => "pong" as const, calculator: { add: (_c, a: number, b: number) => a + b, scientific: { square: (_c, x: number) => x * x } } } });
    type H = ReturnType<Client<{ use: { calc: typeof calc } }>["calc"]["getOrCreate"]>;
    expectTypeOf<H["ping"]>().toEqualTypeOf<() => Promise<"pong">>();
    expectTypeOf<H["calculator"]["add"]>().toEqualTypeOf<(a: number, b: number) => Promise<number>>();
    expectTypeOf<H["calculator"]["scientific"]["square"]>().toEqualTypeOf<(x: number) => Promise<number>>();
  });
});
