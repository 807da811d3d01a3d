import { runner } from "@actorwire/protocol";
import { ScriptedRunner, type ScriptedRunnerOptions, eventually } from "@actorwire/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { CommandStore } from "../src/actors/commands.js";
import type { ActorStoppedEvent } from "../src/actors/index.js";
import { EngineError } from "../src/errors.js";
import { FAST, type Harness, type HarnessOptions, startHarness } from "./actors-harness.js";

// The lifecycle driven by a scripted runner, which lets each test choose exactly which
// events, acks, reconnects and crashes the engine sees.

const open: { harnesses: Harness[]; runners: ScriptedRunner[] } = { harnesses: [], runners: [] };

afterEach(async () => {
  for (const r of open.runners.splice(0)) r.ws.terminate();
  await Promise.all(open.harnesses.splice(0).map((h) => h.close({ closeStorage: true })));
});

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options);
  open.harnesses.push(h);
  return h;
}

async function connect(h: Harness, options: ScriptedRunnerOptions = {}): Promise<ScriptedRunner> {
  const r = await ScriptedRunner.connect(h.endpoint, options);
  open.runners.push(r);
  return r;
}

/** Takes the next command batch and checks it is one command of this kind at this checkpoint. */
async function expectCommand(
  r: ScriptedRunner,
  actorId: string,
  generation: number,
  index: number,
  kind: runner.v7.Command["tag"],
): Promise<runner.v7.CommandWrapper> {
  const batch = await r.commands();
  expect(batch).toHaveLength(1);
  const [command] = batch as [runner.v7.CommandWrapper];
  expect(command.checkpoint).toEqual({ actorId, generation, index: BigInt(index) });
  expect(command.inner.tag).toBe(kind);
  return command;
}

/** Creates an actor, answers its start with Running, and waits until it is running. */
async function runningActor(h: Harness, r: ScriptedRunner, options: Parameters<Harness["createActor"]>[0] = {}): Promise<string> {
  const id = h.createActor(options);
  await expectCommand(r, id, 0, 0, "CommandStartActor");
  r.running(id, 0);
  await h.reach(id, "running", 0);
  return id;
}

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EngineError) return err;
    throw err;
  }
  throw new Error("expected a rejection");
}

function stoppedEvents(h: Harness): ActorStoppedEvent[] {
  const events: ActorStoppedEvent[] = [];
  h.lifecycle.on("stopped", (e) => events.push(e));
  return events;
}

