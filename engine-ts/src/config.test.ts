import { describe, expect, it } from "vitest";
import { parseEngineCommand, UsageError } from "./config.js";

const run = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
  const command = parseEngineCommand(argv, env);
  if (command.kind !== "run") throw new Error(`expected run, got ${command.kind}`);
  return command.options;
};

describe("engine command line", () => {
  it("has Rivet's defaults", () => {
    expect(run([])).toEqual({ host: "127.0.0.1", port: 6420, dataDir: ".actorwire/data" });
  });

  it("reads flags before the environment", () => {
    const env = { ACTORWIRE_PORT: "7000", ACTORWIRE_ADMIN_TOKEN: "from-env", ACTORWIRE_DATA_DIR: "/env" };
    expect(run(["--port", "7100", "--admin-token=flag", "--runner-lost-threshold-ms", "500"], env)).toEqual({
      host: "127.0.0.1",
      port: 7100,
      dataDir: "/env",
      adminToken: "flag",
      runnerLostThresholdMs: 500,
    });
    expect(run([], env).port).toBe(7000);
  });

  it("answers --help and --version before anything else", () => {
    expect(parseEngineCommand(["--port", "1", "--help"], {})).toEqual({ kind: "help" });
    expect(parseEngineCommand(["-V"], {})).toEqual({ kind: "version" });
  });

  it("refuses a bad port or threshold with the flag, the range and the value", () => {
    expect(() => run(["--port", "65536"])).toThrow('--port must be an integer from 0 to 65535, got "65536"');
    expect(run(["--port", "65535"]).port).toBe(65535);
    expect(() => run([], { ACTORWIRE_PORT: "http" })).toThrow('ACTORWIRE_PORT must be an integer from 0 to 65535, got "http"');
    expect(() => run(["--runner-lost-threshold-ms", "-1"])).toThrow(UsageError);
    expect(() => run(["--runner-lost-threshold-ms", "0"])).toThrow(/from 1 to/);
  });

  it("refuses unknown flags and stray arguments", () => {
    expect(() => run(["--prot", "1"])).toThrow(/--prot/);
    expect(() => run(["serve"])).toThrow(UsageError);
    expect(() => run(["--port"])).toThrow(/--port/);
  });
});
