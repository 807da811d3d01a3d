import { describe, expect, it } from "vitest";
import { compareBytes, hasPrefix } from "../storage/bytes.js";
import { alarmKey, commandKey, expiryKey, parseAlarmKey, parseCommandKey, parseExpiryKey, runnerCommandsPrefix } from "./keys.js";

describe("lifecycle keys", () => {
  it("read back what they were built from, whatever the IDs contain", () => {
    const address = { runnerId: "r\u0000x/é", actorId: "a\u0000", generation: 4_000_000_000, index: 2 ** 40 };
    expect(parseCommandKey(commandKey(address))).toEqual(address);
    expect(parseAlarmKey(alarmKey(1_795_000_000_000, "a\u0000b"))).toEqual({ alarmTs: 1_795_000_000_000, actorId: "a\u0000b" });
    const expiry = { expiresAt: 5, runnerId: "r", actorId: "a", generation: 7 };
    expect(parseExpiryKey(expiryKey(expiry))).toEqual(expiry);
  });

  it("order commands by actor, generation and index, and alarms by time", () => {
    const c = (actorId: string, generation: number, index: number) => commandKey({ runnerId: "r", actorId, generation, index });
    const commands = [c("a", 0, 0), c("a", 0, 1), c("a", 0, 256), c("a", 1, 0), c("a", 300, 0), c("b", 0, 0)];
    expect([...commands].sort(compareBytes)).toEqual(commands);
    const alarms = [alarmKey(1, "z"), alarmKey(255, "a"), alarmKey(256, "a"), alarmKey(2 ** 41, "a")];
    expect([...alarms].sort(compareBytes)).toEqual(alarms);
  });

  it("keep one runner's commands apart from a runner whose ID extends it", () => {
    const mine = commandKey({ runnerId: "r", actorId: "a", generation: 0, index: 0 });
    const other = commandKey({ runnerId: "rr", actorId: "a", generation: 0, index: 0 });
    expect(hasPrefix(mine, runnerCommandsPrefix("r"))).toBe(true);
    expect(hasPrefix(other, runnerCommandsPrefix("r"))).toBe(false);
  });
});
