import type { Ast, Type } from "@bare-ts/tools";
import type { SchemaFile } from "./schema-files.js";

/** A JSON form of one type expression, small enough for docs and for other languages. */
export type TypeDescription =
  | { kind: "ref"; name: string }
  | { kind: "primitive"; name: string }
  | { kind: "void" }
  | { kind: "data"; length: number | null }
  | { kind: "optional"; of: TypeDescription }
  | { kind: "list"; of: TypeDescription; length: number | null }
  | { kind: "map"; key: TypeDescription; value: TypeDescription }
  | { kind: "enum"; values: { name: string; value: number; comment: string }[] }
  | { kind: "struct"; fields: { name: string; type: TypeDescription; comment: string }[] }
  | { kind: "union"; variants: { tag: number; type: TypeDescription; comment: string }[] };

/** The whole machine-readable description of one schema version. */
export interface SchemaDescription {
  family: string;
  version: number;
  schema: string;
  sha256: string;
  roots: readonly string[];
  types: { name: string; comment: string; type: TypeDescription }[];
}

function describeType(type: Type): TypeDescription {
  switch (type.tag) {
    case "alias":
      return { kind: "ref", name: type.data };
    case "void":
      return { kind: "void" };
    case "data":
      return { kind: "data", length: type.data?.val ?? null };
    case "optional":
      return { kind: "optional", of: describeType(type.types[0]) };
    case "list":
      return { kind: "list", of: describeType(type.types[0]), length: type.data?.val ?? null };
    case "map":
      return { kind: "map", key: describeType(type.types[0]), value: describeType(type.types[1]) };
    case "enum":
      return {
        kind: "enum",
        values: type.data.map((v) => ({ name: v.name, value: v.val, comment: v.comment.trim() })),
      };
    case "struct":
      return {
        kind: "struct",
        fields: type.data.map((f, i) => ({
          name: f.name,
          type: describeType(type.types[i] as Type),
          comment: f.comment.trim(),
        })),
      };
    case "union":
      return {
        kind: "union",
        variants: type.data.map((v, i) => ({
          tag: v.val,
          type: describeType(type.types[i] as Type),
          comment: v.comment.trim(),
        })),
      };
    default:
      return { kind: "primitive", name: type.tag };
  }
}

/** Describes every type of one schema version as JSON, from the compiler's own AST. */
export function describeSchema(schema: SchemaFile, ast: Ast, roots: readonly string[]): SchemaDescription {
  return {
    family: schema.family,
    version: schema.version,
    schema: `schemas/${schema.relPath}`,
    sha256: schema.sha256,
    roots,
    types: ast.defs.map((d) => ({ name: d.alias, comment: d.comment.trim(), type: describeType(d.type) })),
  };
}
