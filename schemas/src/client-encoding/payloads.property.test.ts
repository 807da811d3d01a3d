import { fileURLToPath, pathToFileURL } from "node:url";
import * as fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeCbor, encodeCbor } from "./cbor.js";
import { jsonParseCompat, jsonStringifyCompat } from "./compat.js";
import { clientMessages } from "./messages.js";
import type { ActorSpecifier, ClientEncoding, ToClientMessage, ToServerMessage } from "./types.js";

/**
 * Property tests over arbitrary user payloads: every encoding carries them through every
 * message type unchanged, and rivetkit 2.3.19's own compat functions (the oracle) write the
 * same CBOR bytes and JSON text as ours and read ours back to the same values.
 */

// rivetkit's encoding helpers live in a chunk of its build that no public entry re-exports
// in full. The chunk name is fixed for the pinned 2.3.19; after an upgrade this import fails
// loudly and the name must be looked up again in node_modules/rivetkit/dist/tsup.
const RIVETKIT_CHUNK = fileURLToPath(new URL("../../../node_modules/rivetkit/dist/tsup/chunk-DN6MD3KK.js", import.meta.url));

interface RivetkitCompat {
  encodeCborCompat(value: unknown): Uint8Array;
  decodeCborCompat(bytes: Uint8Array): unknown;
  jsonStringifyCompat(value: unknown): string;
  jsonParseCompat(text: string): unknown;
}

let rivetkit: RivetkitCompat;
beforeAll(async () => {
  rivetkit = (await import(pathToFileURL(RIVETKIT_CHUNK).href)) as RivetkitCompat;
});

const RUNS = Number(process.env.ACTORWIRE_PROPERTY_RUNS ?? 150);

/** What a user value may hold in each encoding. */
interface PayloadKinds {
  /** Maps: cbor and bare carry them, json has no form for them. */
  readonly maps: boolean;
  /** ArrayBuffers: json and bare keep the type, cbor reads raw byte strings as Uint8Array. */
  readonly arrayBuffers: boolean;
  /** `undefined` and Sets: every encoding of ours carries them; rivetkit's JSON writer does not. */
  readonly undefinedAndSets: boolean;
}

// -0 is written as 0 by JSON and by cbor-x, and NaN never equals itself in the oracle
// comparisons, so numbers leave both out.
const number = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
);
// Code points without lone surrogates, which UTF-8 (cbor) cannot carry.
const text = fc.string({ unit: "binary", maxLength: 12 });
// `__proto__` is renamed by cbor-x on decode, so keys leave it out.
const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("$", "$BigInt", "a", "b")).filter((k) => k !== "__proto__");
const dollarHead = fc.constantFrom("$", "$x", "$$x", "$BigInt", "$Set", "$Undefined", "$Uint8Array", "$ArrayBuffer");

function payload(kinds: PayloadKinds): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown; leaf: unknown }>((tie) => {
    const leaves: fc.Arbitrary<unknown>[] = [
      fc.constant(null),
      fc.boolean(),
      number,
      text,
      fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }),
      fc.uint8Array({ maxLength: 12 }),
    ];
    if (kinds.undefinedAndSets) leaves.push(fc.constant(undefined));
    if (kinds.arrayBuffers) leaves.push(fc.uint8Array({ maxLength: 8 }).map((b) => b.slice().buffer));
    const branches: fc.Arbitrary<unknown>[] = [
      tie("leaf"),
      fc.array(tie("value"), { maxLength: 4 }),
      // Two-element arrays whose head looks like a compat tag must survive the escape.
      fc.tuple(dollarHead, tie("value")),
      fc.dictionary(key, tie("value"), { maxKeys: 4, noNullPrototype: true }),
    ];
    if (kinds.undefinedAndSets) branches.push(fc.array(tie("leaf"), { maxLength: 4 }).map((items) => new Set(items)));
    if (kinds.maps) {
      branches.push(
        fc.array(fc.tuple(fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), tie("value")), { maxLength: 3 }).map((e) => new Map(e)),
      );
    }
    return {
      value: fc.oneof({ maxDepth: 4, depthIdentifier: "payload" }, ...branches),
      leaf: fc.oneof(...leaves),
    };
  });
  return value;
}

const KINDS: Record<ClientEncoding, PayloadKinds> = {
  json: { maps: false, arrayBuffers: true, undefinedAndSets: true },
  cbor: { maps: true, arrayBuffers: false, undefinedAndSets: true },
  bare: { maps: true, arrayBuffers: true, undefinedAndSets: true },
};

const actor: fc.Arbitrary<ActorSpecifier> = fc.record(
  {
    actorId: fc.string({ maxLength: 8 }),
    generation: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    key: fc.option(fc.string({ maxLength: 8 }), { nil: null }),
  },
  { noNullPrototype: true },
);

/**
 * Optional fields that hold `undefined` are absent as far as every encoding is concerned
 * (the codecs leave them out), so generated values leave them out too.
 */
function withoutUndefined<T extends object>(value: T, ...keys: (keyof T)[]): T {
  const out = { ...value };
  for (const k of keys) if (out[k] === undefined) delete out[k];
  return out;
}
const id = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

