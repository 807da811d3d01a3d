import { describe, expect, it } from "vitest";
import { StateTracker, unwrapState } from "./state.js";

function track(initial: unknown) {
  const log = { mutations: 0 };
  const tracker = new StateTracker({ stateMutated: () => void log.mutations++ }, initial);
  return { tracker, log };
}

describe("StateTracker", () => {
  it("counts writes at any depth and none for reads", () => {
    const { tracker, log } = track({ a: 1, nested: { list: [1, 2] } });
    const s = tracker.value as { a: number; nested: { list: number[] } };
    void s.a;
    void s.nested.list[0];
    expect(log.mutations).toBe(0);
    s.a = 2;
    s.nested.list.push(3);
    expect(log.mutations).toBeGreaterThanOrEqual(2);
    expect(tracker.rawValue).toEqual({ a: 2, nested: { list: [1, 2, 3] } });
  });

  it("does not count a write of the same value", () => {
    const { tracker, log } = track({ a: 1 });
    (tracker.value as { a: number }).a = 1;
    expect(log.mutations).toBe(0);
  });

  it("tracks Map, Set and Date mutators", () => {
    const { tracker, log } = track({ m: new Map<string, { n: number }>(), s: new Set<number>(), d: new Date(0) });
    const s = tracker.value as { m: Map<string, { n: number }>; s: Set<number>; d: Date };
    s.m.set("x", { n: 1 });
    s.m.get("x")!.n = 2;
    s.s.add(5);
    s.d.setTime(1000);
    expect(log.mutations).toBe(4);
    expect(s.m.size).toBe(1);
    expect(s.s.has(5)).toBe(true);
    expect((tracker.rawValue as { d: Date }).d.getTime()).toBe(1000);
  });

  it("stores raw objects, never proxies, when a proxied value is assigned", () => {
    const { tracker } = track({ a: { x: 1 }, b: null as unknown });
    const s = tracker.value as { a: { x: number }; b: unknown };
    s.b = s.a;
    const raw = tracker.rawValue as { a: object; b: object };
    expect(raw.b).toBe(raw.a);
    expect(unwrapState(s.a)).toBe(raw.a);
  });

  it("runs the change hook with the state and rejects mutations inside it with rivetkit's code", async () => {
    let inner: unknown;
    let seen: unknown;
    const { tracker } = track({ count: 0 });
    (tracker.value as { count: number }).count = 1;
    tracker.runChangeHook(
      (proxy) => {
        seen = structuredClone(unwrapState(proxy));
        try {
          (proxy as { count: number }).count = 100;
        } catch (error) {
          inner = error;
        }
      },
      () => {},
    );
    expect(seen).toEqual({ count: 1 });
    expect(inner).toMatchObject({ group: "actor", code: "state_mutation_reentrant" });
    expect(tracker.rawValue).toEqual({ count: 1 });
    // An async hook keeps mutations refused until it settles.
    let release!: () => void;
    tracker.runChangeHook(() => new Promise<void>((resolve) => (release = resolve)), () => {});
    expect(() => ((tracker.value as { count: number }).count = 2)).toThrow("onStateChange");
    release();
    await new Promise((resolve) => setImmediate(resolve));
    (tracker.value as { count: number }).count = 2;
    expect(tracker.rawValue).toEqual({ count: 2 });
  });

  it("replace swaps the whole state and counts as a change", () => {
    const { tracker, log } = track({ a: 1 });
    tracker.replace({ b: 2 });
    expect(tracker.rawValue).toEqual({ b: 2 });
    expect(log.mutations).toBe(1);
  });

  it("leaves primitives and class instances unproxied", () => {
    class Point {
      x = 1;
    }
    const { tracker } = track({ p: new Point(), bytes: new Uint8Array(2) });
    const s = tracker.value as { p: Point; bytes: Uint8Array };
    expect(s.p).toBeInstanceOf(Point);
    expect(unwrapState(s.p)).toBe(s.p);
    expect(track(5).tracker.value).toBe(5);
  });
});
