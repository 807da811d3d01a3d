import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VersionError } from "../errors.js";
import { arbitraryFactories } from "../gen/arbitraries.js";
import * as c3 from "../gen/client/v3.js";
import type * as ev2 from "../gen/envoy/v2.js";
import type * as ev3 from "../gen/envoy/v3.js";
import type * as ev4 from "../gen/envoy/v4.js";
import type * as ev5 from "../gen/envoy/v5.js";
import type * as ev6 from "../gen/envoy/v6.js";
import * as ev8 from "../gen/envoy/v8.js";
import * as r7 from "../gen/runner/v7.js";
import * as client from "./client.js";
import * as envoy from "./envoy.js";
import type { VersionedCodec } from "./chain.js";
import { CONVERSION_LOSSES, type ConversionLoss, conversionLossesMarkdown } from "./conversion-losses.js";
import * as mk1 from "./runner-mk1.js";
import * as mk2 from "./runner-mk2.js";

// Every versioned type of every family; the latest types differ, so they are compared as unknown.
const CODECS = [mk1.ToServer, mk1.ToClient, mk2.ToServer, mk2.ToClient, envoy.ToRivet, envoy.ToEnvoy, ...Object.values(client)].filter(
  (c) => typeof c === "object" && c !== null && "convert" in c,
) as unknown as readonly VersionedCodec<unknown>[];

const factories = arbitraryFactories as unknown as Record<string, Record<string, () => Record<string, fc.Arbitrary<unknown>>>>;
function arbitraryAt(codec: VersionedCodec<unknown>, version: number): fc.Arbitrary<unknown> {
  const arb = factories[codec.family]?.[version]?.()[codec.type];
  if (arb === undefined) throw new Error(`no arbitrary for ${codec.family} v${version} ${codec.type}`);
  return arb;
}

/**
 * The version one step from `version` towards `to`. Steps join neighbours in the codec's list
 * of versions, which may skip a number (the envoy family has no v7).
 */
function stepFrom(codec: VersionedCodec<unknown>, version: number, to: number): number {
  const i = codec.versions.indexOf(version);
  const next = codec.versions[to > version ? i + 1 : i - 1];
  if (next === undefined) throw new Error(`${codec.type}: no step from v${version} towards v${to}`);
  return next;
}

function lossesOn(codec: VersionedCodec<unknown>, from: number, to: number): ConversionLoss[] {
  return CONVERSION_LOSSES.filter((l) => l.family === codec.family && l.type === codec.type && l.from === from && l.to === to);
}

/** The losses met on the way from `from` to `to` and back again, one step at a time. */
function lossesOnRoundTrip(codec: VersionedCodec<unknown>, from: number, to: number): ConversionLoss[] {
  const out: ConversionLoss[] = [];
  for (let v = from; v !== to; v = stepFrom(codec, v, to)) {
    const w = stepFrom(codec, v, to);
    out.push(...lossesOn(codec, v, w), ...lossesOn(codec, w, v));
  }
  return out;
}

/** Converts by writing and reading the bytes of every version on the way. */
function convertThroughBytes(codec: VersionedCodec<unknown>, value: unknown, from: number, to: number): unknown {
  let x = codec.decodeAt(codec.encodeAt(value, from), from);
  for (let v = from; v !== to; v = stepFrom(codec, v, to)) {
    const w = stepFrom(codec, v, to);
    x = codec.convert(x, v, w);
    x = codec.decodeAt(codec.encodeAt(x, w), w);
  }
  return x;
}

/** Runs a conversion, returning the VersionError it raised instead of throwing it. */
function attempt(f: () => unknown): { ok: true; value: unknown } | { ok: false; error: VersionError } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    if (error instanceof VersionError) return { ok: false, error };
    throw error;
  }
}

const RUNS = { numRuns: 60 };

