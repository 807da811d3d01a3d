/**
 * The entry side of a stack fixture (see `stack.ts`): a fixture module builds its registry and
 * calls `serve(registry)`, which connects to the engine named in the environment
 * (`RIVET_ENDPOINT`, `RIVET_RUNNER`, `RIVET_NAMESPACE`) and prints the `connected` line the
 * stack waits for. `report({...})` prints one JSON line the test can wait for.
 */
import type { Registry, RegistryActors } from "../../src/index.js";

/** Prints one JSON line (with this process's PID) for the test to read. */
export function report(line: { event: string } & Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, pid: process.pid })}\n`);
}

/** Starts the registry on the engine from the environment and announces the connection. */
export async function serve(registry: Registry<RegistryActors>): Promise<void> {
  const handle = registry.start();
  await handle.ready;
  report({ event: "connected", runnerId: handle.runnerId });
}
