import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { VersionError } from "../errors.js";
import { arbitraryFactories } from "../gen/arbitraries.js";
import * as c3 from "../gen/client/v3.js";
import * as r7 from "../gen/runner/v7.js";
import * as client from "./client.js";
import type { VersionedCodec } from "./chain.js";
import { CONVERSION_LOSSES, type ConversionLoss, conversionLossesMarkdown } from "./conversion-losses.js";
import * as mk1 from "./runner-mk1.js";
import * as mk2 from "./runner-mk2.js";

// Every versioned type of both families; the latest types differ, so they are compared as unknown.
const CODECS = [mk1.ToServer, mk1.ToClient, mk2.ToServer, mk2.ToClient, ...Object.values(client)].filter(
  (c) => typeof c === "object" && c !== null && "convert" in c,
) as unknown as readonly VersionedCodec<unknown>[];

const factories = arbitraryFactories as unknown as Record<string, Record<string, () => Record<string, fc.Arbitrary<unknown>>>>;
function arbitraryAt(codec: VersionedCodec<unknown>, version: number): fc.Arbitrary<unknown> {
  const arb = factories[codec.family]?.[version]?.()[codec.type];
  if (arb === undefined) throw new Error(`no arbitrary for ${codec.family} v${version} ${codec.type}`);
  return arb;
}

function lossesOn(codec: VersionedCodec<unknown>, from: number, to: number): ConversionLoss[] {
  return CONVERSION_LOSSES.filter((l) => l.family === codec.family && l.type === codec.type && l.from === from && l.to === to);
}

/** The losses met on the way from `from` to `to` and back again, one step at a time. */
function lossesOnRoundTrip(codec: VersionedCodec<unknown>, from: number, to: number): ConversionLoss[] {
  const out: ConversionLoss[] = [];
  const dir = Math.sign(to - from);
  for (let v = from; v !== to; v += dir) out.push(...lossesOn(codec, v, v + dir), ...lossesOn(codec, v + dir, v));
  return out;
}

/** Converts by writing and reading the bytes of every version on the way. */
function convertThroughBytes(codec: VersionedCodec<unknown>, value: unknown, from: number, to: number): unknown {
  const dir = Math.sign(to - from);
  let x = codec.decodeAt(codec.encodeAt(value, from), from);
  for (let v = from; v !== to; v += dir) {
    x = codec.convert(x, v, v + dir);
    x = codec.decodeAt(codec.encodeAt(x, v + dir), v + dir);
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
      const to = from + 1;
      const upLossy = lossesOn(codec, from, to).some((l) => l.kind === "lossy");
      const downLosses = lossesOn(codec, to, from);
      const downLossy = downLosses.some((l) => l.kind === "lossy");
      const downMayFail = downLosses.some((l) => l.kind === "not_expressible");

      it(`${codec.family} ${codec.type} v${from} → v${to} → v${from}`, () => {
        fc.assert(
          fc.property(arbitraryAt(codec, from), (x) => {
            const back = codec.convert(codec.convert(x, from, to), to, from);
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
      expect(Math.abs(loss.from - loss.to)).toBe(1);
      expect(codec.versions).toContain(loss.to);
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

  it("reads and writes client messages with their embedded version", () => {
    const v4 = { body: { tag: "Init" as const, val: { actorId: "a", connectionId: "c" } } };
    const asV1 = client.ToClient.encodeWithEmbeddedVersion(v4, 1);
    expect([asV1[0], asV1[1]]).toEqual([1, 0]);
    expect(client.ToClient.decodeWithEmbeddedVersion(asV1)).toEqual({ version: 1, value: v4 });
  });
});
