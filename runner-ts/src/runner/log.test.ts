import { describe, expect, it } from "vitest";
import { DEFAULT_LOG_LEVEL, logLevelFromEnv } from "./log.js";

describe("the runner's log level", () => {
  it("is info by default, so the connection line and c.log.info show", () => {
    expect(DEFAULT_LOG_LEVEL).toBe("info");
    expect(logLevelFromEnv({})).toEqual({ level: "info" });
  });

  it("reads ACTORWIRE_RUNNER_LOG_LEVEL, then RIVET_LOG_LEVEL, then LOG_LEVEL", () => {
    expect(logLevelFromEnv({ LOG_LEVEL: "debug" })).toEqual({ level: "debug" });
    expect(logLevelFromEnv({ RIVET_LOG_LEVEL: "warn", LOG_LEVEL: "debug" })).toEqual({ level: "warn" });
    expect(logLevelFromEnv({ ACTORWIRE_RUNNER_LOG_LEVEL: "ERROR", RIVET_LOG_LEVEL: "warn" })).toEqual({ level: "error" });
  });

  it("falls back to info on a value that is not a level, naming the variable", () => {
    expect(logLevelFromEnv({ LOG_LEVEL: "loud" })).toEqual({ level: "info", invalid: { variable: "LOG_LEVEL", value: "loud" } });
  });
});