describe("every one-step conversion is exact unless the loss table lists it", () => {
  for (const codec of CODECS) {
    for (const from of codec.versions.slice(0, -1)) {
      const to = stepFrom(codec, from, Number.POSITIVE_INFINITY);
      const upLosses = lossesOn(codec, from, to);
      const upLossy = upLosses.some((l) => l.kind === "lossy");
      // An upgrade can be refused too, where a newer version dropped a message (envoy v2 → v3).
      const upMayFail = upLosses.some((l) => l.kind === "not_expressible");
      const downLosses = lossesOn(codec, to, from);
      const downLossy = downLosses.some((l) => l.kind === "lossy");
      const downMayFail = downLosses.some((l) => l.kind === "not_expressible");

      it(`${codec.family} ${codec.type} v${from} → v${to} → v${from}`, () => {
        fc.assert(
          fc.property(arbitraryAt(codec, from), (x) => {
            const up = attempt(() => codec.convert(x, from, to));
            if (!up.ok) {
              expect(upMayFail, `unlisted VersionError: ${up.error.message}`).toBe(true);
              expect(up.error.code).toBe("not_expressible");
              return;
            }
            const back = codec.convert(up.value, to, from);
            if (upLossy) expect(codec.convert(codec.convert(back, from, to), to, from)).toEqual(back);
            else expect(back).toEqual(x);
          }),
          RUNS,
        );
      });

      it(`${codec.family} ${codec.type} v${to} → v${from} → v${to}`, () => {
        fc.assert(
          fc.property(arbitraryAt(codec, to), (y) => {
            const down = attempt(() => codec.convert(y, to, from));
            if (!down.ok) {
              expect(downMayFail, `unlisted VersionError: ${down.error.message}`).toBe(true);
              expect(down.error.code).toBe("not_expressible");
              return;
            }
            const back = codec.convert(down.value, from, to);
            if (downLossy) expect(codec.convert(codec.convert(back, to, from), from, to)).toEqual(back);
            else expect(back).toEqual(y);
          }),
          RUNS,
        );
      });
    }
  }
});

describe("N×N: every pair of versions within a family", () => {
  for (const codec of CODECS) {
    for (const from of codec.versions) {
      for (const to of codec.versions) {
        if (from === to) continue;
        it(`${codec.family} ${codec.type} v${from} ↔ v${to}: stepwise through bytes equals direct, and back`, () => {
          const exact = lossesOnRoundTrip(codec, from, to).length === 0;
          fc.assert(
            fc.property(arbitraryAt(codec, from), (x) => {
              const direct = attempt(() => codec.convert(x, from, to));
              const stepwise = attempt(() => convertThroughBytes(codec, x, from, to));
              expect(stepwise.ok).toBe(direct.ok);
              if (!direct.ok || !stepwise.ok) return;
              expect(stepwise.value).toEqual(direct.value);
              // Reading the bytes of `from` as `to` in one call is the same conversion.
              if (to === codec.latest) expect(codec.decode(codec.encodeAt(x, from), from)).toEqual(direct.value);
              const back = attempt(() => codec.convert(direct.value, to, from));
              if (exact) {
                expect(back.ok).toBe(true);
                if (back.ok) expect(back.value).toEqual(x);
              }
            }),
            { numRuns: 30 },
          );
        });
      }
    }
  }
});

const id = (n: number) => new Uint8Array(n).fill(n + 1).buffer as ArrayBuffer;
const uuid = (seed: number) => Uint8Array.from({ length: 16 }, (_, i) => (seed * 37 + i * 11) & 0xff).buffer as ArrayBuffer;

/** A v2 SqliteMeta with no zero field, so that dropping it shows. */
const SQLITE_META: ev2.SqliteMeta = {
  generation: 1n,
  headTxid: 2n,
  materializedTxid: 2n,
  dbSizePages: 3,
  pageSize: 4096,
  creationTsMs: 5n,
  maxDeltaBytes: 6n,
};

