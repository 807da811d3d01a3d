import { describe, expect, it } from "vitest";
import { Changes, eventually } from "./eventually.js";

describe("eventually", () => {
  it("resolves with the first value that is not undefined, null or false", async () => {
    const values = [undefined, null, false, 0, 1];
    expect(await eventually("a value", () => values.shift(), { intervalMs: 1 })).toBe(0);
  });

  it("waits for a promise the check returns", async () => {
    let calls = 0;
    expect(await eventually("the third call", async () => ++calls === 3 && "done", { intervalMs: 1 })).toBe("done");
  });

  it("names what it waited for, with the detail, when it times out", async () => {
    await expect(eventually("the moon", () => false, { timeoutMs: 20, describe: () => "queued: nothing" })).rejects.toThrow(
      "timed out after 20 ms waiting for the moon; queued: nothing",
    );
  });

  it("rejects at once with the check's own error", async () => {
    const failure = new Error("broken");
    await expect(
      eventually("anything", () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
  });

  it("checks again on every change notice instead of polling", async () => {
    const changes = new Changes();
    const queue: string[] = [];
    let checks = 0;
    const waiting = eventually(
      "a queued item",
      () => {
        checks++;
        return queue.shift();
      },
      { changes, timeoutMs: 60_000 },
    );
    await Promise.resolve();
    queue.push("item");
    changes.notify();
    expect(await waiting).toBe("item");
    expect(checks).toBe(2);
  });
});
