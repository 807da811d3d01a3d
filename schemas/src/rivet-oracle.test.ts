import * as rivet from "@rivetkit/engine-runner-protocol";
import { describe, expect, it } from "vitest";
import { arbitraries } from "./gen/runner/v7.arbitraries.js";
import * as ours from "./gen/runner/v7.js";
import { oracleAgreementSuite } from "./oracle.suite.js";

/**
 * Rivet's own generated runner v7 codec (the copy @rivetkit/engine-runner@2.2.1 uses) is the
 * oracle: for generated values, both encoders must write the same bytes and each decoder
 * must read the other's bytes back to the same value.
 */
describe("runner v7: byte-for-byte agreement with Rivet's codec", () => {
  oracleAgreementSuite({ ours, theirs: rivet, arbitraries });

  it("matches the init frame Rivet's engine was seen to accept", () => {
    // From the live capture in the protocol reference (§1.2): a ToServerInit with one actor name.
    const init = ours.encodeToServer({
      tag: "ToServerInit",
      val: {
        name: "raw-runner",
        version: 1,
        totalSlots: 10,
        prepopulateActorNames: new Map([["counter", { metadata: "{}" }]]),
        metadata: "{}",
      },
    });
    const hex = Buffer.from(init).toString("hex");
    const expected =
      `00 0a ${Buffer.from("raw-runner").toString("hex")} 01000000 0a000000 01 01 07 ${Buffer.from("counter").toString("hex")} 02 7b7d 01 02 7b7d`;
    expect(hex).toBe(expected.replaceAll(" ", ""));
  });
});
