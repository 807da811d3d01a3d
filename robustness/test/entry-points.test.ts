/**
 * Property-based fuzzing of every entry point of a real engine (with a real runner hosting a
 * counter): the public REST API, the gateway, the client WebSocket `/connect` and the runner
 * WebSocket `/runners/connect`. The oracle, after every input: the engine and the runner never
 * exit, every HTTP input is answered (or refused by the parser) before its timeout and never
 * with a 5xx, and at the end of each entry point a well-behaved client calling counters in
 * parallel still gets exactly the right answers.
 *
 * Small in `npm test`; `npm run fuzz` runs 10^6 inputs per entry point.
 */
import * as fc from "fast-check";
import { codecModules } from "@actorwire/protocol/internal";
import { arbitraryFactories } from "@actorwire/protocol/arbitraries";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { apiRequest, clientFrame, gatewayRequest, type HttpInput } from "../src/inputs.js";
import { rawRequest, requestHead } from "../src/raw-http.js";
import { ANSWER_TIMEOUT_MS, FUZZ_RUNS, FUZZ_SEED, TEST_TIMEOUT_MS } from "../src/settings.js";
import { FuzzStack } from "../src/stack.js";

let stack: FuzzStack;
let canaryId: string;

beforeAll(async () => {
  stack = await FuzzStack.start();
  const client = stack.client();
  canaryId = await client.counter.getOrCreate(["canary"]).resolve();
  await client.dispose();
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

const params = (runs: number): fc.Parameters<unknown> => ({ numRuns: runs, ...(FUZZ_SEED !== undefined ? { seed: FUZZ_SEED } : {}), endOnFailure: true });

/** Sends one HTTP input and checks the HTTP part of the oracle. */
async function checkHttp(input: HttpInput): Promise<void> {
  const answer = await rawRequest(stack.engine.port, requestHead(input.method, input.target, input.headers, input.body.length), input.body, ANSWER_TIMEOUT_MS);
  const what = `${input.method} ${input.target.toString("latin1").slice(0, 200)}`;
  if (answer.kind === "timeout") throw new Error(`${what}: no answer within ${ANSWER_TIMEOUT_MS} ms`);
  if (answer.kind === "status" && answer.status >= 500) throw new Error(`${what}: answered ${answer.head.split("\r\n")[0]}`);
  // A connection closed without an answer is the parser refusing garbage, unless the engine died.
  if (answer.kind === "closed" && !stack.engine.running) throw new Error(`${what}: the engine exited (${answer.detail})`);
}

for (const [entry, requests, tag] of [
  ["the public REST API", apiRequest, "api"],
  ["the gateway", gatewayRequest, "gateway"],
] as const) {
  describe(`fuzz: ${entry}`, () => {
    it(`answers ${FUZZ_RUNS} hostile requests with no 5xx, no hang and no crash`, async () => {
      await fc.assert(fc.asyncProperty(requests, checkHttp), params(FUZZ_RUNS));
      await stack.assertAlive();
      await stack.assertCountersCorrect(tag);
    }, TEST_TIMEOUT_MS);
  });
}

/**
 * Opens a WebSocket, sends the frames, then a ping: the pong says the engine has read every
 * frame, and `lingerMs` more gives it time to act on them (a close with a reason, say) before
 * the socket is dropped. Waiting for the pong instead of a fixed pause is what lets the long
 * mode run 10^6 frames in minutes rather than hours.
 */
function exchange(url: string, protocols: string[], frames: readonly (Uint8Array | string)[], lingerMs = 30): Promise<{ code?: number; reason?: string; error?: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols);
    let settled = false;
    const settle = (result: { code?: number; reason?: string; error?: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      resolve(result);
    };
    const timer = setTimeout(() => settle({ error: `no pong or close within ${ANSWER_TIMEOUT_MS} ms` }), ANSWER_TIMEOUT_MS);
    ws.on("open", () => {
      for (const frame of frames) ws.send(frame);
      ws.ping();
    });
    ws.on("pong", () => setTimeout(() => settle({}), lingerMs));
    ws.on("close", (code, reason) => settle({ code, reason: reason.toString() }));
    ws.on("error", (error) => settle({ error: error.message }));
    ws.on("unexpected-response", (_req, res) => {
      settle({ error: `upgrade refused with ${res.statusCode}` });
      if ((res.statusCode ?? 0) >= 500) unexpected.push(`upgrade answered ${res.statusCode}`);
    });
  });
}

/** The part of the oracle every WebSocket exchange shares. */
function checkExchange(result: { code?: number; reason?: string; error?: string }): void {
  // A hang is a failure; a close always carries a reason the caller can read, except a plain normal close.
  if (result.error?.startsWith("no pong or close")) throw new Error(result.error);
  if (result.code !== undefined && result.code !== 1000 && result.code !== 1005) expect(result.reason, `close ${result.code}`).not.toBe("");
}

const unexpected: string[] = [];