describe("placement and start", () => {
  it("sends CommandStartActor at checkpoint (generation 0, index 0) with the actor's config and input bytes", async () => {
    const h = await harness();
    const r = await connect(h);
    const input = Uint8Array.from([0, 1, 2, 250, 255]);
    const id = h.createActor({ name: "counter", key: "k1", input });

    const { message, bytes } = await r.takeRaw("ToClientCommands");
    const stored = h.catalog.getActor(id);
    const expected: runner.v7.ToClient = {
      tag: "ToClientCommands",
      val: [
        {
          checkpoint: { actorId: id, generation: 0, index: 0n },
          inner: {
            tag: "CommandStartActor",
            val: {
              config: { name: "counter", key: "k1", createTs: BigInt(stored?.actor.create_ts ?? -1), input: input.slice().buffer },
              hibernatingRequests: [],
            },
          },
        },
      ],
    };
    expect(message).toEqual(expected);
    expect(bytes).toEqual(runner.v7.encodeToClient(expected));
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "starting", generation: 0, runnerId: r.runnerId, nextCommandIndex: 1 });
    expect(stored?.actor).toMatchObject({ pending_allocation_ts: null, connectable_ts: null });
    expect(h.transitions.filter((t) => t.actorId === id).map((t) => `${t.from}->${t.to}`)).toEqual(["new->starting"]);
  });

  it("prefers the highest runner version, then the least loaded, within free slots and the runner name", async () => {
    const h = await harness();
    const a = await connect(h, { version: 1, slots: 5 });
    const b = await connect(h, { version: 2, slots: 1 });
    const c = await connect(h, { version: 1, slots: 5 });
    const other = await connect(h, { name: "other", version: 9 });

    const first = h.createActor();
    expect(h.lifecycle.state(first)?.runnerId).toBe(b.runnerId);
    const second = h.createActor();
    const third = h.createActor();
    // b is full; a and c had one free slot each and the same version, so each gets one.
    expect(new Set([h.lifecycle.state(second)?.runnerId, h.lifecycle.state(third)?.runnerId])).toEqual(new Set([a.runnerId, c.runnerId]));
    const fourth = h.createActor({ runnerName: "other" });
    expect(h.lifecycle.state(fourth)?.runnerId).toBe(other.runnerId);
    expect([a, b, c, other].map((r) => h.lifecycle.actorCount(r.runnerId))).toEqual([1, 1, 1, 1]);
  });

  it("keeps an actor pending until a runner of its name connects, then waitReady resolves when it runs", async () => {
    const h = await harness();
    const id = h.createActor({ runnerName: "late" });
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "pending", runnerId: null });
    expect(h.catalog.getActor(id)?.actor.pending_allocation_ts).toEqual(expect.any(Number));

    const early = await rejection(h.lifecycle.waitReady(id, { timeoutMs: 150 }));
    expect([early.id, early.status]).toEqual(["actor.no_runners", 503]);

    const waiting = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    const r = await connect(h, { name: "late" });
    await expectCommand(r, id, 0, 0, "CommandStartActor");
    r.running(id, 0);
    expect(await waiting).toEqual({ runnerId: r.runnerId, generation: 0 });
    const actor = h.catalog.getActor(id)?.actor;
    expect(actor).toMatchObject({ pending_allocation_ts: null, error: null });
    expect(actor?.start_ts).toEqual(expect.any(Number));
    expect(actor?.connectable_ts).toEqual(expect.any(Number));
    // A running actor answers at once.
    expect(await h.lifecycle.waitReady(id, { timeoutMs: 1 })).toEqual({ runnerId: r.runnerId, generation: 0 });
  });

  it("leaves an actor pending when every runner of its name is full, and places it when a slot frees", async () => {
    const h = await harness();
    const r = await connect(h, { slots: 1 });
    const first = await runningActor(h, r);
    const second = h.createActor();
    expect(h.lifecycle.state(second)?.phase).toBe("pending");
    const err = await rejection(h.lifecycle.waitReady(second, { timeoutMs: 100 }));
    expect([err.id, err.status]).toEqual(["actor.no_capacity", 503]);

    h.lifecycle.sleep(first);
    await expectCommand(r, first, 0, 1, "CommandStopActor");
    r.stopped(first, 0);
    await expectCommand(r, second, 0, 0, "CommandStartActor");
    expect(h.lifecycle.state(first)?.phase).toBe("sleeping");
  });

  it("rejects unknown and destroyed actors with actor.not_found, and a wait that outlives its timeout with actor.ready_timeout", async () => {
    const h = await harness();
    const unknown = await rejection(h.lifecycle.waitReady("nope", { timeoutMs: 100 }));
    expect([unknown.id, unknown.status]).toEqual(["actor.not_found", 404]);

    const r = await connect(h);
    const id = h.createActor();
    await expectCommand(r, id, 0, 0, "CommandStartActor");
    const slow = await rejection(h.lifecycle.waitReady(id, { timeoutMs: 100 }));
    expect([slow.id, slow.status, slow.metadata?.phase]).toEqual(["actor.ready_timeout", 504, "starting"]);

    const controller = new AbortController();
    const aborted = h.lifecycle.waitReady(id, { timeoutMs: 5_000, signal: controller.signal });
    controller.abort(new Error("client went away"));
    await expect(aborted).rejects.toThrow("client went away");
  });
});

