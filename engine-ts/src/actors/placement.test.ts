import { describe, expect, it } from "vitest";
import { type PlacementCandidate, choosePlacement } from "./placement.js";

const base: PlacementCandidate = {
  runnerId: "r",
  namespaceId: "ns",
  name: "pool",
  version: 1,
  totalSlots: 2,
  used: 0,
  draining: false,
  usable: true,
};

const runner = (over: Partial<PlacementCandidate>): PlacementCandidate => ({ ...base, ...over });

describe("choosePlacement", () => {
  it("prefers the highest version, then the least loaded, then the lowest runner ID", () => {
    const pick = (cs: PlacementCandidate[]) => (choosePlacement(cs, "ns", "pool") as PlacementCandidate).runnerId;
    expect(pick([runner({ runnerId: "a", version: 1 }), runner({ runnerId: "b", version: 3, used: 1 })])).toBe("b");
    expect(pick([runner({ runnerId: "a", used: 1 }), runner({ runnerId: "b", used: 0 })])).toBe("b");
    expect(pick([runner({ runnerId: "b" }), runner({ runnerId: "a" })])).toBe("a");
  });

  it("skips full, draining and unusable runners, and other namespaces and names", () => {
    expect(choosePlacement([runner({ used: 2 }), runner({ draining: true })], "ns", "pool")).toBe("no_capacity");
    expect(choosePlacement([runner({ usable: false })], "ns", "pool")).toBe("no_runners");
    expect(choosePlacement([runner({ namespaceId: "other" }), runner({ name: "other" })], "ns", "pool")).toBe("no_runners");
    expect(choosePlacement([], "ns", "pool")).toBe("no_runners");
    expect(choosePlacement([runner({ totalSlots: 0 })], "ns", "pool")).toBe("no_capacity");
  });
});
