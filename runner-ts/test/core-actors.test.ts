import { describe, expect, it } from "vitest";
import { ENGINES, useStack } from "./support/stack.js";

// The actor core end to end: a runner child process hosting `fixtures/core-actors.ts`, driven
// through rivetkit's own client, on our engine and on Rivet's. Hooks and moments the fixture
// reports arrive as JSON lines; tests assert on their order and on state read back.

type ActorErrorLike = { group?: string; code?: string; metadata?: unknown; message: string };

async function failure(promise: Promise<unknown>): Promise<ActorErrorLike> {
  try {
    await promise;
  } catch (error) {
    return error as ActorErrorLike;
  }
  throw new Error("expected the call to fail");
}

describe.each(ENGINES)("the actor core on %s's engine", (engine) => {
  const stack = useStack({ engine, fixture: "core-actors.ts" });

  it("keeps state across actions and across sleep and wake", async () => {
    const s = stack.get();
    const counter = s.client.counter.getOrCreate(["state"]);
    expect(await counter.increment(2)).toBe(2);
    expect(await counter.increment(5)).toBe(7);
    const from = s.lines.mark;
    const lifecycle = s.client.lifecycle.getOrCreate(["state"]);
    await lifecycle.bumpVars();
    await lifecycle.sleep();
    await s.waitFor("hook", (l) => l.hook === "onSleep", { from });
    const after = await lifecycle.state();
    expect(after.hooks).toEqual(["createState", "onCreate", "createVars", "onWake", "onSleep", "createVars", "onWake"]);
    expect(await counter.increment(1)).toBe(8);
  });

  it("runs createState and onCreate once, with the input, and vars on every start", async () => {
    const s = stack.get();
    const from = s.lines.mark;
    const handle = s.client.lifecycle.getOrCreate(["input"], { createWithInput: { start: 41 } });
    expect(await handle.input()).toBe(41);
    expect(await handle.bumpVars()).toBe(1);
    expect(await handle.bumpVars()).toBe(2);
    const actorId = await handle.resolve();
    await handle.sleep();
    await s.waitFor("hook", (l) => l.hook === "onSleep" && l.actorId === actorId, { from });
    // Vars are rebuilt at wake; state (and the input copied into it) is not.
    expect(await handle.bumpVars()).toBe(1);
    expect(await handle.input()).toBe(41);
    const hooks = s.lines.filter((l) => l.event === "hook" && l.actorId === actorId, from).map((l) => l.hook);
    expect(hooks).toEqual(["createState", "onCreate", "createVars", "onWake", "onSleep", "createVars", "onWake"]);
    const created = s.lines.filter((l) => l.event === "hook" && l.hook === "createState" && l.actorId === actorId, from);
    expect(created).toHaveLength(1);
    expect(created[0]!.input).toEqual({ start: 41 });
  });

  it("gives compound keys to c.key as arrays, each key its own actor", async () => {
    const s = stack.get();
    const a = s.client.counter.getOrCreate(["org", "room/1"]);
    const b = s.client.counter.getOrCreate(["org", "room", "1"]);
    expect(await a.key()).toEqual(["org", "room/1"]);
    expect(await b.key()).toEqual(["org", "room", "1"]);
    await a.increment(10);
    expect((await b.get()).count).toBe(0);
  });

  it("calls other actors through c.client()", async () => {
    const s = stack.get();
    const caller = s.client.caller.getOrCreate(["a2a"]);
    expect(await caller.bumpCounter(3)).toBe(3);
    expect(await caller.bumpCounter(4)).toBe(7);
    // The counter the caller reached is the same actor a client reaches by that key.
    expect((await s.client.counter.getOrCreate(["a2a"]).get()).count).toBe(7);
    expect(await caller.counterFor()).toBe(7);
  });

  it("sends UserError code, message and metadata to the client, and anything else as internal_error", async () => {
    const s = stack.get();
    const errors = s.client.errors.getOrCreate(["e"]);
    const user = await failure(errors.userError());
    expect(user).toMatchObject({ group: "user", code: "forbidden_thing", message: "not allowed", metadata: { limit: 3 } });
    expect(await failure(errors.userErrorDefault())).toMatchObject({ group: "user", code: "user_error", message: "plain user error" });
    const internal = await failure(errors.internal());
    expect(internal).toMatchObject({ group: "actor", code: "internal_error" });
    expect(internal.message).not.toContain("secret");
    expect(await errors.fine()).toBe("ok");
  });

  it("fails an action that runs past actionTimeout with action_timed_out", async () => {
    const s = stack.get();
    const errors = s.client.errors.getOrCreate(["timeout"]);
    expect(await failure(errors.slow())).toMatchObject({ group: "actor", code: "action_timed_out" });
    expect(await errors.fine()).toBe("ok");
  });

  it("fires schedule.after while awake, and lists and cancels schedules", async () => {
    const s = stack.get();
    const sched = s.client.scheduler.getOrCreate(["awake"]);
    const actorId = await sched.resolve();
    const from = s.lines.mark;
    const keep = await sched.scheduleAfter(60_000, "never");
    await sched.scheduleAfter(200, "soon");
    expect((await sched.list()).map((e: { args: unknown[] }) => e.args)).toEqual([["soon"], ["never"]]);
    await s.waitFor("fired", (l) => l.actorId === actorId && l.tag === "soon", { from });
    expect(await sched.cancel(keep)).toBe(true);
    expect(await sched.list()).toEqual([]);
    expect(await sched.fired()).toEqual(["soon"]);
  });

  it("wakes a sleeping actor with its alarm to fire a schedule", async () => {
    const s = stack.get();
    const sched = s.client.scheduler.getOrCreate(["alarm"]);
    const actorId = await sched.resolve();
    const from = s.lines.mark;
    await sched.scheduleAndSleep(1_500, "from-alarm");
    await s.waitFor("hook", (l) => l.hook === "onSleep" && l.actorId === actorId, { from });
    const fired = await s.waitFor("fired", (l) => l.actorId === actorId && l.tag === "from-alarm", { from });
    const wake = s.lines.lines.findIndex((l, i) => i >= from && l.event === "hook" && l.hook === "onWake" && l.actorId === actorId);
    expect(wake).toBeGreaterThanOrEqual(0);
    expect(s.lines.lines.indexOf(fired)).toBeGreaterThan(wake);
    expect(await sched.fired()).toEqual(["from-alarm"]);
  });

  it("sleeps when idle for sleepTimeout, and keepAwake holds it awake until its promise settles", async () => {
    const s = stack.get();
    const sleepy = s.client.sleepy.getOrCreate(["idle"]);
    const actorId = await sleepy.resolve();
    let from = s.lines.mark;
    await sleepy.counts();
    await s.waitFor("hook", (l) => l.hook === "onSleep" && l.actorId === actorId, { from });

    from = s.lines.mark;
    await sleepy.keepAwake(1_200);
    const done = await s.waitFor("kept-awake-done", (l) => l.actorId === actorId, { from });
    const slept = await s.waitFor("hook", (l) => l.hook === "onSleep" && l.actorId === actorId, { from });
    expect(s.lines.lines.indexOf(slept)).toBeGreaterThan(s.lines.lines.indexOf(done));
    const counts = await sleepy.counts();
    expect(counts.sleeps).toBeGreaterThanOrEqual(2);
  });

  it("lets waitUntil work finish during shutdown and saves what it changed", async () => {
    const s = stack.get();
    const sleepy = s.client.sleepy.getOrCreate(["wait-until"]);
    const actorId = await sleepy.resolve();
    const from = s.lines.mark;
    // The work outlasts the idle timeout, so the actor starts to sleep while it runs.
    await sleepy.waitUntil(1_200, "w1");
    const slept = await s.waitFor("hook", (l) => l.hook === "onSleep" && l.actorId === actorId, { from });
    const done = await s.waitFor("wait-until-done", (l) => l.actorId === actorId, { from });
    expect(s.lines.lines.indexOf(done)).toBeGreaterThan(s.lines.lines.indexOf(slept));
    expect((await sleepy.counts()).waited).toEqual(["w1"]);
  });

  it("starts run after onWake, keeps state it changes, and aborts it on sleep", async () => {
    const s = stack.get();
    const looper = s.client.looper.getOrCreate(["run"]);
    const actorId = await looper.resolve();
    let from = s.lines.mark;
    await looper.state();
    await s.waitFor("run-start", (l) => l.actorId === actorId);
    await looper.sleep();
    await s.waitFor("run-aborted", (l) => l.actorId === actorId, { from });
    await s.waitFor("hook", (l) => l.hook === "onSleep" && l.actorId === actorId, { from });
    from = s.lines.mark;
    const woken = await looper.state();
    expect(woken.runs).toBe(2);
    expect(woken.ticks).toBeGreaterThan(0);
  });

  it("c.kv stores text and binary entries apart from the actor's state", async () => {
    const s = stack.get();
    const kv = s.client.kv.getOrCreate(["kv"]);
    await kv.put("user:1", "ada");
    await kv.put("user:2", "grace");
    await kv.put("other", "x");
    expect(await kv.get("user:1")).toBe("ada");
    expect(await kv.list("user:")).toEqual([
      ["user:1", "ada"],
      ["user:2", "grace"],
    ]);
    await kv.remove("user:1");
    expect(await kv.get("user:1")).toBeNull();
    await kv.putBinary([0, 255, 1], [9, 8, 7]);
    expect(await kv.getBinary([0, 255, 1])).toEqual([9, 8, 7]);
  });

  it("c.destroy runs onDestroy, deletes the actor, and later calls fail with actor.not_found", async () => {
    const s = stack.get();
    const handle = s.client.lifecycle.getOrCreate(["doomed"], { createWithInput: { start: 7 } });
    const actorId = await handle.resolve();
    const from = s.lines.mark;
    await handle.destroy();
    await s.waitFor("hook", (l) => l.hook === "onDestroy" && l.actorId === actorId, { from });
    let error: ActorErrorLike | undefined;
    for (let attempt = 0; attempt < 50 && error === undefined; attempt++) {
      try {
        await s.client.lifecycle.getForId(actorId).input();
        await new Promise((resolve) => setTimeout(resolve, 100));
      } catch (caught) {
        error = caught as ActorErrorLike;
      }
    }
    expect(error).toMatchObject({ group: "actor", code: "not_found" });
    // The same key makes a new actor, created afresh (its input runs createState again).
    const again = s.client.lifecycle.getOrCreate(["doomed"], { createWithInput: { start: 8 } });
    expect(await again.input()).toBe(8);
  });
});