describe("sleep, wake and destroy", () => {
  it("a sleep intent stops the actor; it sleeps once stopped, and waitReady wakes it in generation + 1", async () => {
    const h = await harness();
    const stops = stoppedEvents(h);
    const r = await connect(h);
    const id = await runningActor(h, r);

    r.sleepIntent(id, 0);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "stopping", stopReason: "sleep", connectable: false });
    expect(h.catalog.getActor(id)?.actor).toMatchObject({ connectable_ts: null, sleep_ts: expect.any(Number) });

    r.stopped(id, 0);
    await h.reach(id, "sleeping");
    expect(stops).toEqual([{ actorId: id, generation: 0, runnerId: r.runnerId, cause: "stopped" }]);
    expect(h.lifecycle.actorCount(r.runnerId)).toBe(0);
    // Its generation's commands are done with.
    expect(CommandStore.forRunner(h.storage, r.runnerId)).toEqual([]);

    const woken = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    expect(h.catalog.getActor(id)?.generation).toBe(1);
    r.running(id, 1);
    expect(await woken).toEqual({ runnerId: r.runnerId, generation: 1 });
    expect(h.catalog.getActor(id)?.actor).toMatchObject({ sleep_ts: null, connectable_ts: expect.any(Number) });
  });

  it("a wait that arrives while the actor stops to sleep starts it again as soon as it has stopped", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r);
    h.lifecycle.sleep(id);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    const woken = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "stopping", wake: true });
    r.stopped(id, 0);
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    r.running(id, 1);
    expect(await woken).toEqual({ runnerId: r.runnerId, generation: 1 });
  });

  it("a second sleep from the API while it stops does not cancel the wake a waiting request asked for", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r);
    h.lifecycle.sleep(id);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    const woken = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    // Before the fix this cleared the wake, so the actor slept and the request waited out its timeout.
    h.lifecycle.sleep(id);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "stopping", wake: true });
    r.stopped(id, 0);
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    r.running(id, 1);
    expect(await woken).toEqual({ runnerId: r.runnerId, generation: 1 });
  });

  it("a request waiting for a starting actor that the API puts to sleep wakes it again", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = h.createActor();
    await expectCommand(r, id, 0, 0, "CommandStartActor");
    const woken = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    h.lifecycle.sleep(id);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    r.stopped(id, 0);
    // Before the fix the actor slept here and the request waited out its timeout.
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    r.running(id, 1);
    expect(await woken).toEqual({ runnerId: r.runnerId, generation: 1 });
  });

  it("a stop intent destroys the actor once it has stopped and frees its key", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r, { key: "only-one" });
    r.stopIntent(id, 0);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "stopping", stopReason: "destroy" });
    const waiting = await rejection(h.lifecycle.waitReady(id, { timeoutMs: 1_000 }));
    expect(waiting.id).toBe("actor.not_found");

    r.stopped(id, 0, runner.v7.StopCode.Ok);
    await h.reach(id, "destroyed");
    expect(h.catalog.getActor(id)?.actor.destroy_ts).toEqual(expect.any(Number));
    const again = h.createActor({ key: "only-one" });
    expect(again).not.toBe(id);
    expect((await rejection(h.lifecycle.waitReady(id, { timeoutMs: 100 }))).id).toBe("actor.not_found");
  });

  it("an actor the API destroys is stopped on its runner and never starts again", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r);
    h.catalog.destroyActor(h.ns, id);
    h.lifecycle.actorDestroyed(id);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    r.stopped(id, 0, runner.v7.StopCode.Ok);
    await h.reach(id, "destroyed");
    expect((await rejection(h.lifecycle.waitReady(id, { timeoutMs: 100 }))).id).toBe("actor.not_found");
    await r.expectNo("ToClientCommands", 100);

    // A pending actor is destroyed at once, and its waiters learn it.
    const pending = h.createActor({ runnerName: "nobody" });
    const waiter = rejection(h.lifecycle.waitReady(pending, { timeoutMs: 5_000 }));
    h.catalog.destroyActor(h.ns, pending);
    h.lifecycle.actorDestroyed(pending);
    expect((await waiter).id).toBe("actor.not_found");
    expect(h.lifecycle.state(pending)?.phase).toBe("destroyed");
  });
});

