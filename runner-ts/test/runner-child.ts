/**
 * The test host (`runner-host.ts`) in a process of its own, for tests that signal or kill it.
 * It prints one JSON line per host event, plus `{event: "connected", runnerId}` once started.
 * SIGTERM/SIGINT are handled by the runner itself (`handleSignals`).
 *
 * Environment: `RUNNER_TEST_ENDPOINT`, `RUNNER_TEST_NAME`, and `RUNNER_TEST_HANG_STOP=1` to
 * make every actor stop hang forever (so only a second signal ends the process).
 *
 * Run: `node --import tsx --conditions=source runner-ts/test/runner-child.ts`.
 */
import { TestHost } from "./runner-host.js";

const endpoint = process.env.RUNNER_TEST_ENDPOINT;
const runnerName = process.env.RUNNER_TEST_NAME;
if (endpoint === undefined || runnerName === undefined) throw new Error("RUNNER_TEST_ENDPOINT and RUNNER_TEST_NAME must be set");
const hang = process.env.RUNNER_TEST_HANG_STOP === "1";

const host = new TestHost({
  endpoint,
  runnerName,
  handleSignals: true,
  onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
  ...(hang ? { onStop: () => new Promise<void>(() => {}) } : {}),
});
await host.runner.start();
process.stdout.write(`${JSON.stringify({ event: "connected", runnerId: host.runner.runnerId })}\n`);