/**
 * Connections per property run, opened at once: a few sockets in flight keep both cores busy
 * and exercise the engine's concurrent paths, where one at a time leaves it idle between inputs.
 */
const PARALLEL = 4;
/** Connections per WebSocket entry point: a third of the runs, since each carries one to six frames. */
const CONNECTIONS = Math.max(PARALLEL * 16, Math.floor(FUZZ_RUNS / 3));
const together = <T>(one: fc.Arbitrary<T>): fc.Arbitrary<T[]> => fc.array(one, { minLength: PARALLEL, maxLength: PARALLEL });

/**
 * Counts checked connections of one entry point and, in the long mode, prints a line every
 * tenth of the way, so that an hour-long run shows how far it has come.
 */
function progress(entry: string): (count: number) => void {
  let done = 0;
  let next = CONNECTIONS / 10;
  const started = Date.now();
  return (count) => {
    done += count;
    if (FUZZ_RUNS < 100_000 || done < next) return;
    next += CONNECTIONS / 10;
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write(`fuzz ${entry}: ${done}/${CONNECTIONS} connections in ${seconds.toFixed(0)} s (${(done / seconds).toFixed(0)}/s)\n`);
  };
}

describe("fuzz: the client WebSocket /connect", () => {
  it(`survives ${CONNECTIONS} connections of random and mutated frames in json, cbor and bare`, async () => {
    const connection = fc.tuple(fc.constantFrom("json", "cbor", "bare", "xml", ""), fc.array(clientFrame, { minLength: 1, maxLength: 5 }));
    const checked = progress("/connect");
    await fc.assert(
      fc.asyncProperty(together(connection), async (connections) => {
        const results = await Promise.all(
          connections.map(([encoding, frames]) => exchange(`ws://127.0.0.1:${stack.engine.port}/gateway/${canaryId}/connect`, ["rivet", `rivet_encoding.${encoding}`], frames)),
        );
        results.forEach(checkExchange);
        checked(results.length);
      }),
      params(CONNECTIONS / PARALLEL),
    );
    expect(unexpected).toEqual([]);
    await stack.assertAlive();
    await stack.assertCountersCorrect("connect");
  }, TEST_TIMEOUT_MS);
});

type RunnerModule = { encodeToServer(x: unknown): Uint8Array };

describe("fuzz: the runner WebSocket /runners/connect", () => {
  const versions = [1, 2, 3, 4, 5, 6, 7] as const;
  // Valid ToServer messages of every version, some of them mutated byte by byte. A runner the
  // fuzz announces never calls itself "default", so the canary's actors stay on the real runner.
  const frameArbitraries = new Map<number, fc.Arbitrary<Uint8Array>>();
  const frameOf = (version: (typeof versions)[number]): fc.Arbitrary<Uint8Array> => {
    const known = frameArbitraries.get(version);
    if (known !== undefined) return known;
    const arbs = (arbitraryFactories.runner[version] as () => Record<string, fc.Arbitrary<unknown>>)();
    const toServer = arbs.ToServer as fc.Arbitrary<{ tag: string; val: Record<string, unknown> }>;
    const codec = codecModules.runner[version] as unknown as RunnerModule;
    const valid = toServer.map((m) => codec.encodeToServer(m.tag === "ToServerInit" ? { ...m, val: { ...m.val, name: `fuzz-${String(m.val.name)}` } } : m));
    const frame = fc.oneof(
      valid,
      fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })).map(([bytes, flips]) => {
        const copy = new Uint8Array(bytes);
        for (const [at, value] of flips) if (copy.length > 0) copy[at % copy.length] = value;
        return copy;
      }),
      fc.uint8Array({ maxLength: 256 }),
    );
    frameArbitraries.set(version, frame);
    return frame;
  };
  it(`survives ${CONNECTIONS} runner connections of every version sending random, valid and mutated frames`, async () => {
    const connection = fc.tuple(fc.oneof(fc.constantFrom(...versions), fc.constantFrom(0, 8, 99)), fc.nat(), fc.array(fc.nat(), { minLength: 1, maxLength: 6 }));
    const checked = progress("/runners/connect");
    await fc.assert(
      fc.asyncProperty(together(connection), async (connections) => {
        const results = await Promise.all(
          connections.map(([version, key, seeds]) => {
            const frameVersion = versions.includes(version as (typeof versions)[number]) ? (version as (typeof versions)[number]) : 7;
            const frames = seeds.map((seed) => fc.sample(frameOf(frameVersion), { numRuns: 1, seed })[0] as Uint8Array);
            const url = `ws://127.0.0.1:${stack.engine.port}/runners/connect?protocol_version=${version}&namespace=default&runner_key=fuzz-${key}`;
            return exchange(url, ["rivet"], frames);
          }),
        );
        results.forEach(checkExchange);
        checked(results.length);
      }),
      params(CONNECTIONS / PARALLEL),
    );
    expect(unexpected).toEqual([]);
    await stack.assertAlive();
    await stack.assertCountersCorrect("runner");
  }, TEST_TIMEOUT_MS);
});