describe("crash policies", () => {
  it("restart: reschedules with exponential backoff, visible as later starts", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r, { crashPolicy: "restart" });
    const delays: number[] = [];
    for (let generation = 0; generation < 3; generation++) {
      if (generation > 0) r.running(id, generation);
      const crashedAt = Date.now();
      r.stopped(id, generation, runner.v7.StopCode.Error, "boom");
      await h.reach(id, "backoff");
      expect(h.catalog.getActor(id)?.actor).toMatchObject({
        error: { crashed: { message: "boom" } },
        reschedule_ts: expect.any(Number),
        connectable_ts: null,
      });
      await expectCommand(r, id, generation + 1, 0, "CommandStartActor");
      delays.push(Date.now() - crashedAt);
    }
    const base = FAST.crashBackoffBaseMs as number;
    expect(delays[0]).toBeGreaterThanOrEqual(base - 5);
    expect(delays[1]).toBeGreaterThanOrEqual(2 * base - 5);
    expect(delays[2]).toBeGreaterThanOrEqual(4 * base - 5);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "starting", generation: 3, retries: 3 });
  });

  it("sleep: a crashed actor sleeps and a request wakes it", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r, { crashPolicy: "sleep" });
    r.stopped(id, 0, runner.v7.StopCode.Error, "bad");
    await h.reach(id, "sleeping");
    expect(h.catalog.getActor(id)?.actor.error).toEqual({ crashed: { message: "bad" } });
    const woken = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    r.running(id, 1);
    expect(await woken).toMatchObject({ generation: 1 });
    expect(h.catalog.getActor(id)?.actor.error).toBeNull();
  });

  it("destroy: a crashed actor is destroyed", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r, { crashPolicy: "destroy" });
    r.stopped(id, 0, runner.v7.StopCode.Error, null);
    await h.reach(id, "destroyed");
    expect(h.catalog.getActor(id)?.actor.destroy_ts).toEqual(expect.any(Number));
  });

  it("an actor that does not report running within the start threshold counts as crashed", async () => {
    const h = await harness({ config: { actorStartThresholdMs: 250 } });
    const stops = stoppedEvents(h);
    const r = await connect(h);
    const id = h.createActor({ crashPolicy: "restart" });
    await expectCommand(r, id, 0, 0, "CommandStartActor");
    // The engine stops the silent generation, then restarts the actor after the backoff.
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    expect(stops).toEqual([{ actorId: id, generation: 0, runnerId: r.runnerId, cause: "start_timeout" }]);
    expect(h.catalog.getActor(id)?.actor.error).toEqual({ runner_no_response: { runner_id: r.runnerId } });
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    r.running(id, 1);
    await h.reach(id, "running", 1);
  });
});

describe("events", () => {
  it("ignores duplicate indices and other generations", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r);
    const sleep: runner.v7.Event = { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentSleep", val: null } } };
    r.eventAt(id, 0, 0, sleep); // index 0 was the Running event
    r.eventAt(id, 7, 5, sleep); // a generation that does not exist
    await r.expectNo("ToClientCommands", 150);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "running", lastEventIndex: 0 });

    r.eventAt(id, 0, 1, sleep);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    r.eventAt(id, 0, 2, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code: runner.v7.StopCode.Error, message: null } } } });
    await h.reach(id, "sleeping");
    const woken = h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    r.eventAt(id, 1, 0, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } });
    await woken;
    // A late resend of generation 0's events changes nothing.
    r.eventAt(id, 0, 2, { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code: runner.v7.StopCode.Error, message: null } } } });
    r.eventAt(id, 0, 3, sleep);
    await r.expectNo("ToClientCommands", 150);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "running", generation: 1, lastEventIndex: 0 });
  });

  it("acks events once the last index is more than the batch size past the last ack", async () => {
    const h = await harness({ config: { eventAckBatchSize: 2 } });
    const r = await connect(h);
    const id = await runningActor(h, r); // index 0
    r.setAlarm(id, 0, null); // 1
    await r.expectNo("ToClientAckEvents", 100);
    r.setAlarm(id, 0, null); // 2: 2 > -1 + 2
    expect(await r.take("ToClientAckEvents")).toEqual({ lastEventCheckpoints: [{ actorId: id, generation: 0, index: 2n }] });
    r.setAlarm(id, 0, null); // 3
    r.setAlarm(id, 0, null); // 4
    await r.expectNo("ToClientAckEvents", 100);
    // Several events in one frame get one ack.
    r.send({
      tag: "ToServerEvents",
      val: [5, 6, 7].map((i) => ({
        checkpoint: { actorId: id, generation: 0, index: BigInt(i) },
        inner: { tag: "EventActorSetAlarm", val: { alarmTs: null } } as runner.v7.Event,
      })),
    });
    expect(await r.take("ToClientAckEvents")).toEqual({ lastEventCheckpoints: [{ actorId: id, generation: 0, index: 7n }] });
    expect(h.lifecycle.state(id)).toMatchObject({ lastEventIndex: 7, lastAckedEventIndex: 7 });
  });

  it("with Rivet's batch of 250, a few events get no ack", async () => {
    const h = await harness({ config: { eventAckBatchSize: 250 } });
    const r = await connect(h);
    const id = await runningActor(h, r);
    for (let i = 0; i < 5; i++) r.setAlarm(id, 0, null);
    await r.expectNo("ToClientAckEvents", 150);
  });
});

