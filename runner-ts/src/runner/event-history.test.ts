import { runner } from "@actorwire/protocol";
import { describe, expect, it } from "vitest";
import { EventHistory } from "./event-history.js";

const sleep: runner.v7.Event = { tag: "EventActorIntent", val: { intent: { tag: "ActorIntentSleep", val: null } } };
const running: runner.v7.Event = { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } };
const stopped: runner.v7.Event = {
  tag: "EventActorStateUpdate",
  val: { state: { tag: "ActorStateStopped", val: { code: runner.v7.StopCode.Error, message: null } } },
};

const indices = (h: EventHistory) => h.unacked().map((e) => `${e.checkpoint.actorId}/${e.checkpoint.generation}/${e.checkpoint.index}`);

describe("EventHistory", () => {
  it("numbers events per actor and generation from 0 and keeps them until acked", () => {
    const h = new EventHistory();
    h.record("a", 0, running);
    h.record("a", 0, sleep);
    h.record("b", 3, running);
    h.record("a", 1, running);
    expect(indices(h)).toEqual(["a/0/0", "a/0/1", "a/1/0", "b/3/0"]);
    h.ack({ actorId: "a", generation: 0, index: 0n });
    expect(indices(h)).toEqual(["a/0/1", "a/1/0", "b/3/0"]);
    // An ack of a later generation covers the earlier ones.
    h.ack({ actorId: "a", generation: 1, index: 0n });
    expect(indices(h)).toEqual(["b/3/0"]);
    expect(h.size).toBe(1);
  });

  it("keeps a finished generation's events (a Stopped made while disconnected) until acked, then forgets it", () => {
    const h = new EventHistory();
    h.record("a", 0, running);
    h.record("a", 0, stopped);
    expect(indices(h)).toEqual(["a/0/0", "a/0/1"]);
    h.ack({ actorId: "a", generation: 0, index: 1n });
    expect(indices(h)).toEqual([]);
    h.record("a", 1, running);
    expect(indices(h)).toEqual(["a/1/0"]);
  });

  it("forgets older generations when a newer one starts", () => {
    const h = new EventHistory();
    h.record("a", 0, running);
    h.record("a", 0, stopped);
    h.record("a", 1, running);
    h.forgetOlder("a", 1);
    expect(indices(h)).toEqual(["a/1/0"]);
  });
});
