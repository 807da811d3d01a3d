import { describe, expect, it } from "vitest";
import { IdleTracker } from "./idle.js";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(timeout: number) {
  let elsewhere = false;
  let idleCalls = 0;
  const tracker = new IdleTracker(
    {
      isBusyElsewhere: () => elsewhere,
      becameIdle: () => void idleCalls++,
    },
    timeout,
  );
  return { tracker, setElsewhere: (v: boolean) => void (elsewhere = v), idleCalls: () => idleCalls };
}

describe("IdleTracker", () => {
  it("reports idle after the timeout when nothing happens", async () => {
    const { tracker, idleCalls } = setup(20);
    tracker.start();
    await wait(80);
    expect(idleCalls()).toBe(1);
    tracker.stop();
  });

  it("does not report idle while work is in progress, then does after it ends", async () => {
    const { tracker, idleCalls } = setup(20);
    tracker.start();
    tracker.begin();
    await wait(80);
    expect(idleCalls()).toBe(0);
    tracker.end();
    await wait(80);
    expect(idleCalls()).toBe(1);
    tracker.stop();
  });

  it("does not report idle while busy elsewhere", async () => {
    const { tracker, setElsewhere, idleCalls } = setup(20);
    setElsewhere(true);
    tracker.start();
    await wait(80);
    expect(idleCalls()).toBe(0);
    setElsewhere(false);
    await wait(80);
    expect(idleCalls()).toBe(1);
    tracker.stop();
  });

  it("reports nothing after stop", async () => {
    const { tracker, idleCalls } = setup(10);
    tracker.start();
    tracker.stop();
    await wait(40);
    expect(idleCalls()).toBe(0);
  });
});