describe("commands across reconnects", () => {
  it("replays unacked commands to the same runner key (same runner ID), but not acked ones", async () => {
    const h = await harness();
    const first = await connect(h, { key: "stable" });
    const id = h.createActor();
    await expectCommand(first, id, 0, 0, "CommandStartActor");
    await first.close();

    const second = await connect(h, { key: "stable" });
    expect(second.runnerId).toBe(first.runnerId);
    expect(second.replayed.map((c) => [c.checkpoint.actorId, c.checkpoint.generation, c.checkpoint.index, c.inner.tag])).toEqual([
      [id, 0, 0n, "CommandStartActor"],
    ]);
    second.ackCommands([{ actorId: id, generation: 0, index: 0 }]);
    await eventually("no stored commands for the runner", () => CommandStore.forRunner(h.storage, second.runnerId).length === 0);
    await second.close();

    // A command stored while the runner is away is sent on its return; the acked start is not.
    h.lifecycle.sleep(id);
    const third = await connect(h, { key: "stable" });
    expect(third.replayed.map((c) => [c.checkpoint.generation, c.checkpoint.index, c.inner.tag])).toEqual([[0, 1n, "CommandStopActor"]]);
    third.stopped(id, 0);
    await h.reach(id, "sleeping", 0);
  });

  it("does not replay a start the runner has already answered", async () => {
    const h = await harness();
    const first = await connect(h, { key: "answered" });
    const id = await runningActor(h, first);
    await first.close();
    const second = await connect(h, { key: "answered" });
    expect(second.replayed).toEqual([]);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "running", generation: 0, runnerId: second.runnerId });
  });
});

