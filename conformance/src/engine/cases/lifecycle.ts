/**
 * `engine/lifecycle/…`: what the engine does with an actor over time: sleep and wake on the next
 * request, alarms that wake a sleeping actor, destroy from inside the actor, an action that
 * throws, and a runner killed with SIGKILL (the actor comes back on a new runner with its state;
 * a queue message being handled is delivered again).
 */
import { type EngineCase, show } from "../context.js";
import { actorError, call, untilAsleep } from "./helpers.js";

type Counts = { count: number; wakes: number; fired: string[] };

export const lifecycleCases: EngineCase[] = [
  {
    area: "lifecycle",
    name: "sleep-wake-keeps-state",
    level: "required",
    description: "An actor that asks to sleep is stopped (sleep_ts set); the next request wakes it with the state it had.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("counter", ctx.key("lc-sleep"));
      ctx.equal(await call(handle, "increment", 3), 3, "increment(3)");
      const actorId = await handle.resolve();
      await call(handle, "sleep");
      await untilAsleep(ctx, actorId);
      const counts = await call<Counts>(handle, "get");
      ctx.equal({ count: counts.count, wakes: counts.wakes }, { count: 3, wakes: 2 }, "the state after the wake (count, wakes)");
      ctx.equal(await handle.resolve(), actorId, "the actor ID after the wake");
    },
  },
  {
    area: "lifecycle",
    name: "alarm-wakes-sleeping-actor",
    level: "required",
    description: "An alarm set before sleeping wakes the actor at its time without any request, and the scheduled action runs.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("counter", ctx.key("lc-alarm"));
      const actorId = await handle.resolve();
      const from = ctx.runner.mark;
      const tag = `alarm-${Date.now()}`;
      // Nothing but the alarm may wake it: the case reads the API only, never the gateway,
      // until the scheduled action has fired.
      await call(handle, "scheduleAndSleep", 2_000, tag);
      await ctx.waitForLine(`the scheduled action to fire with tag ${tag}`, (l) => l.event === "fired" && l.actorId === actorId && l.tag === tag, { from, timeoutMs: 15_000 });
      const counts = await call<Counts>(handle, "get");
      // One wake at creation and one by the alarm: the actor did sleep in between.
      ctx.equal(counts.wakes, 2, "the actor's wakes (creation, then the alarm)");
      ctx.equal(counts.fired, [tag], "the actions fired, as the actor's state records them");
    },
  },
  {
    area: "lifecycle",
    name: "destroy-from-actor",
    level: "required",
    description: "An actor that destroys itself is gone: get() fails with actor.not_found and getOrCreate() makes a new actor with fresh state.",
    async run(ctx) {
      const key = ctx.key("lc-destroy");
      const handle = ctx.client().getOrCreate("counter", key);
      ctx.equal(await call(handle, "increment", 9), 9, "increment(9)");
      const actorId = await handle.resolve();
      await call(handle, "destroy");
      await ctx.until(
        `actor ${actorId} to be destroyed (destroy_ts in GET /actors)`,
        async () => {
          const actor = await ctx.api.actor(actorId);
          return actor === undefined || typeof actor.destroy_ts === "number" ? true : undefined;
        },
        15_000,
        100,
      );
      const error = await ctx.rejects(ctx.client().get("counter", key).action({ name: "get", args: [] }), "get() of the destroyed actor");
      ctx.equal(actorError(error), "actor.not_found", "the error of get() after the destroy");
      const fresh = ctx.client().getOrCreate("counter", key);
      ctx.equal(await call(fresh, "increment", 1), 1, "increment(1) on the new actor with that key");
      ctx.check((await fresh.resolve()) !== actorId, "getOrCreate() returned the destroyed actor");
    },
  },
  {
    area: "lifecycle",
    name: "action-error-keeps-actor",
    level: "required",
    description: "An action that throws answers an error to the caller, and the actor goes on with its state.",
    async run(ctx) {
      const handle = ctx.client().getOrCreate("counter", ctx.key("lc-crash"));
      ctx.equal(await call(handle, "increment", 2), 2, "increment(2)");
      const actorId = await handle.resolve();
      const error = await ctx.rejects(call(handle, "crash"), "the throwing action");
      ctx.check(actorError(error).includes("."), `the throwing action did not fail with an actor error: ${actorError(error)}`);
      ctx.equal(await call(handle, "increment", 1), 3, "increment(1) after the error");
      ctx.equal(await handle.resolve(), actorId, "the actor ID after the error");
    },
  },
  {
    area: "lifecycle",
    name: "runner-sigkill-actor-moves",
    level: "required",
    description: "When the runner hosting an actor is killed with SIGKILL, the actor comes back on a new runner with its state once the engine notices.",
    timeoutMs: 90_000,
    async run(ctx) {
      const handle = ctx.client().getOrCreate("counter", ctx.key("lc-kill"));
      ctx.equal(await call(handle, "increment", 7), 7, "increment(7)");
      const actorId = await handle.resolve();
      const oldRunner = ctx.runner.runnerId;
      await ctx.killRunner();
      await ctx.restartRunner();
      ctx.check(ctx.runner.runnerId === undefined || ctx.runner.runnerId !== oldRunner, `the new runner got the old runner's ID ${oldRunner}`);
      const counts = await ctx.until(
        "the actor to answer on the new runner",
        async () => await call<Counts>(ctx.client().getForId("counter", actorId), "get"),
        ctx.settings.runnerLostTimeoutMs,
        250,
      );
      ctx.equal(counts.count, 7, "the count on the new runner");
    },
  },
  {
    area: "lifecycle",
    name: "queue-redelivered-after-sigkill",
    level: "required",
    description: "A queue message whose handling was cut short by a runner SIGKILL is delivered again when the actor comes back.",
    timeoutMs: 90_000,
    async run(ctx) {
      const handle = ctx.client().getOrCreate("worker", ctx.key("lc-queue"));
      const actorId = await handle.resolve();
      const from = ctx.runner.mark;
      const sent = await handle.send("jobs", { n: 41, hang: true });
      ctx.step(`queue send answered ${show(sent)}`);
      await ctx.waitForLine("the first delivery of job 41", (l) => l.event === "job" && l.actorId === actorId && l.n === 41 && l.deliveries === 1, { from });
      await ctx.killRunner();
      const runner = await ctx.restartRunner();
      const done = await ctx.until(
        "job 41 to be done on the new runner",
        async () => {
          const list = await call<number[]>(ctx.client().getForId("worker", actorId), "done");
          return list.includes(41) ? list : undefined;
        },
        ctx.settings.runnerLostTimeoutMs,
        250,
      );
      ctx.equal(done, [41], "the jobs the worker completed");
      const again = runner.lines.filter((l) => l.event === "job" && l.actorId === actorId && l.n === 41).map((l) => l.deliveries);
      ctx.equal(again, [2], "the deliveries of job 41 on the new runner");
    },
  },
];
