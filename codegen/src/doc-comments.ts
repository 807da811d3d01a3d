import type { AliasedType, Ast, Type } from "@bare-ts/tools";
import type { SchemaFile } from "./schema-files.js";

/**
 * Doc comments for the generated codecs, so that every declaration the API reference shows
 * has one: the schema's own comment where it has one, otherwise a sentence derived from the
 * schema (what kind of type it is and how it is encoded). The cursor-level `readX`/`writeX`
 * functions are tagged `@internal`: only the generated root codecs and the hand-written
 * `versioned` and `persist` modules of `@actorwire/protocol` call them.
 */

/** How a schema version is named in generated comments, e.g. "runner protocol v7". */
export function versionTitle(schema: Pick<SchemaFile, "family" | "version">): string {
  return `${schema.family} protocol v${schema.version}`;
}

/** A type expression in BARE schema syntax, e.g. `list<KvKey>`, `data[4]`, `map<str><str>`. */
export function bareType(type: Type): string {
  switch (type.tag) {
    case "alias":
      return type.data;
    case "data":
      return type.data === null ? "data" : `data[${type.data.val}]`;
    case "optional":
      return `optional<${bareType(type.types[0])}>`;
    case "list":
      return `list<${bareType(type.types[0])}>${type.data === null ? "" : `[${type.data.val}]`}`;
    case "map":
      return `map<${bareType(type.types[0])}><${bareType(type.types[1])}>`;
    case "enum":
    case "struct":
    case "union":
      return `${type.tag} {…}`;
    default:
      return type.tag;
  }
}

/** Breaks a paragraph into lines of at most `width` characters, at spaces but not before a unit ("32 MiB"). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/ (?!MiB\b)/)) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}

/**
 * A comment in the form the BARE parser stores it (each line after a space, ending in a
 * newline), each paragraph wrapped to fit a 100-column line once indented as JSDoc.
 */
function asComment(text: string): string {
  return text
    .split("\n")
    .flatMap((paragraph) => wrap(paragraph, 92))
    .map((line) => ` ${line}\n`)
    .join("");
}

/** "`a`", "`a` and `b`", "`a`, `b` and `c`". */
function nameList(names: readonly string[]): string {
  const quoted = names.map((n) => `\`${n}\``);
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} and ${quoted.at(-1)}`;
}

/** What a type is and how it is encoded, as the end of a sentence ("a struct of …"). */
function typeSummary(type: Type): string {
  switch (type.tag) {
    case "void":
      return "a void type: `null` in TypeScript, and no bytes on the wire";
    case "struct":
      if (type.data.length === 1) return `a struct of one field, \`${type.data[0]?.name}\``;
      return type.data.length > 6
        ? `a struct of ${type.data.length} fields, encoded in schema order`
        : `a struct of ${nameList(type.data.map((f) => f.name))}, encoded in that order`;
    case "union":
      return `a union of ${type.types.length} types, encoded as the chosen type's tag (an unsigned varint) followed by its value`;
    case "enum":
      return "an enum, encoded as its member's value (an unsigned varint)";
    default:
      return `encoded as BARE \`${bareType(type)}\``;
  }
}

/** The generated comment of a type the schema does not comment. */
function typeComment(def: AliasedType, schema: Pick<SchemaFile, "family" | "version">, roots: readonly string[]): string {
  const sentence = `\`${def.alias}\` in ${versionTitle(schema)}: ${typeSummary(def.type)}.`;
  if (!roots.includes(def.alias)) return sentence;
  return `${sentence}\nA root type: \`encode${def.alias}\` and \`decode${def.alias}\` turn it into one message and back.`;
}

/** A type with a comment on every struct field, union member and enum value that lacks one. */
function withMemberComments(type: Type): Type {
  switch (type.tag) {
    case "struct":
      return {
        ...type,
        data: type.data.map((f, i) => ({
          ...f,
          comment: f.comment !== "" ? f.comment : asComment(`Encoded as BARE \`${bareType(type.types[i] as Type)}\`.`),
        })),
        types: type.types.map(withMemberComments),
      };
    case "union":
      return {
        ...type,
        data: type.data.map((v) => ({ ...v, comment: v.comment !== "" ? v.comment : asComment(`Encoded with union tag ${v.val}.`) })),
        types: type.types.map(withMemberComments),
      };
    case "enum":
      return {
        ...type,
        data: type.data.map((v) => ({ ...v, comment: v.comment !== "" ? v.comment : asComment(`Encoded as the value ${v.val}.`) })),
      };
    case "optional":
      return { ...type, types: [withMemberComments(type.types[0])] };
    case "list":
      return { ...type, types: [withMemberComments(type.types[0])] };
    case "map":
      return { ...type, types: [withMemberComments(type.types[0]), withMemberComments(type.types[1])] };
    default:
      return type;
  }
}

/**
 * A copy of a parsed schema in which every type, struct field, union member and enum value
 * has a comment: its own from the schema, or a generated one. The generator writes these as
 * JSDoc. The AST the type descriptions are made from keeps only the schema's own comments.
 */
export function withDocComments(ast: Ast, schema: Pick<SchemaFile, "family" | "version">, roots: readonly string[]): Ast {
  return {
    ...ast,
    defs: ast.defs.map((def) => ({
      ...def,
      comment: def.comment !== "" ? def.comment : asComment(typeComment(def, schema, roots)),
      type: withMemberComments(def.type),
    })),
  };
}

/** A top-level JSDoc block of one paragraph, wrapped to fit 100 columns. */
export function docBlock(text: string): string {
  return ["/**", ...wrap(text, 96).map((line) => ` * ${line}`), " */"].join("\n");
}

/**
 * Puts a comment on each exported declaration of generated code that the BARE compiler leaves
 * bare: the numeric type aliases (`u16`, `i64`, …) it declares at the top, and the
 * cursor-level `readX`/`writeX` functions, which are tagged `@internal`. (Those of the types
 * the compiler makes for anonymous type expressions, `read0` and so on, are not exported.) A
 * JSDoc block of one line of text is written on one line.
 */
export function commentDeclarations(code: string): string {
  const numeric = code.replace(/^export type (\w+) = (bigint|number)$/gm, (line, name: string, ts: string) => {
    return `/** A BARE \`${name}\`, held as a \`${ts}\`. */\n${line}`;
  });
  const functions = numeric.replace(/^export function (read|write)(\w+)\(/gm, (head, op: string, alias: string) => {
    const verb = op === "read" ? "Reads" : "Writes";
    return `/** ${verb} one \`${alias}\` and moves the cursor past it. @internal */\n${head}`;
  });
  return functions.replace(/^( *)\/\*\*\n *\* ([^\n]*)\n *\*\/$/gm, "$1/** $2 */");
}
