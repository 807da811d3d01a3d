import { eventually } from "@actorwire/testkit";
import type { Runner } from "@rivetkit/engine-runner";
import { afterEach, describe, expect, it } from "vitest";
import { type RunnerConnection, RunnerWsError } from "../src/runners/index.js";
import { type Harness, type HarnessOptions, type RivetRunnerOptions, startHarness, startRivetRunner } from "./actors-harness.js";

// The lifecycle against Rivet's own runner (@rivetkit/engine-runner 2.2.1): the peer the
// engine must serve unchanged.

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const h = await startHarness(options);
  cleanup.push(() => h.close({ closeStorage: true }));
  return h;
}

/** Rivet's runner, recording the calls it makes to actor code. */
async function rivetRunner(h: Harness, options: RivetRunnerOptions = {}) {
  const starts: { actorId: string; generation: number; name: string; key: string | null; input: number[] | null }[] = [];
  const stops: { actorId: string; generation: number }[] = [];
  const rivet: Runner = await startRivetRunner(h.port, {
    name: "rivet",
    ...options,
    onActorStart: async (actorId, generation, config) => {
      starts.push({ actorId, generation, name: config.name, key: config.key, input: config.input && [...config.input] });
      await options.onActorStart?.(actorId, generation, config);
    },
    onActorStop: async (actorId, generation) => {
      stops.push({ actorId, generation });
      await options.onActorStop?.(actorId, generation);
    },
  });
  cleanup.push(() => rivet.shutdown(true));
  return { rivet, starts, stops, runnerId: rivet.runnerId as string };
}

describe("with Rivet's runner", () => {
  it("starts an actor created through the catalog, which reports running", async () => {
    const h = await harness();
    const { starts, runnerId } = await rivetRunner(h);
    const id = h.createActor({ name: "counter", key: "k1", input: Uint8Array.from([1, 2, 3]), runnerName: "rivet" });
    expect(await h.lifecycle.waitReady(id, { timeoutMs: 5_000 })).toEqual({ runnerId, generation: 0 });
    expect(starts).toEqual([{ actorId: id, generation: 0, name: "counter", key: "k1", input: [1, 2, 3] }]);
    expect(h.catalog.getActor(id)?.actor.connectable_ts).toEqual(expect.any(Number));
  });

  it("sleeps an actor that asks to sleep, and wakes it in the next generation", async () => {
    const h = await harness();
    const { rivet, starts, stops } = await rivetRunner(h);
    const id = h.createActor({ runnerName: "rivet" });
    await h.lifecycle.waitReady(id, { timeoutMs: 5_000 });

    rivet.sleepActor(id);
    await h.reach(id, "sleeping", 0);
    expect(stops).toEqual([{ actorId: id, generation: 0 }]);

    expect(await h.lifecycle.waitReady(id, { timeoutMs: 5_000 })).toMatchObject({ generation: 1 });
    expect(starts.map((s) => s.generation)).toEqual([0, 1]);
  });

  it("destroys an actor that asks to be destroyed", async () => {
    const h = await harness();
    const { rivet } = await rivetRunner(h);
    const id = h.createActor({ runnerName: "rivet", key: "one" });
    await h.lifecycle.waitReady(id, { timeoutMs: 5_000 });
    rivet.destroyActor(id);
    await h.reach(id, "destroyed");
    expect(h.catalog.getActor(id)?.actor.destroy_ts).toEqual(expect.any(Number));
  });

  it("applies the crash policy when actor start code throws", async () => {
    const h = await harness();
    let rivet: Runner | undefined;
    ({ rivet } = await rivetRunner(h, {
      onActorStart: (actorId) => {
        // Rivet's runner rejects the actor's start promise, which nothing awaits; without this
        // handler that rejection would reach the process as unhandled.
        rivet?.getActor(actorId)?.actorStartPromise.promise.catch(() => {});
        throw new Error("start failed");
      },
    }));
    const id = h.createActor({ runnerName: "rivet", crashPolicy: "sleep" });
    await h.reach(id, "sleeping", 0);
    // Rivet's runner reports Running before it runs start code, so the actor was briefly running.
    expect(h.transitions.filter((t) => t.actorId === id).map((t) => t.to)).toEqual(["starting", "running", "sleeping"]);
    expect(h.catalog.getActor(id)?.actor.error).toEqual({ crashed: { message: null } });
  });

  it("moves actors off a runner that shuts down gracefully", async () => {
    const h = await harness();
    const first = await rivetRunner(h, { version: 2 });
    const id = h.createActor({ runnerName: "rivet" });
    expect(await h.lifecycle.waitReady(id, { timeoutMs: 5_000 })).toEqual({ runnerId: first.runnerId, generation: 0 });
    const second = await rivetRunner(h, { version: 1 });

    await first.rivet.shutdown(false);
    expect(first.stops).toEqual([{ actorId: id, generation: 0 }]);
    expect(await h.lifecycle.waitReady(id, { timeoutMs: 5_000 })).toEqual({ runnerId: second.runnerId, generation: 1 });
    expect(second.starts.map((s) => [s.actorId, s.generation])).toEqual([[id, 1]]);
  });

  it("keeps the actor across a reconnect with the same runner ID, without starting it twice", async () => {
    // Rivet's runner reconnects after about a second; both sides must wait longer than that.
    const h = await harness({ config: { runnerLostThresholdMs: 5_000 } });
    const { rivet, starts, runnerId } = await rivetRunner(h);
    const id = h.createActor({ runnerName: "rivet" });
    await h.lifecycle.waitReady(id, { timeoutMs: 5_000 });

    const old = h.runners.connection(runnerId) as RunnerConnection;
    old.close(new RunnerWsError("ws.going_away", "test closes the runner socket"));
    const back = await eventually("a new connection for the runner", () => {
      const c = h.runners.connection(runnerId);
      return c !== undefined && c !== old ? c : undefined;
    });
    expect(back.runnerId).toBe(runnerId);
    // The start was answered before the reconnect, so it is not replayed: Rivet's runner would
    // replace the live actor and run its start code again.
    expect(starts).toHaveLength(1);
    expect(h.lifecycle.state(id)).toMatchObject({ phase: "running", generation: 0 });

    rivet.sleepActor(id);
    await h.reach(id, "sleeping", 0);
  });
});
