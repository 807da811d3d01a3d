/**
 * Command acks, replays after reconnects, eviction and drain (`rivet-protocol.md` §1.1, §1.5,
 * §1.10, §1.11).
 */
import { runner } from "@actorwire/protocol";
import type { ActorRef, CaseContext, RunnerCase } from "../context.js";
import { info } from "./lifecycle.js";

/** A close that is neither an eviction nor a shutdown: the runner must come back. */
const TRANSIENT_CLOSE = { code: 1011, reason: "ws.connection_closed#conformance" };

/** An alarm actor with two events (Running 0, SetAlarm 1). */
async function actorWithTwoEvents(ctx: CaseContext): Promise<ActorRef> {
  const actor = await ctx.started("alarm");
  await ctx.json(actor.actorId, "POST", `/alarm?at=${Date.now() + 3_600_000}`);
  await ctx.waitEvent(actor, (e) => (e.inner.tag === "EventActorSetAlarm" ? true : undefined), "EventActorSetAlarm");
  return actor;
}

export const commandCases: RunnerCase[] = [
  {
    name: "commands/ack-prompt",
    level: "recommended",
    description: "The runner acknowledges a command (ToServerAckCommands naming its actor, generation and index) within 2 s.",
    async run(ctx) {
      const actor = ctx.start("echo");
      await ctx.waitFor(
        (e) =>
          e.kind === "recv" && e.message.tag === "ToServerAckCommands" && e.message.val.lastCommandCheckpoints.some((c) => c.actorId === actor.actorId && c.generation === 0 && c.index >= 0n)
            ? true
            : undefined,
        "ToServerAckCommands for the start command",
        2000,
      );
    },
  },
  {
    name: "commands/duplicate-start",
    level: "required",
    description: "A start command the engine replays after a reconnect (the runner had not acked it) does not restart the live actor: GET /info still counts one start and the event numbering goes on.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actor = await actorWithTwoEvents(ctx);
      ctx.engine.replayOnInit = actor.commands.filter((c) => c.inner.tag === "CommandStartActor");
      const old = ctx.drop(TRANSIENT_CLOSE);
      await ctx.reconnected(old);
      await ctx.sleep(500);
      const got = await info(ctx, actor.actorId);
      ctx.check(got.starts === 1, `the actor was started ${JSON.stringify(got.starts)} times; the replayed start command restarted it`);
      const since = ctx.engine.trace.mark;
      ctx.stop(actor);
      const stopped = await ctx.waitStopped(actor, 10_000, since);
      ctx.check(stopped.checkpoint.index === 2n, `Stopped has index ${stopped.checkpoint.index}; after Running (0) and SetAlarm (1) it must be 2`);
    },
  },
  {
    name: "replay/events-after-reconnect",
    level: "required",
    description: "Events the engine has not acknowledged are sent again, unchanged, after the connection is restored.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actor = await actorWithTwoEvents(ctx);
      const old = ctx.drop("terminate");
      const conn = await ctx.reconnected(old);
      const resent = new Set<bigint>();
      await ctx.waitFor(
        (e) => {
          if (e.kind !== "recv" || e.conn !== conn.id || e.message.tag !== "ToServerEvents") return undefined;
          for (const ev of e.message.val) if (ev.checkpoint.actorId === actor.actorId) resent.add(ev.checkpoint.index);
          return resent.has(0n) && resent.has(1n) ? true : undefined;
        },
        "the unacknowledged events 0 and 1 to be sent again",
        10_000,
      );
    },
  },
  {
    name: "replay/acked-events-not-resent",
    level: "recommended",
    description: "Events covered by ToClientAckEvents are not sent again after a reconnect, and numbering continues after them.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actor = await actorWithTwoEvents(ctx);
      ctx.conn().send({ tag: "ToClientAckEvents", val: { lastEventCheckpoints: [{ actorId: actor.actorId, generation: 0, index: 1n }] } });
      await ctx.alive();
      const old = ctx.drop("terminate");
      const conn = await ctx.reconnected(old);
      // A runner resends on ToClientInit; half a second is ample on loopback.
      await ctx.sleep(500);
      const again = ctx.engine.trace.collect(ctx.since, (e) =>
        e.kind === "recv" && e.conn === conn.id && e.message.tag === "ToServerEvents" ? e.message.val.filter((ev) => ev.checkpoint.actorId === actor.actorId) : undefined,
      ).flat();
      ctx.check(again.length === 0, `acknowledged events were sent again: indices ${again.map((e) => e.checkpoint.index).join(", ")}`);
      const since = ctx.engine.trace.mark;
      ctx.stop(actor);
      const stopped = await ctx.waitStopped(actor, 10_000, since);
      ctx.check(stopped.checkpoint.index === 2n, `Stopped has index ${stopped.checkpoint.index}, not 2`);
    },
  },
  {
    name: "reconnect/same-runner-key",
    level: "required",
    description: "After the engine drops the connection the runner reconnects with the same runner_key (so the engine keeps its runner ID and actors).",
    timeoutMs: 30_000,
    async run(ctx) {
      const old = ctx.drop(TRANSIENT_CLOSE);
      const conn = await ctx.reconnected(old);
      const before = old.url.searchParams.get("runner_key");
      const after = conn.url.searchParams.get("runner_key");
      ctx.check(before === after, `runner_key changed from ${before} to ${after}`);
    },
  },
  {
    name: "reconnect/actors-kept",
    level: "required",
    description: "When ToClientInit after a reconnect carries the same runner ID, the runner keeps its actors: they answer without a new start.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actor = await ctx.started("echo");
      const old = ctx.drop("terminate");
      await ctx.reconnected(old);
      const since = ctx.engine.trace.mark;
      const got = await info(ctx, actor.actorId);
      ctx.check(got.starts === 1, `GET /info counts ${JSON.stringify(got.starts)} starts`);
      ctx.check(ctx.events(actor, since).every((e) => e.inner.tag !== "EventActorStateUpdate" || e.inner.val.state.tag !== "ActorStateStopped"), "the actor reported Stopped");
    },
  },
  {
    name: "reconnect/new-runner-id-stops-actors",
    level: "recommended",
    description: "When ToClientInit after a reconnect carries a different runner ID, the runner stops its old actors (Stopped), as the engine has given them up.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actor = await ctx.started("echo");
      const old = ctx.drop("terminate");
      ctx.engine.runnerId = `conformancenewid${Date.now().toString(36)}`.padEnd(30, "0").slice(0, 30);
      await ctx.reconnected(old);
      await ctx.waitStopped(actor, 10_000);
    },
  },
  {
    name: "reconnect/eviction-no-reconnect",
    level: "required",
    endsProcess: true,
    description: "A close with reason ws.eviction (another runner took this identity) ends the runner: it does not reconnect.",
    timeoutMs: 30_000,
    async run(ctx) {
      const old = ctx.drop({ code: 1000, reason: "ws.eviction#conformance" });
      const since = ctx.engine.trace.mark;
      // A reconnecting runner tries again within about a second (Rivet's: 1 s plus up to 25 % jitter).
      await ctx.sleep(2500);
      const opened = ctx.engine.trace.collect(since, (e) => (e.kind === "open" && e.conn > old.id ? e : undefined));
      ctx.check(opened.length === 0, `the runner reconnected ${opened.length} time(s) after being evicted`);
    },
  },
  {
    name: "drain/sigterm-stopping",
    level: "required",
    endsProcess: true,
    description: "On SIGTERM the runner sends ToServerStopping, then answers the engine's stop commands with Stopped.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actors = [await ctx.started("echo"), await ctx.started("counter")];
      const since = ctx.engine.trace.mark;
      ctx.process.signal("SIGTERM");
      await ctx.waitFor((e) => (e.kind === "recv" && e.message.tag === "ToServerStopping" ? true : undefined), "ToServerStopping after SIGTERM", 5000, since);
      for (const a of actors) ctx.stop(a);
      for (const a of actors) await ctx.waitStopped(a, 10_000, since);
    },
  },
  {
    name: "drain/graceful-close",
    level: "recommended",
    endsProcess: true,
    description: "While draining, Stopped carries StopCode OK, and once its actors are stopped the runner closes the connection with 1000 and exits.",
    timeoutMs: 30_000,
    async run(ctx) {
      const actor = await ctx.started("echo");
      const since = ctx.engine.trace.mark;
      const conn = ctx.conn();
      ctx.process.signal("SIGTERM");
      await ctx.waitFor((e) => (e.kind === "recv" && e.message.tag === "ToServerStopping" ? true : undefined), "ToServerStopping after SIGTERM", 5000, since);
      ctx.stop(actor);
      const stopped = await ctx.waitStopped(actor, 10_000, since);
      ctx.check(stopped.code === runner.v7.StopCode.Ok, `Stopped while draining has code ${runner.v7.StopCode[stopped.code]}, not OK`);
      const close = await ctx.waitFor((e) => (e.kind === "close" && e.conn === conn.id ? e : undefined), "the runner to close the connection", 10_000, since);
      ctx.check(close.by === "runner" && close.code === 1000, `the connection ended with ${close.code} ${JSON.stringify(close.reason)} (closed by ${close.by})`);
      const exit = await Promise.race([ctx.process.exited, ctx.sleep(10_000).then(() => undefined)]);
      ctx.check(exit !== undefined, "the runner process did not exit within 10 s of its drain");
    },
  },
];
