import { clientMessages, persist } from "@actorwire/protocol";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { MemoryRunner } from "../testing/memory-runner.js";
import { decodeValue, encodeValue } from "./cbor.js";
import type { ActorSurfaces, AnyActorConfig, CreateSurfaces } from "./contract.js";
import { createSurfaces } from "./surfaces.js";
import { actor, queue } from "./definition.js";
import { ActorInstance } from "./instance.js";
import { KEY_ACTOR } from "./keys.js";
import { resolveOptions } from "./options.js";
import { FakeTunnelSocket, settle } from "./surfaces-test-socket.js";

/** Surfaces that do nothing: the core's unit tests drive actions through invokeAction. */
const quietSurfaces = (): ActorSurfaces => ({
  load: async () => {},
  started: async () => {},
  route: async () => ({ status: 404, headers: new Map(), body: null }),
  fetch: async () => new Response(null, { status: 404 }),
  websocket: async () => {},
  canHibernate: () => false,
  isBusy: () => false,
  stop: async () => {},
  conns: new Map(),
  broadcast: () => {},
  queue: undefined,
  hasQueuedWork: () => false,
  isQueueWaiting: () => false,
});

function instance(definition: { config: unknown }, runner = new MemoryRunner(), generation = 0, input: Uint8Array | null = null, surfaces: CreateSurfaces = quietSurfaces) {
  const config = definition.config as AnyActorConfig;
  const type = { name: "t", config, options: resolveOptions(config.options), log: pino({ level: "silent" }), createSurfaces: surfaces };
  const info = { actorId: "a1", generation, name: "t", key: "k/1", createTs: 0, input, hibernatingRequests: [] };
  return { inst: new ActorInstance(type, runner, info), runner };
}

async function storedState(runner: MemoryRunner): Promise<unknown> {
  const [bytes] = await runner.kv.get("a1", [KEY_ACTOR]);
  return decodeValue(new Uint8Array(persist.decodeRecord("PersistedActor", bytes!).state));
}

