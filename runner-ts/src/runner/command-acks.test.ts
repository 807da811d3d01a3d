import { describe, expect, it } from "vitest";
import { CommandAcks } from "./command-acks.js";

describe("CommandAcks", () => {
  it("sends the last index per generation once, again after a replay, and forgets generations no longer live", () => {
    const acks = new CommandAcks();
    acks.observe({ actorId: "a", generation: 0, index: 0n });
    acks.observe({ actorId: "a", generation: 0, index: 1n });
    acks.observe({ actorId: "b", generation: 2, index: 0n });
    const live = (actorId: string) => actorId === "b";
    expect(acks.take(live)).toEqual([
      { actorId: "a", generation: 0, index: 1n },
      { actorId: "b", generation: 2, index: 0n },
    ]);
    expect(acks.pending).toBe(false);
    expect(acks.take(live)).toEqual([]);
    // A replay of b's start marks it again; a was forgotten, so its replay is acked anew.
    acks.observe({ actorId: "b", generation: 2, index: 0n });
    acks.observe({ actorId: "a", generation: 0, index: 1n });
    expect(acks.take(live)).toEqual([
      { actorId: "b", generation: 2, index: 0n },
      { actorId: "a", generation: 0, index: 1n },
    ]);
    // An older index never lowers the checkpoint.
    acks.observe({ actorId: "b", generation: 2, index: 5n });
    acks.observe({ actorId: "b", generation: 2, index: 3n });
    expect(acks.take(live)).toEqual([{ actorId: "b", generation: 2, index: 5n }]);
  });
});
