/**
 * Where an idle awake actor's memory goes in our runner: starts our engine, runs the bench's
 * counter actor in this process on `@actorwire/runner`, takes a V8 heap snapshot, wakes
 * `BENCH_IDLE_ACTORS` (2000) actors with one action each, collects garbage, takes another
 * snapshot, and prints the growth per actor by kind of object (constructor name for objects,
 * V8's node type otherwise), plus RSS and heap growth per actor.
 *
 * Run with `node --expose-gc --import tsx --conditions=source bench/idle-heap.ts`
 * (`npm run bench:idle-heap`). Not part of `npm test` or `npm run bench`.
 */
import { getHeapSnapshot } from "node:v8";
import { setup } from "@actorwire/runner";
import { counter } from "./support/actor-hosts/counter.js";
import { startOurs } from "./support/engines.js";
import { apiJson, httpRequest, keepAliveAgent } from "./support/http.js";
import { positiveInt } from "./support/stats.js";

const ACTORS = positiveInt("BENCH_IDLE_ACTORS", 2000);
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc (npm run bench:idle-heap does)");

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

/** Self size and count per kind of heap node. */
async function heapByKind(): Promise<Map<string, { bytes: number; count: number }>> {
  gc!();
  gc!();
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = [fields.indexOf("type"), fields.indexOf("name"), fields.indexOf("self_size")];
  const out = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const name = snap.strings[snap.nodes[i + nameAt]!]!;
    const kind = type === "object" || type === "closure" ? `${type} ${name}` : type;
    const entry = out.get(kind) ?? { bytes: 0, count: 0 };
    entry.bytes += snap.nodes[i + sizeAt]!;
    entry.count += 1;
    out.set(kind, entry);
  }
  return out;
}

const engine = await startOurs();
process.env.RIVET_ENDPOINT = engine.base.origin;
const handle = setup({ use: { counter } }).start({ endpoint: engine.base.origin, handleSignals: false });
await handle.ready;
const agent = keepAliveAgent(16);
// One actor first, so that code and caches every actor shares are in the baseline.
const wake = async (key: string) => {
  const res = await apiJson<{ actor: { actor_id: string } }>(agent, engine.base, "PUT", "/actors?namespace=default", {
    name: "counter",
    key,
    runner_name_selector: "default",
    crash_policy: "sleep",
  });
  const answer = await httpRequest(agent, engine.base, "POST", `/gateway/${res.actor.actor_id}/action/increment`, JSON.stringify({ args: [1] }), { "x-rivet-encoding": "json" });
  if (answer.status !== 200) throw new Error(`action answered ${answer.status}`);
};
await wake("warm");
const before = await heapByKind();
const mem0 = process.memoryUsage();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < ACTORS) await wake(`idle-${next++}`);
  }),
);
const after = await heapByKind();
const mem1 = process.memoryUsage();
const per = (bytes: number) => (bytes / ACTORS).toFixed(1);
console.log(`${ACTORS} idle awake actors: RSS +${per(mem1.rss - mem0.rss)} B/actor, heapUsed +${per(mem1.heapUsed - mem0.heapUsed)} B/actor, external +${per(mem1.external - mem0.external)} B/actor`);
const growth = [...after.entries()]
  .map(([kind, a]) => ({ kind, bytes: a.bytes - (before.get(kind)?.bytes ?? 0), count: a.count - (before.get(kind)?.count ?? 0) }))
  .filter((g) => g.bytes > 0)
  .sort((a, b) => b.bytes - a.bytes);
const total = growth.reduce((s, g) => s + g.bytes, 0);
console.log(`heap snapshot growth: ${per(total)} B/actor; by kind (bytes/actor, objects/actor):`);
for (const g of growth.slice(0, 40)) console.log(`  ${per(g.bytes).padStart(8)}  ${(g.count / ACTORS).toFixed(2).padStart(6)}  ${g.kind}`);
await agent.close();
await handle.shutdown();
await engine.stop();
process.exit(0);
