import * as rivet from "@rivetkit/engine-envoy-protocol";
import { describe, expect, it } from "vitest";
import { arbitraries } from "./gen/envoy/v8.arbitraries.js";
import * as ours from "./gen/envoy/v8.js";
import { oracleAgreementSuite } from "./oracle.suite.js";

/**
 * Rivet's codec reads `SqliteCommitFinalizeRequest.segmentFirstPgnos` into a Uint32Array where
 * ours reads a number array (same bytes). Values are compared with every typed array of u32
 * turned into a plain array, and handed to Rivet's encoder with that list as a Uint32Array.
 */
function plain(x: unknown): unknown {
  if (x instanceof Uint32Array) return [...x];
  if (x instanceof ArrayBuffer || x === null || typeof x !== "object") return x;
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(x)) return x.map(plain);
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, plain(v)]));
}

function forRivet(x: unknown): unknown {
  if (x instanceof ArrayBuffer || x === null || typeof x !== "object") return x;
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [k, forRivet(v)]));
  if (Array.isArray(x)) return x.map(forRivet);
  return Object.fromEntries(
    Object.entries(x).map(([k, v]) => [k, k === "segmentFirstPgnos" ? Uint32Array.from(v as number[]) : forRivet(v)]),
  );
}

/**
 * Rivet's own generated envoy v8 codec (@rivetkit/engine-envoy-protocol@2.3.19, the one
 * rivetkit 2.3.19 speaks) is the oracle: for generated values, both encoders must write the
 * same bytes and each decoder must read the other's bytes back to the same value.
 */
describe("envoy v8: byte-for-byte agreement with Rivet's codec", () => {
  it("is the version Rivet's codec speaks", () => {
    expect(rivet.VERSION).toBe(8);
  });

  oracleAgreementSuite({ ours, theirs: rivet, arbitraries, toTheirs: forRivet, fromTheirs: plain });

  it("reads the metadata and init frames seen between rivetkit 2.3.19 and Rivet's engine", () => {
    // Values from the live capture described in the protocol notes: the envoy's first message
    // registers its actor names, and the engine's init carries its thresholds.
    const metadata: ours.ToRivet = {
      tag: "ToRivetMetadata",
      val: {
        prepopulateActorNames: new Map([["counter", { metadata: "{}" }]]),
        metadata: '{"rivetkit":{"version":"2.3.19"}}',
      },
    };
    const bytes = ours.encodeToRivet(metadata);
    const json = Buffer.from('{"rivetkit":{"version":"2.3.19"}}');
    // Tag 0, a present map of one name (7 bytes) whose metadata is "{}", then the present JSON.
    const expected = `00 01 01 07 ${Buffer.from("counter").toString("hex")} 02 7b7d 01 ${json.length.toString(16)} ${json.toString("hex")}`;
    expect(Buffer.from(bytes).toString("hex")).toBe(expected.replaceAll(" ", ""));
    expect(plain(rivet.decodeToRivet(bytes))).toEqual(metadata);
    const init: ours.ToEnvoy = {
      tag: "ToEnvoyInit",
      val: { metadata: { envoyLostThreshold: 15000n, actorStopThreshold: 1800000n, maxResponsePayloadSize: 20971520n } },
    };
    expect(Buffer.from(ours.encodeToEnvoy(init)).equals(Buffer.from(rivet.encodeToEnvoy(init as never)))).toBe(true);
  });
});
