import type { AliasedType, Ast, Type } from "@bare-ts/tools";
import { generatedHeader } from "./header.js";
import { DEFAULT_RUNTIME } from "./compile-codec.js";
import type { SchemaFile } from "./schema-files.js";

/** Aliases in an order where every alias comes after the aliases it refers to. */
export function dependencyOrder(ast: Ast): AliasedType[] {
  const byName = new Map(ast.defs.map((d) => [d.alias, d]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: AliasedType[] = [];
  const refs = (type: Type, acc: string[]): string[] => {
    if (type.tag === "alias") acc.push(type.data);
    for (const child of type.types ?? []) refs(child, acc);
    return acc;
  };
  const visit = (def: AliasedType): void => {
    if (done.has(def.alias)) return;
    if (visiting.has(def.alias)) throw new Error(`recursive type ${def.alias} is not supported`);
    visiting.add(def.alias);
    for (const name of refs(def.type, [])) {
      const dep = byName.get(name);
      if (dep === undefined) throw new Error(`unknown type ${name}`);
      visit(dep);
    }
    visiting.delete(def.alias);
    done.add(def.alias);
    out.push(def);
  };
  for (const def of ast.defs) visit(def);
  return out;
}

function expr(type: Type, aliasName: string | null): string {
  switch (type.tag) {
    case "alias":
      return type.data;
    case "void":
      return "fc.constant(null)";
    case "bool":
      return "fc.boolean()";
    case "u8":
      return "fc.integer({ min: 0, max: 0xff })";
    case "u16":
      return "fc.integer({ min: 0, max: 0xffff })";
    case "u32":
      return "fc.integer({ min: 0, max: 0xffffffff })";
    case "i8":
      return "fc.integer({ min: -0x80, max: 0x7f })";
    case "i16":
      return "fc.integer({ min: -0x8000, max: 0x7fff })";
    case "i32":
      return "fc.integer({ min: -0x80000000, max: 0x7fffffff })";
    case "u64":
    case "uint":
      return "k.u64";
    case "i64":
    case "int":
      return "k.i64";
    case "f32":
      return "fc.float({ noNaN: true })";
    case "f64":
      return "fc.double({ noNaN: true })";
    case "str":
      return "k.str";
    case "data":
      return type.data === null ? "k.data" : `k.fixedData(${type.data.val})`;
    case "optional":
      return `fc.option(${expr(type.types[0], null)}, { nil: null })`;
    case "list":
      return type.data === null
        ? `k.list(${expr(type.types[0], null)})`
        : `fc.array(${expr(type.types[0], null)}, { minLength: ${type.data.val}, maxLength: ${type.data.val} })`;
    case "map":
      return `k.map(${expr(type.types[0], null)}, ${expr(type.types[1], null)})`;
    case "enum":
      if (aliasName === null) throw new Error("anonymous enums are not supported");
      return `fc.constantFrom(...Object.values(T.${aliasName}))`;
    case "struct": {
      const fields = type.data.map((f, i) => `${f.name}: ${expr(type.types[i] as Type, null)}`);
      return `fc.record({ ${fields.join(", ")} })`;
    }
    case "union": {
      const variants = type.types.map((t) => {
        if (t.tag !== "alias") throw new Error("union variants must be named types");
        return `${t.data}.map((val) => ({ tag: "${t.data}" as const, val }))`;
      });
      return `fc.oneof(\n    ${variants.join(",\n    ")},\n  )`;
    }
  }
}

/**
 * Generates fast-check arbitraries for every type of one schema version.
 *
 * The arbitraries come from the same AST as the codec, so a field added to a schema can never
 * be missing from the property tests. Sizes of strings, blobs and collections are bounded by
 * options, so the same generator serves quick round trips and multi-MiB payload tests.
 */
export function generateArbitraries(schema: SchemaFile, ast: Ast, runtime: string = DEFAULT_RUNTIME): string {
  const order = dependencyOrder(ast);
  const lines = order.map(
    (def) => `  const ${def.alias}: fc.Arbitrary<T.${def.alias}> = ${expr(def.type, def.alias)}`,
  );
  const names = order.map((d) => d.alias);
  return [
    generatedHeader("//", "arbitraries", schema),
    `import * as fc from "fast-check"`,
    `import { type ArbitraryOptions, arbitraryKit } from "${runtime}/arbitrary-kit.js"`,
    `import * as T from "./v${schema.version}.js"`,
    ``,
    `/** Arbitraries for every type of ${schema.family} protocol v${schema.version}, by type name. */`,
    `export function arbitraries(options: ArbitraryOptions = {}) {`,
    `  const k = arbitraryKit(options)`,
    ...lines,
    `  return { ${names.join(", ")} }`,
    `}`,
    ``,
  ].join("\n");
}