describe("runner loss and draining", () => {
  it("a runner that reconnects within the lost threshold keeps its actors", async () => {
    const h = await harness();
    const a = await connect(h, { key: "flaky" });
    const id = await runningActor(h, a);
    await a.close();
    const back = await connect(h, { key: "flaky" });
    await new Promise((resolve) => setTimeout(resolve, (FAST.runnerLostThresholdMs as number) + 200));
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "running", generation: 0, runnerId: back.runnerId });
    await back.expectNo("ToClientCommands", 0);
  });

  it("a wait for a running actor whose runner is away ends when that runner is back", async () => {
    const h = await harness();
    const a = await connect(h, { key: "away" });
    const id = await runningActor(h, a);
    await a.close();
    await eventually("the runner's connection gone", () => h.runners.connection(a.runnerId) === undefined);
    let settled = false;
    const waiting = h.lifecycle.waitReady(id, { timeoutMs: 10_000 }).finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    const back = await connect(h, { key: "away" });
    expect(await waiting).toEqual({ runnerId: back.runnerId, generation: 0 });
    expect(back.runnerId).toBe(a.runnerId);
  });

  it("a wait for a running actor whose runner is lost ends when the actor runs elsewhere", async () => {
    const h = await harness();
    const a = await connect(h, { key: "gone" });
    const id = await runningActor(h, a);
    const b = await connect(h);
    await a.close();
    await eventually("the runner's connection gone", () => h.runners.connection(a.runnerId) === undefined);
    const waiting = h.lifecycle.waitReady(id, { timeoutMs: 10_000 });
    await expectCommand(b, id, 1, 0, "CommandStartActor");
    b.running(id, 1);
    expect(await waiting).toEqual({ runnerId: b.runnerId, generation: 1 });
  });

  it("a lost runner's actors are rescheduled on another runner in a new generation", async () => {
    const h = await harness();
    const stops = stoppedEvents(h);
    const a = await connect(h, { key: "doomed" });
    const id = await runningActor(h, a);
    const b = await connect(h);
    const lostAt = Date.now();
    await a.close();

    await expectCommand(b, id, 1, 0, "CommandStartActor");
    const waited = Date.now() - lostAt;
    expect(waited).toBeGreaterThanOrEqual((FAST.runnerLostThresholdMs as number) - 5);
    expect(stops).toEqual([{ actorId: id, generation: 0, runnerId: a.runnerId, cause: "runner_lost" }]);
    expect(h.catalog.getActor(id)?.actor.error).toEqual({ runner_connection_lost: { runner_id: a.runnerId } });
    b.running(id, 1);
    await h.reach(id, "running", 1);

    // If the lost runner comes back under the same ID, it is told to stop the old generation.
    const again = await connect(h, { key: "doomed" });
    expect(again.runnerId).toBe(a.runnerId);
    expect(again.replayed.map((c) => [c.checkpoint.actorId, c.checkpoint.generation, c.inner.tag])).toEqual([
      [id, 0, "CommandStopActor"],
    ]);
    again.stopped(id, 0);
    await eventually("no stored commands for the runner", () => CommandStore.forRunner(h.storage, again.runnerId).length === 0);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "running", generation: 1, runnerId: b.runnerId });
  });

  it("a draining runner's actors are stopped and started elsewhere; new actors avoid it", async () => {
    const h = await harness();
    const a = await connect(h, { version: 2 });
    const x = await runningActor(h, a);
    const y = await runningActor(h, a);
    const b = await connect(h, { version: 1 });

    a.send({ tag: "ToServerStopping", val: null });
    const stops = [await a.commands(), await a.commands()].flat();
    expect(stops.map((c) => [c.checkpoint.actorId, c.checkpoint.index, c.inner.tag]).sort()).toEqual(
      [
        [x, 1n, "CommandStopActor"],
        [y, 1n, "CommandStopActor"],
      ].sort(),
    );
    expect(h.lifecycle.state(x)).toMatchObject({ phase: "stopping", stopReason: "drain" });
    // Although a has the higher version, a draining runner takes no new actors.
    const z = h.createActor();
    await expectCommand(b, z, 0, 0, "CommandStartActor");

    a.stopped(x, 0, runner.v7.StopCode.Ok);
    await expectCommand(b, x, 1, 0, "CommandStartActor");
    // y never reports stopped: the runner goes away and y moves after the lost threshold.
    await a.close();
    await expectCommand(b, y, 1, 0, "CommandStartActor");
  });
});

describe("alarms", () => {
  it("an alarm wakes a sleeping actor in a new generation; a cleared alarm does not", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r);
    const alarmTs = Date.now() + 400;
    r.setAlarm(id, 0, alarmTs);
    r.sleepIntent(id, 0);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    r.stopped(id, 0);
    await h.reach(id, "sleeping");
    expect(h.lifecycle.state(id)?.alarmTs).toBe(alarmTs);

    await expectCommand(r, id, 1, 0, "CommandStartActor");
    expect(Date.now()).toBeGreaterThanOrEqual(alarmTs);
    r.running(id, 1);
    await h.reach(id, "running", 1);

    r.setAlarm(id, 1, Date.now() + 200);
    r.setAlarm(id, 1, null);
    h.lifecycle.sleep(id);
    await expectCommand(r, id, 1, 1, "CommandStopActor");
    r.stopped(id, 1);
    await h.reach(id, "sleeping", 1);
    await r.expectNo("ToClientCommands", 400);
  });

  it("an alarm already due when the actor stops wakes it at once", async () => {
    const h = await harness();
    const r = await connect(h);
    const id = await runningActor(h, r);
    r.setAlarm(id, 0, Date.now() - 1);
    r.sleepIntent(id, 0);
    await expectCommand(r, id, 0, 1, "CommandStopActor");
    r.stopped(id, 0);
    await expectCommand(r, id, 1, 0, "CommandStartActor");
    expect(h.lifecycle.state(id)?.alarmTs).toBeNull();
  });
});
