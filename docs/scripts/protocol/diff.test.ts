import { typeDescriptions } from "@actorwire/protocol/descriptions";
import { describe, expect, it } from "vitest";
import { diffSchemas } from "./diff.js";
import { discoverFamilies, schemaOf, type NamedType, type SchemaDescription } from "./model.js";

function schema(version: number, types: NamedType[]): SchemaDescription {
  return { family: "test", version, schema: "", sha256: "", roots: [], types };
}

const families = discoverFamilies(typeDescriptions);
const str = { kind: "primitive", name: "str" } as const;
const u32 = { kind: "primitive", name: "u32" } as const;

describe("the diff classifier", () => {
  it("calls a new type, a new variant and a renamed field wire-compatible", () => {
    const v1 = schema(1, [
      { name: "A", comment: "", type: { kind: "struct", fields: [{ name: "x", type: str, comment: "" }] } },
      { name: "M", comment: "", type: { kind: "union", variants: [{ tag: 0, type: { kind: "ref", name: "A" }, comment: "" }] } },
    ]);
    const v2 = schema(2, [
      { name: "A", comment: "", type: { kind: "struct", fields: [{ name: "y", type: str, comment: "" }] } },
      { name: "B", comment: "", type: { kind: "void" } },
      {
        name: "M",
        comment: "",
        type: {
          kind: "union",
          variants: [
            { tag: 0, type: { kind: "ref", name: "A" }, comment: "" },
            { tag: 1, type: { kind: "ref", name: "B" }, comment: "" },
          ],
        },
      },
    ]);
    const diff = diffSchemas(v1, v2);
    expect(diff.map((d) => [d.name, d.status, d.compatibility])).toEqual([
      ["A", "changed", "wire-compatible"],
      ["B", "added", "wire-compatible"],
      ["M", "changed", "wire-compatible"],
    ]);
    expect(diff[2]?.changes[0]?.what).toBe("variant 1 `B` added");
  });

  it("calls an added field, a retyped field, a removed variant and a removed type breaking", () => {
    const v1 = schema(1, [
      { name: "A", comment: "", type: { kind: "struct", fields: [{ name: "x", type: str, comment: "" }] } },
      { name: "E", comment: "", type: { kind: "enum", values: [{ name: "One", value: 0, comment: "" }, { name: "Two", value: 1, comment: "" }] } },
      { name: "Gone", comment: "", type: str },
    ]);
    const v2 = schema(2, [
      {
        name: "A",
        comment: "",
        type: {
          kind: "struct",
          fields: [
            { name: "x", type: u32, comment: "" },
            { name: "z", type: str, comment: "" },
          ],
        },
      },
      { name: "E", comment: "", type: { kind: "enum", values: [{ name: "Uno", value: 0, comment: "" }] } },
    ]);
    const diff = diffSchemas(v1, v2);
    expect(diff.map((d) => [d.name, d.status, d.compatibility])).toEqual([
      ["A", "changed", "breaking"],
      ["E", "changed", "breaking"],
      ["Gone", "removed", "breaking"],
    ]);
    expect(diff[1]?.changes.map((c) => c.compatibility)).toEqual(["wire-compatible", "breaking"]);
  });

  it("sees a reference renamed to a type of the same encoding as wire-compatible", () => {
    const v1 = schema(1, [
      { name: "Old", comment: "", type: { kind: "void" } },
      { name: "U", comment: "", type: { kind: "union", variants: [{ tag: 0, type: { kind: "ref", name: "Old" }, comment: "" }] } },
    ]);
    const v2 = schema(2, [
      { name: "New", comment: "", type: { kind: "void" } },
      { name: "U", comment: "", type: { kind: "union", variants: [{ tag: 0, type: { kind: "ref", name: "New" }, comment: "" }] } },
    ]);
    const u = diffSchemas(v1, v2).find((d) => d.name === "U");
    expect(u?.compatibility).toBe("wire-compatible");
  });

  it("sees runner v7's KV delete-range request take tag 4, which moves drop to 5: breaking", () => {
    const diff = diffSchemas(schemaOf(families, "runner", 6), schemaOf(families, "runner", 7));
    expect(diff.find((d) => d.name === "KvDeleteRangeRequest")?.status).toBe("added");
    const data = diff.find((d) => d.name === "KvRequestData");
    expect(data?.changes).toEqual([
      { what: "variant 4 `KvDropRequest` became `KvDeleteRangeRequest`", compatibility: "breaking" },
      { what: "variant 5 `KvDropRequest` added", compatibility: "wire-compatible" },
    ]);
    expect(data?.compatibility).toBe("breaking");
  });
});
