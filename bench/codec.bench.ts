/**
 * Runner protocol v7 codec benchmark: our generated codec (`@actorwire/protocol`, on
 * `@bare-ts/lib` 0.4.1 with a reused scratch encode buffer) against Rivet's published one
 * (`@rivetkit/engine-runner-protocol`, on `@rivetkit/bare-ts`), in one process, on the
 * same values and the same bytes.
 *
 * Run with `npm run bench`. Tunables (environment): BENCH_ROUNDS (timed rounds per codec
 * and case, default 10), BENCH_ROUND_MS (length of one round, default 100),
 * BENCH_WARMUP_MS (warm-up per codec and case, default 300); BENCH_LARGE=1 adds a 1 MiB
 * tunnel message to the default workloads.
 *
 * Before timing anything it checks, for every workload, that both encoders produce the
 * same bytes and that each decoder reads the other's bytes back to the original value; any
 * difference aborts the run with a non-zero exit code.
 */
import { isDeepStrictEqual } from "node:util";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { runner } from "@actorwire/protocol";
import * as rivet from "@rivetkit/engine-runner-protocol";

type ToServer = runner.v7.ToServer;
type ToClient = runner.v7.ToClient;

// ---- Deterministic contents ------------------------------------------------------------

/** mulberry32: a small seeded PRNG so every run builds byte-identical messages. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, length: number): ArrayBuffer {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (rand() * 256) | 0;
  return bytes.buffer;
}

function utf8(text: string): ArrayBuffer {
  const encoded = new TextEncoder().encode(text);
  // Copy into an exactly-sized ArrayBuffer (TextEncoder may hand back a larger backing store).
  return encoded.slice().buffer;
}

const BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A 30-character base-36 ID, the shape Rivet uses for actor and runner IDs. */
function actorId(rand: () => number): string {
  let id = "";
  for (let i = 0; i < 30; i++) id += BASE36[(rand() * 36) | 0];
  return id;
}

/** A tiny definite-length CBOR map with text keys, like a serialized actor input. */
function cborInput(roomId: string, maxPlayers: number): ArrayBuffer {
  const out: number[] = [0xa3];
  const text = (s: string) => {
    const b = new TextEncoder().encode(s);
    if (b.length < 24) out.push(0x60 + b.length);
    else out.push(0x78, b.length);
    out.push(...b);
  };
  text("roomId");
  text(roomId);
  text("maxPlayers");
  out.push(maxPlayers); // unsigned int < 24 encodes inline
  text("private");
  out.push(0xf4); // false
  return new Uint8Array(out).buffer;
}

// ---- Workloads -------------------------------------------------------------------------

type Workload =
  | { readonly name: string; readonly root: "ToServer"; readonly value: ToServer }
  | { readonly name: string; readonly root: "ToClient"; readonly value: ToClient };

function kvPut64(): ToServer {
  const rand = prng(1);
  const keys: ArrayBuffer[] = [];
  const values: ArrayBuffer[] = [];
  for (let i = 0; i < 64; i++) {
    // 20 bytes: a short prefix, a separator and a zero-padded index.
    keys.push(utf8(`state/chat/msg:${String(i).padStart(5, "0")}`));
    values.push(randomBytes(rand, 1024));
  }
  return {
    tag: "ToServerKvRequest",
    val: { actorId: actorId(rand), requestId: 4242, data: { tag: "KvPutRequest", val: { keys, values } } },
  };
}

const GATEWAY_ID = new Uint8Array([0x9c, 0x11, 0x4e, 0x02]).buffer;
const REQUEST_ID = new Uint8Array([0x00, 0x00, 0x17, 0xa5]).buffer;

function tunnelWebSocket(size: number): ToClient {
  const rand = prng(2);
  return {
    tag: "ToClientTunnelMessage",
    val: {
      messageId: { gatewayId: GATEWAY_ID, requestId: REQUEST_ID, messageIndex: 1031 },
      messageKind: { tag: "ToClientWebSocketMessage", val: { data: randomBytes(rand, size), binary: true } },
    },
  };
}

