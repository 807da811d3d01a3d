import { describe, expect, it } from "vitest";
import { actor, event, queue, type ActorContext } from "./definition.js";

/** Compile-time equality check: `Expect<Equal<A, B>>` fails to type-check when A and B differ. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

const counter = actor({
  state: { count: 0, tags: [] as string[] },
  createVars: () => ({ started: Date.now() }),
  events: { newCount: event<number>(), pair: event<[string, number]>() },
  queues: { jobs: queue<{ n: number }, { ok: boolean }>() },
  // As with rivetkit, a `createConnState` whose context parameter is not annotated does not
  // infer the connection state type, so this uses `connState` and types params on their own.
  connState: { user: "", seen: 0 },
  onBeforeConnect: (_c, params: { user: string }) => {
    if (!params.user) throw new Error("no user");
  },
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      c.broadcast("newCount", c.state.count);
      c.broadcast("pair", "x", 1);
      const started: number = c.vars.started;
      const user: string = c.conn.state.user;
      const p: string = c.conn.params.user;
      void started;
      void user;
      void p;
      return c.state.count;
    },
    enqueue: async (c) => {
      await c.queue.send("jobs", { n: 1 });
      const m = await c.queue.next({ names: ["jobs"], completable: true });
      if (m) {
        const n: number = m.body.n;
        await m.complete?.({ ok: n > 0 });
      }
    },
  },
});

const withInput = actor({
  createState: (_c, input: { start: number }) => ({ value: input.start }),
  onCreate: (c, input) => {
    c.state.value += input.start;
  },
  actions: { get: (c) => c.state.value },
});

type CounterActions = (typeof counter)["config"]["actions"];
type _increment = Expect<Equal<Parameters<CounterActions["increment"]>[1], number>>;
type _incrementOut = Expect<Equal<ReturnType<CounterActions["increment"]>, number>>;
type _state = Expect<Equal<(typeof withInput)["config"]["actions"]["get"] extends (c: ActorContext<infer S>) => unknown ? S : never, { value: number }>>;

describe("actor()", () => {
  it("keeps the config object as given", () => {
    expect(counter.config.actions.increment).toBeTypeOf("function");
    expect(Object.keys(counter.config.events)).toEqual(["newCount", "pair"]);
    expect(withInput.config.createState).toBeTypeOf("function");
  });

  it("rejects state together with createState", () => {
    expect(() => actor({ state: {}, createState: () => ({}) } as never)).toThrow(/mutually exclusive/);
  });

  it("event() and queue() carry permission hooks only when given", () => {
    expect(event<number>()).toEqual({});
    const canPublish = () => true;
    expect(queue<number>({ canPublish }).canPublish).toBe(canPublish);
  });
});

describe("actor() config checks", () => {
  it("refuses a misspelt key with a suggestion", () => {
    const define = () => actor({ state: {}, actoins: {} } as never);
    expect(define).toThrow(/unknown key `actoins` \(did you mean `actions`\?\)/);
    try {
      define();
    } catch (error) {
      expect(error).toMatchObject({ group: "config", code: "unknown_key", metadata: { key: "actoins", suggestion: "actions" } });
    }
  });

  it("refuses a misspelt option with a suggestion, and lists the known keys when nothing is close", () => {
    expect(() => actor({ state: {}, options: { sleepTimout: 5 } } as never)).toThrow(/options: unknown key `sleepTimout` \(did you mean `sleepTimeout`\?\)/);
    expect(() => actor({ state: {}, zzzzzzzz: 1 } as never)).toThrow(/unknown key `zzzzzzzz`; known keys: state, createState/);
  });

  it("refuses rivetkit keys it does not implement, and accepts rivetkit's display and deprecated options", () => {
    expect(() => actor({ state: {}, onMigrate: () => {} } as never)).toThrow(expect.objectContaining({ group: "config", code: "unsupported_key" }));
    expect(() => actor({ state: {}, options: { name: "Counter", icon: "🔢", waitUntilTimeout: 1 } } as never)).not.toThrow();
  });
});

describe("action groups and input schemas", () => {
  it("types the context inside nested groups", () => {
    const def = actor({
      state: { total: 0 },
      actions: {
        calculator: {
          add: (c, a: number, b: number) => {
            const total: number = c.state.total;
            return total + a + b;
          },
        },
      },
    });
    type Add = (typeof def)["config"]["actions"]["calculator"]["add"];
    type _check = Expect<Equal<Parameters<Add>[1], number>>;
    expect(typeof def.config.actions.calculator.add).toBe("function");
  });

  it("refuses at definition time a group entry that is not a handler, and a schema for no action", () => {
    expect(() => actor({ state: {}, actions: { calculator: { add: 1 } } } as never)).toThrow("action `calculator.add` must be an action handler or a group");
    const schema = { "~standard": { version: 1, vendor: "test", validate: (value: unknown) => ({ value }) } } as const;
    expect(() => actor({ state: {}, actions: { a: () => 1 }, actionInputSchemas: { b: schema } })).toThrow("`b`, which is not an action");
  });
});
