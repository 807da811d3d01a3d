import { describe, expect, it } from "vitest";
import { CborError, assertWellFormedCbor } from "./cbor.js";

const hex = (h: string) => Uint8Array.from(Buffer.from(h.replace(/ /g, ""), "hex"));

describe("CBOR well-formedness", () => {
  // Examples from RFC 8949 Appendix A.
  const wellFormed = [
    "00",
    "17",
    "1818",
    "1b000000e8d4a51000",
    "3903e7",
    "c249010000000000000000",
    "f90000",
    "fb3ff199999999999a",
    "f4",
    "f6",
    "f7",
    "f820",
    "40",
    "4401020304",
    "60",
    "6449455446",
    "80",
    "83010203",
    "8301820203820405",
    "a0",
    "a201020304",
    "a26161016162820203",
    "5f42010243030405ff",
    "7f657374726561646d696e67ff",
    "9fff",
    "9f018202039f0405ffff",
    "bf61610161629f0203ffff",
    "d74401020304",
  ];
  for (const item of wellFormed) it(`accepts ${item}`, () => expect(() => assertWellFormedCbor(hex(item))).not.toThrow());

  // Examples from RFC 8949 Appendix F (not well-formed).
  const malformed = [
    "",
    "18",
    "19 01",
    "1a 01 02 03",
    "41",
    "61",
    "5affffffff00",
    "81",
    "a1 01",
    "a2 01 02 03",
    "1c",
    "3e",
    "5f 00 ff",
    "5f 5f 41 00 ff ff",
    "7f 41 00 ff",
    "9f 01",
    "bf 01 ff",
    "ff",
    "81 ff",
    "f8 18",
    "1f",
    "00 00",
  ];
  for (const item of malformed) {
    it(`refuses ${item === "" ? "empty input" : item}`, () => expect(() => assertWellFormedCbor(hex(item))).toThrow(CborError));
  }

  it("refuses nesting deeper than 256", () => {
    expect(() => assertWellFormedCbor(new Uint8Array(300).fill(0x81))).toThrow(/too deep/);
    const ok = new Uint8Array(101).fill(0x81);
    ok[100] = 0x00;
    expect(() => assertWellFormedCbor(ok)).not.toThrow();
  });
});