function tunnelResponseStart64k(): ToServer {
  const rand = prng(3);
  return {
    tag: "ToServerTunnelMessage",
    val: {
      messageId: { gatewayId: GATEWAY_ID, requestId: REQUEST_ID, messageIndex: 0 },
      messageKind: {
        tag: "ToServerResponseStart",
        val: {
          status: 200,
          headers: new Map([
            ["content-type", "application/octet-stream"],
            ["content-length", String(64 * 1024)],
            ["cache-control", "no-store"],
            ["x-request-id", "b6f1c0de-7a4e-4f5e-9d2a-0c1e5a7b3f90"],
          ]),
          body: randomBytes(rand, 64 * 1024),
          stream: false,
        },
      },
    },
  };
}

function commandBatch100(): ToClient {
  const rand = prng(4);
  const names = ["chat-room", "counter", "matchmaker", "player-session", "document"];
  const commands: runner.v7.CommandWrapper[] = [];
  for (let i = 0; i < 100; i++) {
    const name = names[i % names.length]!;
    const roomId = `room-${String(i).padStart(4, "0")}`;
    commands.push({
      checkpoint: { actorId: actorId(rand), generation: i % 3, index: BigInt(i % 7) },
      inner: {
        tag: "CommandStartActor",
        val: {
          config: {
            name,
            key: `["${name}","${roomId}"]`,
            createTs: 1_735_689_600_000n + BigInt(i * 137),
            input: cborInput(roomId, 2 + (i % 14)),
          },
          hibernatingRequests: [],
        },
      },
    });
  }
  return { tag: "ToClientCommands", val: commands };
}

const WORKLOADS: readonly Workload[] = [
  { name: "kv put 64 x 1 KiB", root: "ToServer", value: kvPut64() },
  { name: "tunnel ws message 64 KiB", root: "ToClient", value: tunnelWebSocket(64 * 1024) },
  { name: "tunnel response start 64 KiB", root: "ToServer", value: tunnelResponseStart64k() },
  { name: "commands: 100 start actor", root: "ToClient", value: commandBatch100() },
  // Opt-in (BENCH_LARGE=1): a message big enough that our encoder's scratch buffer grows
  // past the size it keeps between calls, so the reuse no longer applies.
  ...(process.env.BENCH_LARGE === "1"
    ? [{ name: "tunnel ws message 1 MiB", root: "ToClient", value: tunnelWebSocket(1024 * 1024) } as const]
    : []),
];

// ---- The two codecs behind one shape ---------------------------------------------------