function toClient(p: fc.Arbitrary<unknown>): fc.Arbitrary<ToClientMessage> {
  return fc.oneof(
    fc.record({ actorId: text, connectionId: text }, { noNullPrototype: true }).map((val) => ({ tag: "Init" as const, val })),
    fc
      .record(
        { group: text, code: text, message: text, metadata: p, actionId: fc.option(id, { nil: null }), actor },
        { requiredKeys: ["group", "code", "message", "actionId"], noNullPrototype: true },
      )
      .map((val) => ({ tag: "Error" as const, val: withoutUndefined(val, "metadata") })),
    fc.record({ id, output: p }, { noNullPrototype: true }).map((val) => ({ tag: "ActionResponse" as const, val })),
    fc.record({ name: text, args: fc.array(p, { maxLength: 3 }) }, { noNullPrototype: true }).map((val) => ({ tag: "Event" as const, val })),
  );
}

function toServer(p: fc.Arbitrary<unknown>): fc.Arbitrary<ToServerMessage> {
  return fc.oneof(
    fc.record({ id, name: text, args: fc.array(p, { maxLength: 3 }) }, { noNullPrototype: true }).map((val) => ({ tag: "ActionRequest" as const, val })),
    fc.record({ eventName: text, subscribe: fc.boolean() }, { noNullPrototype: true }).map((val) => ({ tag: "SubscriptionRequest" as const, val })),
  );
}

/** Encodes and decodes with one codec; the value must come back exactly. */
function roundTrips<T>(codec: { encode(v: T, e: ClientEncoding): Uint8Array | string; decode(d: Uint8Array | string, e: ClientEncoding): { value: T } }, value: T, encoding: ClientEncoding): void {
  const wire = codec.encode(value, encoding);
  expect(typeof wire === "string").toBe(encoding === "json");
  expect(codec.decode(wire, encoding).value).toStrictEqual(value);
}

describe.each(["json", "cbor", "bare"] as const)("%s carries arbitrary payloads through every message type", (encoding) => {
  const p = payload(KINDS[encoding]);
  it("ToClient and ToServer", () => {
    fc.assert(fc.property(toClient(p), (m) => roundTrips(clientMessages.ToClient, m, encoding)), { numRuns: RUNS });
    fc.assert(fc.property(toServer(p), (m) => roundTrips(clientMessages.ToServer, m, encoding)), { numRuns: RUNS });
  });

  it("HTTP bodies", () => {
    fc.assert(
      fc.property(fc.array(p, { maxLength: 3 }), p, (args, output) => {
        roundTrips(clientMessages.HttpActionRequest, { args }, encoding);
        roundTrips(clientMessages.HttpActionResponse, { output }, encoding);
        roundTrips(clientMessages.HttpQueueSendResponse, withoutUndefined({ status: "timedOut" as const, response: output }, "response"), encoding);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.record(
          { body: p, name: text, wait: fc.boolean(), timeout: fc.integer({ min: 0, max: 2 ** 40 }) },
          { requiredKeys: ["body"], noNullPrototype: true },
        ),
        (body) => roundTrips(clientMessages.HttpQueueSendRequest, body, encoding),
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(
        fc.record({ group: text, code: text, message: text, metadata: p, actor }, { requiredKeys: ["group", "code", "message"], noNullPrototype: true }),
        (body) => roundTrips(clientMessages.HttpResponseError, withoutUndefined(body, "metadata"), encoding),
      ),
      { numRuns: RUNS },
    );
  });

  it("strings past 16 KiB", () => {
    const large = fc.string({ unit: "binary", minLength: 16_400, maxLength: 17_000 });
    fc.assert(
      fc.property(large, id, (s, n) => {
        roundTrips(clientMessages.ToServer, { tag: "ActionRequest", val: { id: n, name: s, args: [s, { s }] } }, encoding);
        roundTrips(clientMessages.HttpActionResponse, { output: [s] }, encoding);
      }),
      { numRuns: 5 },
    );
  });
});

describe("agreement with rivetkit's own compat functions", () => {
  const full = payload(KINDS.bare);
  it("encodeCbor writes the same bytes as rivetkit's encodeCborCompat, and each reads the other's", () => {
    fc.assert(
      fc.property(full, (value) => {
        const ours = encodeCbor(value);
        const theirs = rivetkit.encodeCborCompat(value);
        expect(Buffer.from(ours).toString("hex")).toBe(Buffer.from(theirs).toString("hex"));
        expect(rivetkit.decodeCborCompat(ours)).toStrictEqual(value);
        expect(decodeCbor(new Uint8Array(theirs))).toStrictEqual(value);
      }),
      { numRuns: RUNS },
    );
  });

  it("jsonStringifyCompat writes rivetkit's text wherever rivetkit's JSON is lossless", () => {
    const lossless = payload({ maps: false, arrayBuffers: true, undefinedAndSets: false });
    fc.assert(
      fc.property(lossless, (value) => {
        const ours = jsonStringifyCompat(value);
        expect(ours).toBe(rivetkit.jsonStringifyCompat(value));
        expect(jsonParseCompat(ours)).toStrictEqual(value);
      }),
      { numRuns: RUNS },
    );
  });

  it("rivetkit's jsonParseCompat reads our text, undefined and Sets included", () => {
    fc.assert(
      fc.property(payload(KINDS.json), (value) => {
        expect(rivetkit.jsonParseCompat(jsonStringifyCompat(value))).toStrictEqual(value);
      }),
      { numRuns: RUNS },
    );
  });
});