/** A value at the step's `from` version that shows each listed loss really happens. */
const WITNESSES: Record<string, unknown> = {
  "runner-server-2-1-hibernation": {
    tag: "ToServerTunnelMessage",
    val: { requestId: uuid(1), messageId: uuid(2), messageKind: { tag: "ToServerWebSocketOpen", val: { canHibernate: true, lastMsgIndex: 5n } } },
  },
  "runner-server-2-1-message-ack": {
    tag: "ToServerTunnelMessage",
    val: { requestId: uuid(1), messageId: uuid(2), messageKind: { tag: "ToServerWebSocketMessageAck", val: { index: 3 } } },
  },
  "runner-server-2-3-uuid-ids": {
    tag: "ToServerTunnelMessage",
    val: { requestId: uuid(3), messageId: uuid(4), messageKind: { tag: "ToServerResponseAbort", val: null } },
  },
  "runner-client-2-1-ws-index": {
    tag: "ToClientTunnelMessage",
    val: {
      requestId: uuid(1),
      messageId: uuid(2),
      messageKind: { tag: "ToClientWebSocketMessage", val: { index: 9, data: id(3), binary: true } },
      gatewayReplyTo: null,
    },
  },
  "runner-client-2-3-uuid-ids": {
    tag: "ToClientTunnelMessage",
    val: { requestId: uuid(5), messageId: uuid(6), messageKind: { tag: "ToClientRequestAbort", val: null }, gatewayReplyTo: "gw.reply" },
  },
  "runner-client-3-2-hibernating-requests": {
    tag: "ToClientCommands",
    val: [
      {
        index: 0n,
        inner: {
          tag: "CommandStartActor",
          val: {
            actorId: "actor",
            generation: 1,
            config: { name: "counter", key: null, createTs: 0n, input: null },
            hibernatingRequests: [{ gatewayId: id(4), requestId: id(4) }],
          },
        },
      },
    ],
  },
  "runner-server-4-5-event-actor-id": {
    tag: "ToServerEvents",
    val: [{ checkpoint: { actorId: "a", index: 0n }, inner: { tag: "EventActorSetAlarm", val: { actorId: "b", generation: 2, alarmTs: null } } }],
  },
  "runner-server-5-4-ack-generation": {
    tag: "ToServerAckCommands",
    val: { lastCommandCheckpoints: [{ actorId: "a", generation: 3, index: 1n }] },
  },
  "runner-server-7-6-delete-range": {
    tag: "ToServerKvRequest",
    val: { actorId: "a", requestId: 1, data: { tag: "KvDeleteRangeRequest", val: { start: id(1), end: id(2) } } },
  } satisfies r7.ToServer,
  "runner-client-5-4-ack-generation": {
    tag: "ToClientAckEvents",
    val: { lastEventCheckpoints: [{ actorId: "a", generation: 3, index: 1n }] },
  },
  "runner-client-6-5-thresholds": {
    tag: "ToClientInit",
    val: { runnerId: "r", metadata: { runnerLostThreshold: 15000n, actorStopThreshold: 1800000n, serverlessDrainGracePeriod: 10000n } },
  },
  "envoy-torivet-2-1-sqlite": {
    tag: "ToRivetSqliteGetPagesRequest",
    val: { requestId: 1, data: { actorId: "a", generation: 1n, pgnos: [1] } },
  } satisfies ev2.ToRivet,
  "envoy-toenvoy-2-1-sqlite": {
    tag: "ToEnvoySqliteCommitResponse",
    val: { requestId: 1, data: { tag: "SqliteErrorResponse", val: { message: "m" } } },
  } satisfies ev2.ToEnvoy,
  "envoy-toenvoy-2-1-startup-data": {
    tag: "ToEnvoyCommands",
    val: [
      {
        checkpoint: { actorId: "a", generation: 1, index: 1n },
        inner: {
          tag: "CommandStartActor",
          val: {
            config: { name: "counter", key: null, createTs: 0n, input: null },
            hibernatingRequests: [],
            preloadedKv: null,
            sqliteStartupData: { generation: 1n, meta: SQLITE_META, preloadedPages: [{ pgno: 1, bytes: id(8) }] },
          },
        },
      },
    ],
  } satisfies ev2.ToEnvoy,
  "envoy-torivet-2-3-staged": {
    tag: "ToRivetSqliteCommitStageBeginRequest",
    val: { requestId: 1, data: { actorId: "a", generation: 1n } },
  } satisfies ev2.ToRivet,
  "envoy-torivet-3-2-fences": {
    tag: "ToRivetSqliteGetPagesRequest",
    val: { requestId: 1, data: { actorId: "a", pgnos: [1, 2], expectedGeneration: null, expectedHeadTxid: 5n } },
  } satisfies ev3.ToRivet,
  "envoy-toenvoy-2-3-meta": {
    tag: "ToEnvoySqliteGetPagesResponse",
    val: { requestId: 1, data: { tag: "SqliteGetPagesOk", val: { pages: [{ pgno: 1, bytes: null }], meta: SQLITE_META } } },
  } satisfies ev2.ToEnvoy,
  "envoy-toenvoy-2-3-staged": {
    tag: "ToEnvoySqliteCommitStageBeginResponse",
    val: { requestId: 1, data: { tag: "SqliteCommitStageBeginOk", val: { txid: 4n } } },
  } satisfies ev2.ToEnvoy,
  "envoy-torivet-4-3-exec": {
    tag: "ToRivetSqliteExecRequest",
    val: { requestId: 1, data: { namespaceId: "ns", actorId: "a", generation: 1n, sql: "select 1" } },
  } satisfies ev4.ToRivet,
  "envoy-toenvoy-4-3-exec": {
    tag: "ToEnvoySqliteExecResponse",
    val: { requestId: 1, data: { tag: "SqliteExecOk", val: { result: { columns: ["x"], rows: [] } } } },
  } satisfies ev4.ToEnvoy,
  "envoy-toenvoy-5-4-head-and-error-code": {
    tag: "ToEnvoySqliteCommitResponse",
    val: { requestId: 1, data: { tag: "SqliteErrorResponse", val: { group: "sqlite", code: "head_fence_mismatch", message: "m" } } },
  } satisfies ev5.ToEnvoy,
  "envoy-torivet-6-5-batch": {
    tag: "ToRivetSqliteExecuteBatchRequest",
    val: { requestId: 1, data: { namespaceId: "ns", actorId: "a", generation: 1n, statements: [] } },
  } satisfies ev6.ToRivet,
  "envoy-toenvoy-6-5-batch": {
    tag: "ToEnvoySqliteExecuteBatchResponse",
    val: { requestId: 1, data: { tag: "SqliteExecuteBatchOk", val: { results: [] } } },
  } satisfies ev6.ToEnvoy,
  "envoy-torivet-8-6-flow-and-staged": {
    tag: "ToRivetTunnelMessage",
    val: { messageId: { gatewayId: id(4), requestId: id(4), messageIndex: 1 }, messageKind: { tag: "ToRivetRequestBodyWindowUpdate", val: { consumedBytes: 65536n } } },
  } satisfies ev8.ToRivet,
  "envoy-torivet-8-6-abort-reason": {
    tag: "ToRivetTunnelMessage",
    val: {
      messageId: { gatewayId: id(4), requestId: id(4), messageIndex: 1 },
      messageKind: { tag: "ToRivetResponseAbort", val: { reason: { kind: ev8.HttpStreamAbortReasonKind.HandlerError, detail: "boom" } } },
    },
  } satisfies ev8.ToRivet,
  "envoy-toenvoy-8-6-flow-and-staged": {
    tag: "ToEnvoySqliteCommitStageSegmentResponse",
    val: { requestId: 1, data: { tag: "SqliteCommitStageSegmentOk", val: { stagedBytes: 4096n } } },
  } satisfies ev8.ToEnvoy,
  "envoy-toenvoy-8-6-tunnel-fields": {
    tag: "ToEnvoyTunnelMessage",
    val: {
      messageId: { gatewayId: id(4), requestId: id(4), messageIndex: 0 },
      messageKind: {
        tag: "ToEnvoyRequestStart",
        val: { actorId: "a", actorGeneration: 3, method: "GET", path: "/", headers: new Map(), body: null, stream: false, responseStream: true },
      },
    },
  } satisfies ev8.ToEnvoy,
  "client-toclient-1-2-token": { body: { tag: "Init", val: { actorId: "a", connectionId: "c", connectionToken: "secret" } } },
  "client-toclient-4-3-actor": {
    body: {
      tag: "Error",
      val: { group: "g", code: "c", message: "m", metadata: null, actionId: 1n, actor: { actorId: "a", generation: 2n, key: "k" } },
    },
  },
  "client-error-4-3-actor": {
    group: "g",
    code: "c",
    message: "m",
    metadata: null,
    actor: { actorId: "a", generation: 2n, key: null },
  },
};