interface Codec {
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

type Impl = "ours" | "rivet";

function codecsFor(w: Workload): Record<Impl, Codec> {
  // Both sides are handed the very same value objects. Rivet's types are structurally the
  // same as ours (tagged unions, ArrayBuffer, bigint, ReadonlyMap), which tsc checks here.
  if (w.root === "ToServer") {
    return {
      ours: { encode: (v) => runner.v7.encodeToServer(v as ToServer), decode: (b) => runner.v7.decodeToServer(b) },
      rivet: { encode: (v) => rivet.encodeToServer(v as ToServer), decode: (b) => rivet.decodeToServer(b) },
    };
  }
  return {
    ours: { encode: (v) => runner.v7.encodeToClient(v as ToClient), decode: (b) => runner.v7.decodeToClient(b) },
    rivet: { encode: (v) => rivet.encodeToClient(v as ToClient), decode: (b) => rivet.decodeToClient(b) },
  };
}

function hex(bytes: Uint8Array, at: number): string {
  return Buffer.from(bytes.subarray(Math.max(0, at - 4), at + 8)).toString("hex");
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** Throws unless both codecs agree on the bytes and each reads the other's output back. */
function crossCheck(w: Workload, codecs: Record<Impl, Codec>): Uint8Array {
  const ours = codecs.ours.encode(w.value);
  const theirs = codecs.rivet.encode(w.value);
  if (Buffer.compare(ours, theirs) !== 0) {
    const at = firstDifference(ours, theirs);
    throw new Error(
      `${w.name}: encoders disagree (ours ${ours.byteLength} bytes, rivet ${theirs.byteLength} bytes, ` +
        `first difference at byte ${at}: ours ${hex(ours, at)} vs rivet ${hex(theirs, at)})`,
    );
  }
  const checks: [string, unknown][] = [
    ["ours decoding rivet's bytes", codecs.ours.decode(theirs)],
    ["rivet decoding our bytes", codecs.rivet.decode(ours)],
    ["ours decoding our bytes", codecs.ours.decode(ours)],
    ["rivet decoding rivet's bytes", codecs.rivet.decode(theirs)],
  ];
  for (const [what, decoded] of checks) {
    if (!isDeepStrictEqual(decoded, w.value)) throw new Error(`${w.name}: ${what} does not give back the original value`);
    // And the decoded value must encode to the same bytes again with the other codec.
    if (Buffer.compare(codecs.ours.encode(decoded), ours) !== 0 || Buffer.compare(codecs.rivet.encode(decoded), ours) !== 0) {
      throw new Error(`${w.name}: re-encoding the result of ${what} changes the bytes`);
    }
  }
  // An exactly-sized copy, so both decoders read the same standalone buffer.
  return ours.slice();
}

// ---- Timing ----------------------------------------------------------------------------

const ROUNDS = positiveInt(process.env.BENCH_ROUNDS, 10);
const ROUND_MS = positiveInt(process.env.BENCH_ROUND_MS, 100);
const WARMUP_MS = positiveInt(process.env.BENCH_WARMUP_MS, 300);
/** Target length of one uninterrupted batch of calls; timing is read once per batch. */
const BATCH_MS = 5;

function positiveInt(text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`expected a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error("codec.bench: run with --expose-gc (npm run bench does) so every round starts from a collected heap");
  process.exit(2);
}
const collectGarbage: () => void = gc;

/** Results feed this so the optimizer cannot drop the work. */
let sink = 0;

type Op = () => number;

function runBatch(op: Op, n: number): number {
  let acc = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) acc += op();
  const elapsed = performance.now() - t0;
  sink = (sink + acc) | 0;
  return elapsed;
}

/** Runs `op` for about `ms` milliseconds in batches of `batch` calls; returns ops/s. */
function runFor(op: Op, batch: number, ms: number): number {
  let ops = 0;
  let elapsed = 0;
  while (elapsed < ms) {
    elapsed += runBatch(op, batch);
    ops += batch;
  }
  return (ops * 1000) / elapsed;
}

/** Warms `op` up for about `ms` and returns a batch size that takes about BATCH_MS. */
function warmUp(op: Op, ms: number): number {
  let batch = 1;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const t = runBatch(op, batch);
    if (t < BATCH_MS / 2) batch *= 2;
    else batch = Math.max(1, Math.round((batch * BATCH_MS) / t));
  }
  return batch;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Side {
  readonly medianOpsPerSec: number;
  readonly medianMBPerSec: number;
  /** (max - min) / median of the per-round ops/s, as a percentage. */
  readonly spreadPct: number;
  readonly roundsOpsPerSec: readonly number[];
}

interface Row {
  readonly workload: string;
  readonly root: Workload["root"];
  readonly messageBytes: number;
  readonly op: "encode" | "decode";
  readonly ours: Side;
  readonly rivet: Side;
  /** ours median ops/s divided by rivet median ops/s: above 1 means ours is faster. */
  readonly ratio: number;
  /** Median of the per-round ratios (round i of ours against round i of rivet). */
  readonly pairedRatio: number;
  /** Smallest and largest per-round ratio. */
  readonly pairedRatioRange: readonly [number, number];
}

function side(rounds: readonly number[], bytes: number): Side {
  const med = median(rounds);
  return {
    medianOpsPerSec: med,
    medianMBPerSec: (med * bytes) / 1e6,
    spreadPct: ((Math.max(...rounds) - Math.min(...rounds)) / med) * 100,
    roundsOpsPerSec: rounds,
  };
}

function measure(w: Workload, op: Row["op"], ops: Record<Impl, Op>, bytes: number): Row {
  // Warm both up (alternating) before either is timed.
  const batch: Record<Impl, number> = { ours: 1, rivet: 1 };
  for (const impl of ["ours", "rivet", "ours", "rivet"] as const) batch[impl] = warmUp(ops[impl], WARMUP_MS / 2);
  const rounds: Record<Impl, number[]> = { ours: [], rivet: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // ABBA order: ours first on even rounds, rivet first on odd ones, to cancel drift.
    const order: readonly Impl[] = r % 2 === 0 ? ["ours", "rivet"] : ["rivet", "ours"];
    for (const impl of order) {
      // Start every round from a collected heap: both codecs allocate the same garbage, and
      // without this a collection that lands in the same side's rounds again and again (its
      // period aliasing with the round length) bills one codec for the other's allocations.
      collectGarbage();
      rounds[impl].push(runFor(ops[impl], batch[impl], ROUND_MS));
    }
  }
  const ours = side(rounds.ours, bytes);
  const theirs = side(rounds.rivet, bytes);
  const paired = rounds.ours.map((o, i) => o / rounds.rivet[i]!);
  return {
    workload: w.name,
    root: w.root,
    messageBytes: bytes,
    op,
    ours,
    rivet: theirs,
    ratio: ours.medianOpsPerSec / theirs.medianOpsPerSec,
    pairedRatio: median(paired),
    pairedRatioRange: [Math.min(...paired), Math.max(...paired)],
  };
}

// ---- Output ----------------------------------------------------------------------------

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

function fmt1(n: number): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function table(rows: readonly Row[]): string {
  const header = [
    "workload",
    "root",
    "bytes",
    "op",
    "ours ops/s",
    "ours MB/s",
    "rivet ops/s",
    "rivet MB/s",
    "ours/rivet",
    "per-round ratio: median (min-max)",
  ];
  const body = rows.map((r) => [
    r.workload,
    r.root,
    fmtInt(r.messageBytes),
    r.op,
    fmtInt(r.ours.medianOpsPerSec),
    fmt1(r.ours.medianMBPerSec),
    fmtInt(r.rivet.medianOpsPerSec),
    fmt1(r.rivet.medianMBPerSec),
    r.ratio.toFixed(2),
    `${r.pairedRatio.toFixed(2)} (${r.pairedRatioRange[0].toFixed(2)}-${r.pairedRatioRange[1].toFixed(2)})`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const left = new Set([0, 1, 3]);
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => (left.has(i) ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(header), rule, ...body.map(line)].join("\n");
}

// ---- Main ------------------------------------------------------------------------------

function main(): void {
  if (process.env.NODE_ENV === "development") {
    console.warn("warning: NODE_ENV=development turns on bare-ts's internal assertions in both codecs");
  }
  const started = performance.now();
  const prepared = WORKLOADS.map((w) => {
    const codecs = codecsFor(w);
    const bytes = crossCheck(w, codecs);
    return { w, codecs, bytes };
  });
  console.log(
    `cross-check ok: ${prepared.length} workloads encode to identical bytes and decode both ways ` +
      `(${prepared.map((p) => `${p.w.name}: ${p.bytes.byteLength} B`).join(", ")})`,
  );
  console.log(`timing: ${ROUNDS} rounds x ${ROUND_MS} ms per codec and case, ${WARMUP_MS} ms warm-up per codec and case\n`);

  const rows: Row[] = [];
  for (const { w, codecs, bytes } of prepared) {
    const value = w.value;
    const enc: Record<Impl, Op> = {
      ours: () => codecs.ours.encode(value).byteLength,
      rivet: () => codecs.rivet.encode(value).byteLength,
    };
    rows.push(measure(w, "encode", enc, bytes.byteLength));
    const dec: Record<Impl, Op> = {
      ours: () => ((codecs.ours.decode(bytes) as { tag: string }).tag.length),
      rivet: () => ((codecs.rivet.decode(bytes) as { tag: string }).tag.length),
    };
    rows.push(measure(w, "decode", dec, bytes.byteLength));
    const last = rows.slice(-2);
    for (const r of last) {
      console.log(`  ${r.workload} ${r.op}: ours/rivet ${r.ratio.toFixed(2)}`);
    }
  }

  const seconds = (performance.now() - started) / 1000;
  console.log(`\n${table(rows)}\n`);
  console.log(
    "ours/rivet = median ops/s of ours over median ops/s of rivet; > 1 means ours is faster.\n" +
      "per-round ratio = ours over rivet within each back-to-back pair of rounds (robust to machine load drift).\n" +
      `MB = 10^6 bytes of encoded message. total ${seconds.toFixed(1)} s`,
  );

  const cpu = cpus();
  const result = {
    benchmark: "runner protocol v7 codec: @actorwire/protocol vs @rivetkit/engine-runner-protocol",
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      v8: process.versions.v8,
      platform: `${process.platform}-${process.arch}`,
      cpu: cpu[0]?.model ?? "unknown",
      cores: cpu.length,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      nodeEnv: process.env.NODE_ENV ?? null,
    },
    settings: { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS, batchMs: BATCH_MS, mbIsBytes: 1e6 },
    totalSeconds: Number(seconds.toFixed(1)),
    rows,
    sink,
  };
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}latest.json`;
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`wrote ${file}`);
}

main();
