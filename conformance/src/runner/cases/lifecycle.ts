/** Actor lifecycle cases: start, stop, generations, intents, alarms (`rivet-protocol.md` §1.5). */
import { runner } from "@actorwire/protocol";
import type { CaseContext, RunnerCase } from "../context.js";

const encoder = new TextEncoder();

async function info(ctx: CaseContext, actorId: string): Promise<Record<string, unknown>> {
  const { status, json } = await ctx.json(actorId, "GET", "/info");
  ctx.check(status === 200, `GET /info answered ${status}`);
  return json as Record<string, unknown>;
}

export { info };

export const lifecycleCases: RunnerCase[] = [
  {
    name: "lifecycle/start-running",
    level: "required",
    description: "CommandStartActor is answered with EventActorStateUpdate(Running) at event index 0 of that (actor, generation).",
    async run(ctx) {
      const actor = ctx.start("echo");
      const running = await ctx.waitRunning(actor);
      ctx.check(running.checkpoint.index === 0n, `Running has index ${running.checkpoint.index}, not 0`);
    },
  },
  {
    name: "lifecycle/start-config",
    level: "required",
    description: "The actor sees the start command's name, key, input and generation (checked through GET /info).",
    async run(ctx) {
      const input = new Uint8Array([0x00, 0xff, 0x10, 0x80]);
      const actor = await ctx.started("echo", { key: "a/b\\/c", input, generation: 3 });
      const got = await info(ctx, actor.actorId);
      ctx.check(got.actorId === actor.actorId, `actorId ${JSON.stringify(got.actorId)}`);
      ctx.check(got.name === "echo", `name ${JSON.stringify(got.name)}`);
      ctx.check(got.key === "a/b\\/c", `key ${JSON.stringify(got.key)}, sent "a/b\\\\/c"`);
      ctx.check(got.inputHex === "00ff1080", `inputHex ${JSON.stringify(got.inputHex)}, sent 00ff1080`);
      ctx.check(got.generation === 3, `generation ${JSON.stringify(got.generation)}, sent 3`);
      const noKey = await ctx.started("echo", { key: null, input: null });
      const got2 = await info(ctx, noKey.actorId);
      ctx.check(got2.key === null && got2.inputHex === null, `with no key and no input the actor saw key ${JSON.stringify(got2.key)}, input ${JSON.stringify(got2.inputHex)}`);
    },
  },
  {
    name: "lifecycle/stop-stopped",
    level: "required",
    description: "CommandStopActor is answered with EventActorStateUpdate(Stopped) at the next event index.",
    async run(ctx) {
      const actor = await ctx.started("echo");
      ctx.stop(actor);
      const stopped = await ctx.waitStopped(actor);
      ctx.check(stopped.checkpoint.index === 1n, `Stopped has index ${stopped.checkpoint.index}; Running had 0 and nothing else happened`);
    },
  },
  {
    name: "lifecycle/generations",
    level: "required",
    description: "A new generation of a stopped actor starts its event numbering at 0 again and sees its own generation.",
    async run(ctx) {
      const first = await ctx.started("echo");
      ctx.stop(first);
      await ctx.waitStopped(first);
      const second = await ctx.started("echo", { actorId: first.actorId, generation: 1 });
      const running = ctx.events(second).find((e) => e.inner.tag === "EventActorStateUpdate");
      ctx.check(running?.checkpoint.index === 0n, `generation 1 Running has index ${running?.checkpoint.index}`);
      const got = await info(ctx, second.actorId);
      ctx.check(got.generation === 1, `GET /info says generation ${JSON.stringify(got.generation)}`);
    },
  },
  {
    name: "lifecycle/many-actors",
    level: "required",
    description: "Twenty start commands in one ToClientCommands all start, and each actor answers its own requests.",
    async run(ctx) {
      const names = ["echo", "counter", "kv-probe", "alarm", "sleeper", "http-echo", "ws-echo", "crasher"];
      const actors = Array.from({ length: 20 }, (_, i) => ({ actorId: ctx.ids.actorId(names[i % names.length]!), name: names[i % names.length]!, generation: 0, nextCommand: 0n, commands: [] }));
      ctx.sendCommands(actors.map((a) => ctx.command(a, { tag: "CommandStartActor", val: { config: { name: a.name, key: null, createTs: 0n, input: null }, hibernatingRequests: [] } })));
      for (const a of actors) await ctx.waitRunning(a);
      const infos = await Promise.all(actors.map((a) => info(ctx, a.actorId)));
      infos.forEach((got, i) => ctx.check(got.actorId === actors[i]!.actorId && got.name === actors[i]!.name, `actor ${actors[i]!.actorId} answered as ${JSON.stringify(got)}`));
    },
  },
  {
    name: "lifecycle/start-throws",
    level: "required",
    description: "A start that fails (crasher with input throw-on-start) ends in Stopped for that generation, and the runner keeps serving.",
    async run(ctx) {
      const actor = ctx.start("crasher", { input: encoder.encode("throw-on-start") });
      await ctx.waitStopped(actor);
      const other = await ctx.started("echo");
      await info(ctx, other.actorId);
    },
  },
  {
    name: "lifecycle/start-throws-code-error",
    level: "recommended",
    description: "The Stopped event of a failed start carries StopCode ERROR.",
    async run(ctx) {
      const actor = ctx.start("crasher", { input: encoder.encode("throw-on-start") });
      const stopped = await ctx.waitStopped(actor);
      ctx.check(stopped.code === runner.v7.StopCode.Error, `code ${runner.v7.StopCode[stopped.code]}, not ERROR`);
    },
  },
  {
    name: "lifecycle/sleep-intent",
    level: "required",
    description: "An actor's sleep request becomes EventActorIntent(Sleep); the engine's stop then yields Stopped.",
    async run(ctx) {
      const actor = await ctx.started("sleeper");
      const { status } = await ctx.json(actor.actorId, "POST", "/sleep");
      ctx.check(status === 200, `POST /sleep answered ${status}`);
      await ctx.waitEvent(actor, (e) => (e.inner.tag === "EventActorIntent" && e.inner.val.intent.tag === "ActorIntentSleep" ? true : undefined), "EventActorIntent(Sleep)");
      ctx.stop(actor);
      await ctx.waitStopped(actor);
    },
  },
  {
    name: "lifecycle/stop-intent",
    level: "required",
    description: "An actor's destroy request becomes EventActorIntent(Stop); the engine's stop then yields Stopped.",
    async run(ctx) {
      const actor = await ctx.started("sleeper");
      await ctx.json(actor.actorId, "POST", "/destroy");
      await ctx.waitEvent(actor, (e) => (e.inner.tag === "EventActorIntent" && e.inner.val.intent.tag === "ActorIntentStop" ? true : undefined), "EventActorIntent(Stop)");
      ctx.stop(actor);
      await ctx.waitStopped(actor);
    },
  },
  {
    name: "lifecycle/stop-intent-code-ok",
    level: "recommended",
    description: "After a stop intent (destroy) the Stopped event carries StopCode OK.",
    async run(ctx) {
      const actor = await ctx.started("sleeper");
      await ctx.json(actor.actorId, "POST", "/destroy");
      await ctx.waitEvent(actor, (e) => (e.inner.tag === "EventActorIntent" ? true : undefined), "EventActorIntent");
      ctx.stop(actor);
      const stopped = await ctx.waitStopped(actor);
      ctx.check(stopped.code === runner.v7.StopCode.Ok, `code ${runner.v7.StopCode[stopped.code]}, not OK`);
    },
  },
  {
    name: "lifecycle/alarm-set-and-clear",
    level: "required",
    description: "Setting an alarm sends EventActorSetAlarm with exactly that timestamp; clearing sends alarmTs null.",
    async run(ctx) {
      const actor = await ctx.started("alarm");
      const at = Date.now() + 3_600_000;
      await ctx.json(actor.actorId, "POST", `/alarm?at=${at}`);
      const set = await ctx.waitEvent(actor, (e) => (e.inner.tag === "EventActorSetAlarm" ? e.inner.val.alarmTs : undefined), "EventActorSetAlarm");
      ctx.check(set === BigInt(at), `alarmTs ${set}, asked for ${at}`);
      const since = ctx.engine.trace.mark;
      await ctx.json(actor.actorId, "POST", "/alarm/clear");
      await ctx.waitEvent(actor, (e) => (e.inner.tag === "EventActorSetAlarm" && e.inner.val.alarmTs === null ? true : undefined), "EventActorSetAlarm(null)", 10_000, since);
    },
  },
  {
    name: "lifecycle/stop-unknown-actor",
    level: "required",
    description: "A stop command for an actor the runner does not host does not break the runner.",
    async run(ctx) {
      const ghost = { actorId: ctx.ids.actorId("ghost"), name: "echo", generation: 0, nextCommand: 5n, commands: [] };
      ctx.stop(ghost);
      await ctx.alive();
      const actor = await ctx.started("echo");
      await info(ctx, actor.actorId);
    },
  },
];
