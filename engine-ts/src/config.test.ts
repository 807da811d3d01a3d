import { describe, expect, it } from "vitest";
import { parseServerOptions } from "./config.js";

describe("engine command line", () => {
  it("has Rivet's defaults", () => {
    expect(parseServerOptions([], {})).toEqual({ host: "127.0.0.1", port: 6420, dataDir: ".actorwire/data" });
  });

  it("reads flags before the environment", () => {
    const env = { ACTORWIRE_PORT: "7000", ACTORWIRE_ADMIN_TOKEN: "from-env", ACTORWIRE_DATA_DIR: "/env" };
    expect(parseServerOptions(["--port", "7100", "--admin-token=flag", "--runner-lost-threshold-ms", "500"], env)).toEqual({
      host: "127.0.0.1",
      port: 7100,
      dataDir: "/env",
      adminToken: "flag",
      runnerLostThresholdMs: 500,
    });
  });

  it("refuses a bad port or threshold with a clear message", () => {
    expect(() => parseServerOptions(["--port", "70000"], {})).toThrow(/--port must be 0-65535/);
    expect(() => parseServerOptions(["--runner-lost-threshold-ms", "-1"], {})).toThrow(/positive integer/);
  });
});
