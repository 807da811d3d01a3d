/**
 * The runner process of the engine benchmark: Rivet's own runner, `@rivetkit/engine-runner`,
 * hosting one trivial actor type, started by `runner-host.ts` as a child process with an IPC
 * channel. It runs in its own process so that the runner's work (tunnel decoding, building
 * `Request`/`Response` objects) and the bench's HTTP client do not share one event loop.
 *
 * Actor names:
 * - `ping`: `fetch` answers `200 {"ok":true}`; every start and stop is reported to the parent.
 * - `sleeper`: asks to sleep as soon as it has started; only counted, so 10,000 of them cost
 *   the IPC channel nothing.
 *
 * Requests from the parent (`{id, op, ...}`, answered with `{id, ok, ...}`): `sleep`, `counts`,
 * `kv` (a timed loop of `kvPut`/`kvGet` of one small key), `shutdown`.
 */
import { Runner } from "@rivetkit/engine-runner";

const endpoint = process.env.BENCH_ENDPOINT;
const runnerName = process.env.BENCH_RUNNER_NAME ?? "bench";
if (endpoint === undefined || process.send === undefined) {
  console.error("runner-child: needs BENCH_ENDPOINT and an IPC channel (start it through runner-host.ts)");
  process.exit(2);
}
const send = (message: unknown): void => {
  process.send?.(message);
};

const PING_BODY = '{"ok":true}';
const PING_HEADERS = { "content-type": "application/json" };

const counts = { pingStarts: 0, pingStops: 0, sleeperStarts: 0, sleeperStops: 0, fetches: 0 };
const names = new Map<string, string>();

const runner = new Runner({
  version: 1,
  endpoint,
  namespace: "default",
  // Large enough that capacity never limits a measurement (sleeping actors free their slot).
  totalSlots: 100_000,
  runnerName,
  prepopulateActorNames: { ping: { metadata: {} }, sleeper: { metadata: {} } },
  noAutoShutdown: true,
  onConnected: () => send({ ev: "connected", runnerId: runner.runnerId }),
  onDisconnected: (code, reason) => send({ ev: "disconnected", code, reason }),
  onShutdown: () => {},
  fetch: async () => {
    counts.fetches++;
    return new Response(PING_BODY, { status: 200, headers: PING_HEADERS });
  },
  websocket: async () => {},
  hibernatableWebSocket: { canHibernate: () => false },
  onActorStart: async (actorId, generation, config) => {
    names.set(actorId, config.name);
    if (config.name === "sleeper") {
      counts.sleeperStarts++;
      // After this callback returns the runner has reported it running; then ask to sleep.
      setImmediate(() => runner.sleepActor(actorId, generation));
      return;
    }
    counts.pingStarts++;
    send({ ev: "started", actorId, generation });
  },
  onActorStop: async (actorId, generation) => {
    if (names.get(actorId) === "sleeper") {
      counts.sleeperStops++;
      return;
    }
    counts.pingStops++;
    send({ ev: "stopped", actorId, generation });
  },
});

interface KvRequest {
  readonly actorId: string;
  readonly mode: "put" | "get";
  readonly inFlight: number;
  readonly ms: number;
}

/** `inFlight` loops of put or get of one 9-byte key with a 16-byte value, for `ms`. */
async function kvLoop({ actorId, mode, inFlight, ms }: KvRequest) {
  const key = new TextEncoder().encode("bench-key");
  const value = new Uint8Array(16).fill(7);
  await runner.kvPut(actorId, [[key, value]]);
  let ops = 0;
  const latenciesMs: number[] = [];
  const t0 = performance.now();
  const end = t0 + ms;
  const loop = async () => {
    while (performance.now() < end) {
      const start = performance.now();
      if (mode === "put") await runner.kvPut(actorId, [[key, value]]);
      else {
        const [got] = await runner.kvGet(actorId, [key]);
        if (got === null || got === undefined || got.byteLength !== 16) throw new Error("kvGet returned the wrong value");
      }
      const now = performance.now();
      if (now > end) break;
      ops++;
      latenciesMs.push(now - start);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, loop));
  return { ops, seconds: ms / 1000, latenciesMs };
}

process.on("message", (raw) => {
  const msg = raw as { id: number; op: string } & Record<string, unknown>;
  const reply = (body: Record<string, unknown>) => send({ id: msg.id, ok: true, ...body });
  const fail = (err: unknown) => send({ id: msg.id, ok: false, error: String(err instanceof Error ? err.stack : err) });
  try {
    switch (msg.op) {
      case "sleep":
        runner.sleepActor(msg.actorId as string);
        reply({});
        break;
      case "counts":
        reply({ ...counts, actors: runner.actors.size, rssBytes: process.memoryUsage.rss() });
        break;
      case "kv":
        kvLoop(msg as unknown as KvRequest).then(reply, fail);
        break;
      case "shutdown":
        runner.shutdown(true).then(
          () => {
            reply({});
            setTimeout(() => process.exit(0), 50);
          },
          (err) => {
            fail(err);
            setTimeout(() => process.exit(1), 50);
          },
        );
        break;
      default:
        fail(new Error(`unknown op ${msg.op}`));
    }
  } catch (err) {
    fail(err);
  }
});
process.on("disconnect", () => process.exit(0));

await runner.start();
