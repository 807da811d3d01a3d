import { describe, expect, it } from "vitest";
import { parseServerOptions } from "./config.js";

describe("parseServerOptions", () => {
  it("leaves the runner lost threshold to the engine unless told", () => {
    expect(parseServerOptions([], {})).toEqual({ host: "127.0.0.1", port: 6420, dataDir: ".actorwire/data" });
  });

  it("reads the runner lost threshold from the flag before the environment", () => {
    expect(parseServerOptions(["--runner-lost-threshold-ms", "2000"], {}).runnerLostThresholdMs).toBe(2000);
    expect(parseServerOptions(["--runner-lost-threshold-ms=1500"], { ACTORWIRE_RUNNER_LOST_THRESHOLD_MS: "9" }).runnerLostThresholdMs).toBe(1500);
    expect(parseServerOptions([], { ACTORWIRE_RUNNER_LOST_THRESHOLD_MS: "3000" }).runnerLostThresholdMs).toBe(3000);
  });

  it("refuses a threshold that is not a positive integer", () => {
    for (const bad of ["0", "-5", "1.5", "soon"]) {
      expect(() => parseServerOptions([], { ACTORWIRE_RUNNER_LOST_THRESHOLD_MS: bad })).toThrow(/runner-lost-threshold-ms/);
    }
  });
});
