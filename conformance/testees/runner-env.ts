/**
 * The environment contract between `actorwire-conformance runner` and a runner testee adapter
 * (`fixtures/conformance-actors/README.md`), read in one place for the TypeScript adapters.
 */

/** What the harness tells a runner testee. */
export interface RunnerEnv {
  readonly endpoint: string;
  readonly namespace: string;
  readonly runnerName: string;
  readonly token: string | undefined;
  readonly totalSlots: number;
  readonly protocolVersion: number;
}

/** Reads the contract from `process.env`; throws when a required variable is missing. */
export function readRunnerEnv(env: NodeJS.ProcessEnv = process.env): RunnerEnv {
  const need = (name: string): string => {
    const value = env[name];
    if (value === undefined || value === "") throw new Error(`${name} must be set (this program is started by actorwire-conformance runner)`);
    return value;
  };
  return {
    endpoint: need("RIVET_ENDPOINT"),
    namespace: need("RIVET_NAMESPACE"),
    runnerName: need("RIVET_RUNNER"),
    token: env.RIVET_TOKEN === "" ? undefined : env.RIVET_TOKEN,
    totalSlots: Number(env.RIVET_TOTAL_SLOTS ?? "100"),
    protocolVersion: Number(env.ACTORWIRE_CONFORMANCE_PROTOCOL_VERSION ?? "7"),
  };
}
