import { describe, expect, it } from "vitest";
import { RUNNER_ID_LENGTH, mintRunnerId } from "./ids.js";
import { MemoryRunnerRegistry } from "./registry.js";

describe("mintRunnerId", () => {
  it("mints distinct 30-character base-36 IDs", () => {
    const ids = new Set(Array.from({ length: 1000 }, mintRunnerId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(new RegExp(`^[0-9a-z]{${RUNNER_ID_LENGTH}}$`));
  });
});

describe("MemoryRunnerRegistry", () => {
  it("knows only the namespaces it was given", () => {
    const registry = new MemoryRunnerRegistry();
    expect(registry.resolveNamespace("default")?.name).toBe("default");
    expect(registry.resolveNamespace("other")).toBeUndefined();
    registry.addNamespace("other");
    expect(registry.resolveNamespace("other")?.name).toBe("other");
  });

  it("reuses a runner ID for the same namespace, name and key, and only then", () => {
    const registry = new MemoryRunnerRegistry();
    const base = { namespaceId: "ns", name: "pool", runnerKey: "k" };
    const id = registry.runnerIdFor(base);
    expect(registry.runnerIdFor({ ...base })).toBe(id);
    expect(registry.runnerIdFor({ ...base, runnerKey: "k2" })).not.toBe(id);
    expect(registry.runnerIdFor({ ...base, name: "pool2" })).not.toBe(id);
    expect(registry.runnerIdFor({ ...base, namespaceId: "ns2" })).not.toBe(id);
    // Parts are kept apart: moving a character from the name into the key is another runner.
    expect(registry.runnerIdFor({ namespaceId: "ns", name: "poo", runnerKey: "lk" })).not.toBe(id);
  });
});