describe("ActorInstance", () => {
  it("runs the create hooks once in order, and only the wake hooks on the next start", async () => {
    const order: string[] = [];
    const def = actor({
      createState: () => (order.push("createState"), { n: 0 }),
      onCreate: () => void order.push("onCreate"),
      createVars: () => (order.push("createVars"), {}),
      onWake: () => void order.push("onWake"),
      onSleep: () => void order.push("onSleep"),
      actions: { inc: (c) => ++c.state.n },
    });
    const { inst, runner } = instance(def);
    await inst.start([]);
    expect(await inst.invokeAction("inc", [])).toBe(1);
    await inst.stop("sleep");
    const again = instance(def, runner, 1).inst;
    await again.start([]);
    expect(await again.invokeAction("inc", [])).toBe(2);
    expect(order).toEqual(["createState", "onCreate", "createVars", "onWake", "onSleep", "createVars", "onWake"]);
    expect(again.key).toEqual(["k", "1"]);
  });

  it("replies to an action only after its state change is stored", async () => {
    const { inst, runner } = instance(actor({ state: { n: 0 }, actions: { set: (c, n: number) => void (c.state.n = n) } }));
    await inst.start([]);
    let release!: () => void;
    runner.kv.gate = new Promise<void>((resolve) => (release = resolve));
    let replied = false;
    const call = inst.invokeAction("set", [5]).then(() => (replied = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(replied).toBe(false);
    release();
    runner.kv.gate = undefined;
    await call;
    expect(await storedState(runner)).toEqual({ n: 5 });
  });

  it("under durability interval, replies without waiting for the save", async () => {
    const { inst, runner } = instance(
      actor({ state: { n: 0 }, options: { durability: "interval", stateSaveInterval: 10 }, actions: { set: (c, n: number) => void (c.state.n = n) } }),
    );
    await inst.start([]);
    // A save that never lands: the reply must come anyway (a strict actor would hang here).
    runner.kv.gate = new Promise<void>(() => {});
    await inst.invokeAction("set", [6]);
    runner.kv.gate = undefined;
    expect(await storedState(runner)).toEqual({ n: 0 });
  });

  it("reports a state over maxStateBytes as state.too_large and keeps the last good state stored", async () => {
    const { inst, runner } = instance(
      actor({ state: { blob: "" }, options: { maxStateBytes: 1_000 }, actions: { grow: (c, n: number) => void (c.state.blob = "x".repeat(n)) } }),
    );
    await inst.start([]);
    await inst.invokeAction("grow", [10]);
    await expect(inst.invokeAction("grow", [5_000])).rejects.toMatchObject({ group: "state", code: "too_large" });
    expect(await storedState(runner)).toEqual({ blob: "x".repeat(10) });
  });

  it("rolls the state back to the last saved value after state.too_large, so later calls still work", async () => {
    const { inst, runner } = instance(
      actor({
        state: { blob: "", n: 0 },
        options: { maxStateBytes: 1_000 },
        actions: { grow: (c, n: number) => void (c.state.blob = "x".repeat(n)), read: (c) => c.state.blob.length, inc: (c) => ++c.state.n },
      }),
    );
    await inst.start([]);
    await inst.invokeAction("grow", [10]);
    const error = await inst.invokeAction("grow", [5_000]).catch((e: unknown) => e);
    expect(error).toMatchObject({ group: "state", code: "too_large", metadata: { max: 1_000 } });
    expect((error as Error).message).toContain("1000");
    expect(await inst.invokeAction("read", [])).toBe(10);
    expect(await inst.invokeAction("inc", [])).toBe(1);
    expect(await storedState(runner)).toEqual({ blob: "x".repeat(10), n: 1 });
  });

  it("starts with a 4 MiB input (the engine's limit): every stored value fits the 128 KiB KV value limit", async () => {
    const text = "y".repeat(4 * 1024 * 1024 - 16);
    const def = actor({
      createState: (_c, input: { text: string }): { length: number } => ({ length: input.text.length }),
      actions: { length: (c) => c.state.length },
    });
    const { inst, runner } = instance(def, new MemoryRunner(), 0, encodeValue({ text }));
    await inst.start([]);
    expect(await inst.invokeAction("length", [])).toBe(text.length);
    for (const [, value] of runner.kv.store("a1").values()) expect(value.byteLength).toBeLessThanOrEqual(128 * 1024);
    await inst.stop("sleep");
    const again = instance(def, runner, 1).inst;
    await again.start([]);
    expect(await again.invokeAction("length", [])).toBe(text.length);
  });

  it("runs onStateChange once per tick for a burst of mutations, as rivetkit does", async () => {
    const calls: number[] = [];
    let reentrant: unknown;
    const { inst } = instance(
      actor({
        state: { value: 0 },
        onStateChange: (c, state) => {
          calls.push(state.value);
          try {
            c.state.value = -1;
          } catch (error) {
            reentrant = error;
          }
        },
        actions: {
          burst: (c) => {
            for (let i = 0; i < 100; i++) c.state.value++;
            return c.state.value;
          },
        },
      }),
    );
    await inst.start([]);
    expect(await inst.invokeAction("burst", [])).toBe(100);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([100]);
    expect(reentrant).toMatchObject({ group: "actor", code: "state_mutation_reentrant" });
    expect(await inst.invokeAction("burst", [])).toBe(200);
    await inst.stop("sleep");
    expect(calls).toEqual([100, 200]);
  });

  it("throws actor.state_not_enabled when an actor without state reads or writes c.state", async () => {
    const { inst } = instance(
      actor({
        actions: {
          read: (c) => (c as unknown as { state: unknown }).state,
          write: (c) => void ((c as unknown as { state: unknown }).state = 1),
        },
      }),
    );
    await inst.start([]);
    await expect(inst.invokeAction("read", [])).rejects.toMatchObject({ group: "actor", code: "state_not_enabled" });
    await expect(inst.invokeAction("write", [])).rejects.toMatchObject({ group: "actor", code: "state_not_enabled" });
  });

  it("c.destroy() rejects at once a queue receive an action waits in, with actor.aborted", async () => {
    const def = actor({
      state: {},
      queues: { jobs: queue<number>() },
      actions: {
        wait: (c) => c.queue.next({ names: ["jobs"], timeout: 600_000 }),
        destroy: (c) => c.destroy(),
      },
    });
    const { inst, runner } = instance(def, new MemoryRunner(), 0, null, createSurfaces);
    await inst.start([]);
    const waiting = inst.invokeAction("wait", []);
    await new Promise((resolve) => setImmediate(resolve));
    await inst.invokeAction("destroy", []);
    await expect(waiting).rejects.toMatchObject({ group: "actor", code: "aborted" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(runner.destroys).toEqual(["a1"]);
  });

  it("delivers again a completable message an action returned without completing", async () => {
    const def = actor({
      state: {},
      queues: { jobs: queue<number>() },
      actions: {
        send: (c, n: number) => c.queue.send("jobs", n).then(() => undefined),
        take: async (c) => {
          const m = await c.queue.tryNext({ completable: true });
          return m === undefined ? null : { body: m.body, deliveries: (m as { deliveries?: number }).deliveries };
        },
        finish: async (c) => {
          const m = await c.queue.tryNext({ completable: true });
          await m?.complete?.();
          return m?.body ?? null;
        },
      },
    });
    const { inst } = instance(def, new MemoryRunner(), 0, null, createSurfaces);
    await inst.start([]);
    await inst.invokeAction("send", [7]);
    expect(await inst.invokeAction("take", [])).toEqual({ body: 7, deliveries: 1 });
    expect(await inst.invokeAction("take", [])).toEqual({ body: 7, deliveries: 2 });
    expect(await inst.invokeAction("finish", [])).toBe(7);
    expect(await inst.invokeAction("take", [])).toBeNull();
  });

  it("fails an action past actionTimeout with rivetkit's code and text, naming the action and the limit", async () => {
    const { inst } = instance(actor({ state: {}, options: { actionTimeout: 20 }, actions: { hang: () => new Promise<never>(() => {}) } }));
    await inst.start([]);
    const error = (await inst.invokeAction("hang", []).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ group: "actor", code: "action_timed_out", metadata: { action: "hang", timeoutMs: 20 } });
    expect(error.message).toContain("Action timed out");
    expect(error.message).toContain("20 ms");
  });

  it("calls nested action groups by dotted name and validates arguments with Standard Schemas", async () => {
    // A hand-made Standard Schema: a tuple of two numbers, coerced from numeric strings.
    const twoNumbers = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: (value: unknown) => {
          const args = value as unknown[];
          const numbers = args.map(Number);
          if (args.length !== 2 || numbers.some(Number.isNaN)) return { issues: [{ message: "expected two numbers", path: [0] }] };
          return { value: numbers };
        },
      },
    };
    const { inst } = instance(
      actor({
        state: {},
        actions: { calculator: { add: (_c, a: number, b: number) => a + b, scientific: { square: (_c, x: number) => x * x } } },
        actionInputSchemas: { calculator: { add: twoNumbers } },
      }),
    );
    await inst.start([]);
    expect(await inst.invokeAction("calculator.add", ["2", 3])).toBe(5);
    expect(await inst.invokeAction("calculator.scientific.square", [4])).toBe(16);
    const error = (await inst.invokeAction("calculator.add", ["x"]).catch((e: unknown) => e)) as Error;
    expect(error).toMatchObject({ group: "actor", code: "validation_error", metadata: { issues: [{ message: "expected two numbers", path: [0] }] } });
    expect(error.message).toContain("calculator.add");
    await expect(inst.invokeAction("calculator", [])).rejects.toMatchObject({ code: "action_not_found" });
  });

  it("maps unknown actions, user errors and other throws to their wire errors", async () => {
    const { inst } = instance(
      actor({
        state: {},
        actions: {
          boom: () => {
            throw new Error("secret");
          },
        },
      }),
    );
    await inst.start([]);
    await expect(inst.invokeAction("nope", [])).rejects.toMatchObject({ group: "actor", code: "action_not_found" });
    const error = await inst.invokeAction("boom", []).catch((e: unknown) => e);
    expect(error).toMatchObject({ group: "actor", code: "internal_error" });
    expect((error as Error).message).not.toContain("secret");
  });

  it("destroy runs onDestroy, clears the alarm and drops all data", async () => {
    let destroyed = false;
    const { inst, runner } = instance(actor({ state: { n: 1 }, onDestroy: () => void (destroyed = true), actions: {} }));
    await inst.start([]);
    await inst.stop("destroy");
    expect(destroyed).toBe(true);
    expect(runner.kv.drops).toEqual(["a1"]);
    expect(runner.alarms.at(-1)).toEqual({ actorId: "a1", ts: null });
  });

  it("after a lost stop, writes nothing and runs no hooks", async () => {
    let slept = false;
    const { inst, runner } = instance(actor({ state: { n: 0 }, onSleep: () => void (slept = true), actions: { inc: (c) => ++c.state.n } }));
    await inst.start([]);
    const puts = runner.kv.puts.length;
    await inst.stop("lost");
    expect(slept).toBe(false);
    expect(runner.kv.puts.length).toBe(puts);
  });

  it("writes a hibernatable connection's new ack in the same KV batch as the state its action changed, then acks and replies", async () => {
    const { inst, runner } = instance(actor({ state: { n: 0 }, actions: { add: (c, by: number) => (c.state.n += by) } }), new MemoryRunner(), 0, null, createSurfaces);
    await inst.start([]);
    const socket = new FakeTunnelSocket(true);
    const connect = new Request("http://actor/connect", { headers: { "sec-websocket-protocol": "rivet,rivet_encoding.json" } });
    await inst.surfaces.websocket(socket, connect, { gatewayId: new Uint8Array([0, 0, 0, 7]).buffer, requestId: new Uint8Array([0, 0, 1, 7]).buffer, isRestoring: false });
    socket.open();
    await settle(5);
    const before = runner.kv.puts.length;
    let release!: () => void;
    runner.kv.gate = new Promise<void>((resolve) => (release = resolve));
    socket.deliver(clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id: 1n, name: "add", args: [5] } }, "json") as string, 1);
    await settle(5);
    // One batch in flight, holding the state ([1]) and the connection record ([2] ++ id).
    expect(runner.kv.puts.slice(before)).toEqual([{ actorId: "a1", entries: 2 }]);
    const replies = () => socket.sent.map((d) => clientMessages.ToClient.decode(d, "json").value).filter((m) => m.tag === "ActionResponse");
    // Neither the ack nor the reply goes before the batch is durable.
    expect(socket.acks).toEqual([]);
    expect(replies()).toEqual([]);
    release();
    runner.kv.gate = undefined;
    await settle(5);
    expect(socket.acks).toEqual([1]);
    expect(replies()).toEqual([{ tag: "ActionResponse", val: { id: 1n, output: 5 } }]);
    expect(runner.kv.puts.length).toBe(before + 1);
    expect(await storedState(runner)).toEqual({ n: 5 });
  });
});
