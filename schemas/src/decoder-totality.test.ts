import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ProtocolError, VersionError } from "./errors.js";
import { decodeRecord, encodeRecord } from "./persist.js";
import { arbitraryFactories } from "./gen/arbitraries.js";
import { codecModules } from "./gen/codecs.js";

type Mod = Record<string, unknown> & { ROOT_TYPES: readonly string[] };

// `npm run fuzz` raises these to 10^6 per decoder (ACTORWIRE_FUZZ_RUNS); npm test keeps them small.
const RANDOM_RUNS = Number(process.env.ACTORWIRE_FUZZ_RUNS ?? "300");
const MUTATED_RUNS = Math.max(200, Math.floor(RANDOM_RUNS * 2 / 3));

/** Decodes and classifies: a value, or our ProtocolError with a sane offset; anything else fails the test. */
function decodeTotally(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): "ok" | "error" {
  try {
    decode(bytes);
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    const e = error as ProtocolError;
    expect(e.group).toBe("protocol");
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.byteLength);
    return "error";
  }
}

/** A byte-level mutation of a valid message: flip, overwrite, insert, delete or truncate. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Uint8Array, ms: readonly Mutation[]): Uint8Array {
  let b = Array.from(bytes);
  for (const m of ms) {
    const at = b.length === 0 ? 0 : m.at % (b.length + (m.kind === "insert" ? 1 : 0));
    if (m.kind === "set" && b.length > 0) b[at % b.length] = m.byte;
    else if (m.kind === "insert") b.splice(at, 0, m.byte);
    else if (m.kind === "delete") b.splice(at, 1);
    else if (m.kind === "truncate") b = b.slice(0, at);
  }
  return Uint8Array.from(b);
}

describe("every decoder is total: a value or a ProtocolError with an offset", () => {
  for (const family of ["runner", "client", "persist", "envoy"] as const) {
    for (const [version, mod] of Object.entries(codecModules[family]) as unknown as [string, Mod][]) {
      const arbs = (arbitraryFactories[family] as Record<string, () => Record<string, fc.Arbitrary<unknown>>>)[version]?.() ?? {};
      for (const root of mod.ROOT_TYPES) {
        const decode = mod[`decode${root}`] as (b: Uint8Array) => unknown;
        const encode = mod[`encode${root}`] as (x: unknown) => Uint8Array;
        it(`${family} v${version} ${root}: random bytes`, () => {
          fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void decodeTotally(decode, bytes)), {
            numRuns: RANDOM_RUNS,
          });
        });
        it(`${family} v${version} ${root}: mutated valid messages`, () => {
          fc.assert(
            fc.property(arbs[root] as fc.Arbitrary<unknown>, fc.array(mutation, { minLength: 1, maxLength: 4 }), (x, ms) => {
              const bytes = mutate(encode(x), ms);
              if (decodeTotally(decode, bytes) === "ok") {
                // Whatever decoded must be a value the encoder accepts again.
                expect(() => encode(decode(bytes))).not.toThrow();
              }
            }),
            { numRuns: MUTATED_RUNS },
          );
        });
      }
    }
  }
});

describe("stored records are read totally: a record, or a typed error", () => {
  const arbs = arbitraryFactories.persist[1]() as Record<string, fc.Arbitrary<unknown>>;
  for (const type of ["PersistedActor", "PersistedConn", "QueueMetadata", "QueueMessage", "ScheduledEvent"] as const) {
    it(`${type}: mutated records with their version prefix`, () => {
      fc.assert(
        fc.property(arbs[type] as fc.Arbitrary<never>, fc.array(mutation, { minLength: 1, maxLength: 4 }), (x, ms) => {
          const bytes = mutate(encodeRecord(type, x), ms);
          try {
            decodeRecord(type, bytes);
          } catch (error) {
            // A damaged record is a ProtocolError with an offset; a wrong prefix is a VersionError.
            expect(error instanceof ProtocolError || error instanceof VersionError, String(error)).toBe(true);
          }
        }),
        { numRuns: MUTATED_RUNS },
      );
    });
  }
});

describe("hostile lengths are refused without being allocated", () => {
  const r7 = codecModules.runner[7];
  // ToServerKvRequest { actorId: "a", requestId: 0, data: KvPutRequest { keys: [<len>] } }
  const putWithKeyLength = (uleb: number[]) => Uint8Array.from([5, 1, 0x61, 0, 0, 0, 0, 2, 1, ...uleb, 0x41]);

  it("a 4 GiB blob length in a 14-byte frame", () => {
    const before = process.memoryUsage().arrayBuffers;
    const bytes = putWithKeyLength([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => r7.decodeToServer(bytes)).toThrow(ProtocolError);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it("a length past 2^53 and a non-canonical length", () => {
    expect(() => r7.decodeToServer(putWithKeyLength([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow(ProtocolError);
    // 1 written in two bytes (0x81 0x00) is not canonical ULEB128.
    expect(() => r7.decodeToServer(putWithKeyLength([0x81, 0x00]))).toThrow(ProtocolError);
  });

  it("a list that announces 2^40 events but holds none fails at once", () => {
    const bytes = Uint8Array.from([1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
    const started = performance.now();
    expect(() => r7.decodeToServer(bytes)).toThrow(ProtocolError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("refuses a message over the size limit before reading it", () => {
    const error = (() => {
      try {
        r7.decodeToServer(new Uint8Array(33 * 1024 * 1024));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ group: "protocol", code: "too_large", offset: 0 });
    expect(() => r7.decodeToServer(Uint8Array.from([3]), { maxBytes: 0 })).toThrow(/exceeds the 0-byte limit/);
    expect(r7.decodeToServer(Uint8Array.from([3]), { maxBytes: 1 })).toEqual({ tag: "ToServerStopping", val: null });
  });

  it("reports trailing bytes and unknown union tags with their offset", () => {
    expect(() => r7.decodeToServer(Uint8Array.from([3, 0]))).toThrow(expect.objectContaining({ code: "malformed", offset: 1 }));
    expect(() => r7.decodeToServer(Uint8Array.from([7]))).toThrow(expect.objectContaining({ code: "malformed", offset: 0 }));
  });

  it("refuses to encode a value that does not fit its type, with a typed error", () => {
    const bad = {
      tag: "ToServerTunnelMessage",
      val: {
        messageId: { gatewayId: new ArrayBuffer(3), requestId: new ArrayBuffer(4), messageIndex: 0 },
        messageKind: { tag: "ToServerResponseAbort", val: null },
      },
    } as const;
    expect(() => r7.encodeToServer(bad)).toThrow(expect.objectContaining({ group: "protocol", code: "invalid_value" }));
  });
});

describe("decoded values never alias memory outside the message", () => {
  it("copies blobs exactly when the input is a pooled Node Buffer", () => {
    const r7 = codecModules.runner[7];
    const frame = r7.encodeToServer({
      tag: "ToServerKvRequest",
      val: { actorId: "a", requestId: 1, data: { tag: "KvGetRequest", val: { keys: [Uint8Array.from([1, 2, 3]).buffer] } } },
    });
    // Buffer.from(array) of a small size is carved out of Node's shared 8 KiB pool.
    const pooled = Buffer.from(Array.from(frame));
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const value = r7.decodeToServer(pooled) as unknown as { val: { data: { val: { keys: ArrayBuffer[] } } } };
    const key = value.val.data.val.keys[0] as ArrayBuffer;
    expect(key.byteLength).toBe(3);
    expect(Array.from(new Uint8Array(key))).toEqual([1, 2, 3]);
  });
});

describe("encoders refuse values outside their types", () => {
  const r7 = codecModules.runner[7];
  it("an unknown union tag", () => {
    const bad = { tag: "ToServerNonsense", val: null } as unknown as Parameters<typeof r7.encodeToServer>[0];
    expect(() => r7.encodeToServer(bad)).toThrow(expect.objectContaining({ group: "protocol", code: "invalid_value" }));
  });
  it("an enum value that is not one of its members", () => {
    const stopped = {
      tag: "ToServerEvents",
      val: [
        {
          checkpoint: { actorId: "a", generation: 0, index: 0n },
          // The runner's StopCode is a string enum; a number such as 1 must not slip through.
          inner: { tag: "EventActorStateUpdate", val: { state: { tag: "ActorStateStopped", val: { code: 1, message: null } } } },
        },
      ],
    } as unknown as Parameters<typeof r7.encodeToServer>[0];
    expect(() => r7.encodeToServer(stopped)).toThrow(/StopCode: unknown value/);
  });
  it("an unknown tag in a client message", () => {
    const c4 = codecModules.client[4];
    const bad = { body: { tag: "Nope", val: null } } as unknown as Parameters<typeof c4.encodeToClient>[0];
    expect(() => c4.encodeToClient(bad)).toThrow(expect.objectContaining({ code: "invalid_value" }));
  });
});
