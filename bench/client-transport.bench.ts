/**
 * Client transport benchmark: our Node client's stateless action calls
 * (`handle.increment(1)`, the default `bare` encoding) over its undici keep-alive pool against
 * the same calls over the global `fetch`, on our engine + our runner, with 1 and 10 callers
 * (caller i on actor i). Each caller count runs undici then fetch, each a warm-up and then a
 * timed closed loop (a caller sends its next call as soon as the previous one is answered).
 *
 * The client is built from its sources with its transport chosen explicitly: `ClientContext`
 * takes the transport as its second argument (internal, not part of the package's API).
 *
 * Run with `node --import tsx --conditions=source bench/client-transport.bench.ts`. Tunables
 * (environment): BENCH_TRANSPORT_MS (timed window per mode, default 3000),
 * BENCH_TRANSPORT_WARMUP_MS (default 500).
 */
import { ClientRaw } from "../client-ts/src/client.js";
import { resolveClientConfig } from "../client-ts/src/config.js";
import { ClientContext } from "../client-ts/src/context.js";
import { type HttpTransport, fetchTransport } from "../client-ts/src/transport.js";
import { createTransport as undiciTransport } from "../client-ts/src/transport-node.js";
import { ActorHostProcess } from "./support/actor-host.js";
import { startOurs } from "./support/engines.js";
import { fmtInt, fmtMs, markdownTable, summarize, positiveInt } from "./support/stats.js";

const SETTINGS = {
  timedMs: positiveInt("BENCH_TRANSPORT_MS", 3000),
  warmupMs: positiveInt("BENCH_TRANSPORT_WARMUP_MS", 500),
  callers: [1, 10],
};

const TRANSPORTS: Record<string, () => HttpTransport> = { undici: undiciTransport, fetch: () => fetchTransport };

interface ModeResult {
  readonly transport: string;
  readonly callers: number;
  readonly callsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly firstError: string | null;
}

type Counter = { increment(by: number): Promise<number> };

/** `callers` closed loops of `increment` on their own actors for `durationMs`. */
async function loop(handles: readonly Counter[], durationMs: number): Promise<{ latencies: number[]; ok: number; errors: number; firstError: string | null; seconds: number }> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  let firstError: string | null = null;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    handles.map(async (handle) => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          await handle.increment(1);
          const now = performance.now();
          if (now > end) break;
          ok++;
          latencies.push(now - start);
        } catch (err) {
          errors++;
          firstError ??= String(err);
        }
      }
    }),
  );
  return { latencies, ok, errors, firstError, seconds: (Math.min(performance.now(), end) - t0) / 1000 };
}

async function runMode(endpoint: string, transport: string, callers: number, tag: string): Promise<ModeResult> {
  const client = new ClientRaw(new ClientContext(resolveClientConfig({ endpoint, disableMetadataLookup: true }), TRANSPORTS[transport]!()));
  try {
    const handles = Array.from({ length: callers }, (_, i) => client.getOrCreate("counter", [`transport-${tag}-${i}`]) as unknown as Counter);
    await Promise.all(handles.map((h) => h.increment(1)));
    await loop(handles, SETTINGS.warmupMs);
    const r = await loop(handles, SETTINGS.timedMs);
    const s = summarize(r.latencies);
    return { transport, callers, callsPerSec: r.ok / r.seconds, p50Ms: s.p50, p99Ms: s.p99, errors: r.errors, firstError: r.firstError };
  } finally {
    await client.dispose();
  }
}

const engine = await startOurs();
let host: ActorHostProcess | undefined;
const results: ModeResult[] = [];
try {
  host = await ActorHostProcess.start("ours", engine.base.origin);
  const tag = String(Date.now());
  for (const callers of SETTINGS.callers) {
    for (const transport of Object.keys(TRANSPORTS)) {
      console.error(`[client transport] ${transport}, ${callers} caller(s)`);
      results.push(await runMode(engine.base.origin, transport, callers, `${tag}-${callers}`));
    }
  }
} catch (err) {
  throw new Error(`${String(err instanceof Error ? err.stack : err)}\n--- host ---\n${host?.tail() ?? ""}\n--- engine ---\n${engine.tail()}`);
} finally {
  await host?.stop();
  await engine.stop();
}

const byKey = (transport: string, callers: number) => results.find((r) => r.transport === transport && r.callers === callers)!;
const rows = SETTINGS.callers.flatMap((callers) => {
  const u = byKey("undici", callers);
  const f = byKey("fetch", callers);
  return [
    [`p50 (ms), ${callers} caller(s)`, fmtMs(u.p50Ms), fmtMs(f.p50Ms), (u.p50Ms / f.p50Ms).toFixed(2)],
    [`p99 (ms), ${callers} caller(s)`, fmtMs(u.p99Ms), fmtMs(f.p99Ms), (u.p99Ms / f.p99Ms).toFixed(2)],
    [`calls/s, ${callers} caller(s)`, fmtInt(u.callsPerSec), fmtInt(f.callsPerSec), (u.callsPerSec / f.callsPerSec).toFixed(2)],
  ];
});
console.log(markdownTable(["stateless action, our client", "undici pool", "global fetch", "undici ÷ fetch"], rows));
for (const r of results) if (r.errors > 0) console.log(`${r.transport}, ${r.callers} caller(s): ${r.errors} errors; first: ${r.firstError}`);
if (results.some((r) => r.errors > 0)) process.exitCode = 1;
