import { describe, expect, it } from "vitest";
import { ActorIndexes } from "./indexes.js";
import { blankRecord, type LifecycleRecord, type Phase } from "./record.js";

function record(actorId: string, phase: Phase, runnerId: string | null): LifecycleRecord {
  const base = blankRecord(actorId, { namespaceId: "ns", runnerNameSelector: "default", phase, generation: 1, everPlaced: true, since: 0 });
  return { ...base, runnerId };
}

describe("ActorIndexes.kvOwner", () => {
  it("names the runner an actor holds a slot on, and nobody once the API destroyed it or the slot is freed", () => {
    const indexes = new ActorIndexes();
    expect(indexes.kvOwner("a")).toBeUndefined();
    indexes.update(record("a", "running", "r1"));
    expect(indexes.kvOwner("a")).toBe("r1");
    // Destroyed by the API while its last generation still stops on r1: no more KV for r1.
    indexes.markDestroyed("a");
    indexes.update(record("a", "stopping", "r1"));
    expect(indexes.runnerOf("a")).toBe("r1");
    expect(indexes.kvOwner("a")).toBeUndefined();
    indexes.update(record("a", "destroyed", null));
    expect(indexes.kvOwner("a")).toBeUndefined();
  });

  it("forgets a destroy mark with the slot, so nothing is kept for actors that hold none", () => {
    const indexes = new ActorIndexes();
    indexes.markDestroyed("never-placed");
    indexes.update(record("never-placed", "running", "r1"));
    expect(indexes.kvOwner("never-placed")).toBe("r1");
    indexes.update(record("b", "running", "r2"));
    indexes.markDestroyed("b");
    indexes.update(record("b", "sleeping", null));
    // Placed again later (it cannot be after a destroy, but the mark must not outlive the slot).
    indexes.update(record("b", "running", "r3"));
    expect(indexes.kvOwner("b")).toBe("r3");
  });
});