describe("the conversion-loss table", () => {
  for (const loss of CONVERSION_LOSSES) {
    it(`${loss.id}: ${loss.what}`, () => {
      const codec = CODECS.find((c) => c.family === loss.family && c.type === loss.type && c.versions.includes(loss.from));
      expect(codec, "the entry names a versioned type").toBeDefined();
      if (codec === undefined) return;
      // The step joins neighbouring versions of the type.
      expect(codec.versions).toContain(loss.to);
      expect(stepFrom(codec, loss.from, loss.to)).toBe(loss.to);
      const witness = WITNESSES[loss.id];
      expect(witness, "every entry has a witness").toBeDefined();
      // The witness is a valid value of its version.
      expect(codec.decodeAt(codec.encodeAt(witness, loss.from), loss.from)).toEqual(witness);
      if (loss.kind === "not_expressible") {
        expect(() => codec.convert(witness, loss.from, loss.to)).toThrow(VersionError);
        return;
      }
      const back = codec.convert(codec.convert(witness, loss.from, loss.to), loss.to, loss.from);
      expect(back).not.toEqual(witness);
    });
  }

  it("has no witness without an entry", () => {
    expect(Object.keys(WITNESSES).sort()).toEqual(CONVERSION_LOSSES.map((l) => l.id).sort());
  });

  it("is the table printed in the protocol package README", () => {
    const readme = readFileSync(resolve(import.meta.dirname, "../../README.md"), "utf8");
    expect(readme).toContain(conversionLossesMarkdown());
  });

  it("raises VersionError with the right codes for unknown versions and missing types", () => {
    const bytes = r7.encodeToServer({ tag: "ToServerStopping", val: null });
    expect(() => mk2.ToServer.decode(bytes, 9)).toThrow(expect.objectContaining({ code: "unknown_version" }));
    expect(() => mk2.ToServer.decode(bytes, 3)).toThrow(expect.objectContaining({ code: "unknown_version" }));
    const queued = c3.encodeHttpQueueSendRequest({ body: id(1), name: "jobs", wait: true, timeout: 1000n });
    expect(() => client.HttpQueueSendRequest.decode(queued, 2)).toThrow(expect.objectContaining({ code: "type_missing" }));
    expect(client.HttpQueueSendRequest.decode(queued, 3)).toMatchObject({ name: "jobs", wait: true, timeout: 1000n });
  });

  it("has no envoy v7: asking for it is an unknown version, and v6 and v8 are one step apart", () => {
    const bytes = ev8.encodeToRivet({ tag: "ToRivetStopping", val: null });
    expect(() => envoy.ToRivet.decode(bytes, 7)).toThrow(expect.objectContaining({ code: "unknown_version" }));
    expect(() => envoy.ToEnvoy.encode({ tag: "ToEnvoyPing", val: { ts: 1n } }, 7)).toThrow(expect.objectContaining({ code: "unknown_version" }));
    expect(envoy.ToRivet.versions).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect(envoy.ToRivet.decode(envoy.ToRivet.encode({ tag: "ToRivetStopping", val: null }, 6), 6)).toEqual({ tag: "ToRivetStopping", val: null });
  });

  it("reads and writes client messages with their embedded version", () => {
    const v4 = { body: { tag: "Init" as const, val: { actorId: "a", connectionId: "c" } } };
    const asV1 = client.ToClient.encodeWithEmbeddedVersion(v4, 1);
    expect([asV1[0], asV1[1]]).toEqual([1, 0]);
    expect(client.ToClient.decodeWithEmbeddedVersion(asV1)).toEqual({ version: 1, value: v4 });
  });
});
