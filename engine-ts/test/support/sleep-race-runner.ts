/**
 * A runner child process for `actors-sleep-race.test.ts`: our runner (`@actorwire/runner`)
 * hosting one actor whose `onSleep` is slow, so that a client can send an action on its
 * hibernatable `/connect` socket while the actor is still stopping. It prints one JSON line
 * when connected and one when `onSleep` begins, so the test knows when to send.
 *
 * Environment: `RIVET_ENDPOINT`, `RIVET_NAMESPACE`, `RIVET_RUNNER` (read by the registry) and
 * `ACTORWIRE_TEST_SLEEP_MS`, how long `onSleep` takes.
 */
import { actor, setup } from "@actorwire/runner";

const sleepMs = Number(process.env.ACTORWIRE_TEST_SLEEP_MS ?? "200");

function report(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...line, pid: process.pid })}\n`);
}

const racer = actor({
  state: { count: 0, sleeps: 0 },
  onSleep: async (c) => {
    report({ event: "sleeping", actorId: c.actorId, count: c.state.count });
    c.state.sleeps++;
    await new Promise((resolve) => setTimeout(resolve, sleepMs));
  },
  actions: {
    increment: (c) => ++c.state.count,
    get: (c) => c.state,
    sleep: (c) => c.sleep(),
  },
});

export const registry = setup({ use: { racer } });

const handle = registry.start();
await handle.ready;
report({ event: "connected", runnerId: handle.runnerId });
