/**
 * Type inference from registries, ours (`registry.use`) and rivetkit's
 * (`registry.config.use`): action arguments and results with the context parameter removed,
 * event payloads, queue messages and completions. These are compile-time checks
 * (`npx tsc -p client-ts/tsconfig.test.json`); the runtime assertions only make sure the
 * proxies hand out functions for any action name.
 */
import { actor, event, queue } from "@actorwire/runner";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type ActorConn, type ActorHandle, type Client, createClient } from "../src/index.js";
import type { registry as rivetkitRegistry } from "./fixtures/rivetkit-app.js";

const ours = actor({
  state: { count: 0 },
  events: { newCount: event<number>(), pair: event<[string, number]>() },
  queues: { jobs: queue<{ n: number }, { doubled: number }>() },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      return c.state.count;
    },
    maybe: async (_c, text?: string) => text ?? null,
    none: () => "x" as const,
  },
});
const ourRegistry = { use: { counter: ours } } as const;

describe("inference from our runner's registry", () => {
  it("types actions, events and queues", () => {
    type C = Client<typeof ourRegistry>;
    type H = ReturnType<C["counter"]["getOrCreate"]>;
    expectTypeOf<H["increment"]>().toEqualTypeOf<(by: number) => Promise<number>>();
    expectTypeOf<H["maybe"]>().toEqualTypeOf<(text?: string) => Promise<string | null>>();
    expectTypeOf<H["none"]>().toEqualTypeOf<() => Promise<"x">>();
    expectTypeOf<Parameters<H["send"]>[0]>().toEqualTypeOf<"jobs">();
    expectTypeOf<Parameters<H["send"]>[1]>().toEqualTypeOf<{ n: number }>();
    type Conn = ActorConn<typeof ours>;
    const conn = {} as Conn;
    // Event payloads: one value, or a tuple spread as arguments.
    type OnNewCount = Parameters<typeof conn.on<"newCount">>[1];
    expectTypeOf<Parameters<OnNewCount>>().toEqualTypeOf<[number]>();
    type OnPair = Parameters<typeof conn.on<"pair">>[1];
    expectTypeOf<Parameters<OnPair>>().toEqualTypeOf<[string, number]>();
    // Type-checked, never run (`conn` is no real connection).
    const sends = () => {
      const waited = conn.send("jobs", { n: 1 }, { wait: true });
      expectTypeOf<NonNullable<Awaited<typeof waited>["response"]>>().toEqualTypeOf<{ doubled: number }>();
      // Without `wait`, rivetkit's shape: nothing.
      expectTypeOf(conn.send("jobs", { n: 1 })).toEqualTypeOf<Promise<void>>();
      expectTypeOf(conn.send("jobs", { n: 1 }, { wait: false })).toEqualTypeOf<Promise<void>>();
    };
    void sends;
  });
});

describe("a registry with a computed actor name", () => {
  it("keeps the named actors' own types beside the index signature a computed key adds", () => {
    const other = actor({ state: {}, actions: { ping: () => "pong" as const } });
    const computed: string = "n".repeat(64);
    // `{ [computed]: ours }` gives the use map a string index signature; the named entries must
    // keep their own definitions instead of collapsing into the index signature's type.
    const registry = { use: { counter: ours, other, [computed]: ours } };
    type C = Client<typeof registry>;
    expectTypeOf<ReturnType<C["other"]["getOrCreate"]>["ping"]>().toEqualTypeOf<() => Promise<"pong">>();
    expectTypeOf<ReturnType<C["counter"]["getOrCreate"]>["increment"]>().toEqualTypeOf<(by: number) => Promise<number>>();
    expect(Object.keys(registry.use)).toHaveLength(3);
  });
});

describe("inference from rivetkit's registry", () => {
  it("types actions, events and queues of a rivetkit 2.3.19 registry", () => {
    type C = Client<typeof rivetkitRegistry>;
    type H = ReturnType<C["counter"]["getOrCreate"]>;
    expectTypeOf<H["increment"]>().toEqualTypeOf<(by: number) => Promise<number>>();
    expectTypeOf<H["getCount"]>().toEqualTypeOf<() => Promise<number>>();
    type G = ReturnType<C["greeter"]["get"]>;
    expectTypeOf<G["greet"]>().toEqualTypeOf<(name: string) => Promise<string>>();
    type Conn = ReturnType<H["connect"]>;
    const conn = {} as Conn;
    type OnNewCount = Parameters<typeof conn.on<"newCount">>[1];
    expectTypeOf<Parameters<OnNewCount>>().toEqualTypeOf<[number]>();
    const sends = () => {
      const waited = conn.send("jobs", { n: 1 }, { wait: true });
      expectTypeOf<NonNullable<Awaited<typeof waited>["response"]>>().toEqualTypeOf<{ doubled: number }>();
      expectTypeOf(conn.send("jobs", { n: 1 })).toEqualTypeOf<Promise<void>>();
    };
    void sends;
  });

  it("hands out an action function for any name on an untyped client, and no `then`", async () => {
    const client = createClient({ endpoint: "http://127.0.0.1:9", disableMetadataLookup: true });
    const handle = client.getOrCreate("counter", ["a"]) as ActorHandle<any>;
    expect(typeof handle.anything).toBe("function");
    expect((handle as unknown as { then?: unknown }).then).toBeUndefined();
    expect(typeof client.counter.getOrCreate).toBe("function");
    await client.dispose();
  });
});
