import type { runner } from "@actorwire/protocol";
import { describe, expect, it } from "vitest";
import { HistoryChecker } from "./invariants.js";

const start = (actorId: string, generation = 0): runner.v7.ToClient => ({
  tag: "ToClientCommands",
  val: [{ checkpoint: { actorId, generation, index: 0n }, inner: { tag: "CommandStartActor", val: { config: { name: "echo", key: null, createTs: 0n, input: null }, hibernatingRequests: [] } } }],
});
const running = (actorId: string, index: bigint): runner.v7.ToServer => ({
  tag: "ToServerEvents",
  val: [{ checkpoint: { actorId, generation: 0, index }, inner: { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateRunning", val: null } } } }],
});
const init: runner.v7.ToServer = { tag: "ToServerInit", val: { name: "r", version: 1, totalSlots: 1, prepopulateActorNames: null, metadata: null } };

describe("HistoryChecker", () => {
  it("accepts numbering from 0 and an identical resend on a new connection", () => {
    const c = new HistoryChecker();
    c.onSend(1, start("a"));
    c.onRecv(1, init, 0);
    c.onRecv(1, running("a", 0n), 1);
    c.onRecv(2, init, 2);
    c.onRecv(2, running("a", 0n), 3);
    expect(c.violations).toEqual([]);
  });

  it("flags a first index other than 0, a duplicate on one connection, and events for actors never started", () => {
    const c = new HistoryChecker();
    c.onSend(1, start("a"));
    c.onRecv(1, init, 0);
    c.onRecv(1, running("a", 1n), 1);
    c.onRecv(1, running("a", 1n), 2);
    c.onRecv(1, running("ghost", 0n), 3);
    expect(c.violations.map((v) => v.rule)).toEqual(["event-numbering", "event-numbering", "events-for-started-actors"]);
  });

  it("flags a frame before the init and acks past the last command", () => {
    const c = new HistoryChecker();
    c.onSend(1, start("a"));
    c.onRecv(1, { tag: "ToServerAckCommands", val: { lastCommandCheckpoints: [{ actorId: "a", generation: 0, index: 3n }] } }, 0);
    expect(c.violations.map((v) => v.rule)).toEqual(["init-first", "command-acks"]);
  });
});
