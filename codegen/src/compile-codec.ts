import { type Ast, Config, configure, generate, normalize, parse, rootAliases, transform } from "@bare-ts/tools";
import { commentDeclarations, docBlock, versionTitle, withDocComments } from "./doc-comments.js";
import { generatedHeader } from "./header.js";
import type { SchemaFile } from "./schema-files.js";

/**
 * Where generated code imports the runtime helpers (`root-codec.js`, `assert.js`,
 * `arbitrary-kit.js`) from unless told otherwise: `src/runtime/` of the schema tree, relative
 * to a generated `src/gen/<family>/vN.ts`, as in `@actorwire/protocol`.
 */
export const DEFAULT_RUNTIME = "../../runtime";


/** Parses a schema into the @bare-ts/tools AST, with the same options used to compile it. */
export function parseSchema(schema: SchemaFile): Ast {
  const config = Config({ generator: "ts", schema: schema.relPath });
  return configure(parse(schema.source, config), config);
}

/** Names of the types no other type refers to: these get encode/decode functions. */
export function rootTypeNames(ast: Ast): readonly string[] {
  return rootAliases(ast.defs).filter((name) => {
    const def = ast.defs.find((d) => d.alias === name);
    // A void root has nothing to encode, so it gets no codec functions.
    return def !== undefined && def.type.tag !== "void";
  });
}

/**
 * Compiles one schema version to TypeScript with @bare-ts/tools.
 *
 * The tool's own root encoders are turned off (`lib`) and replaced by thin functions that
 * call our runtime, so that every decoder shares one total, size-bounded entry point and
 * every encoder reuses one scratch buffer. The tool imports `node:assert`; that is swapped
 * for our own assert so the codecs also run in browsers.
 */
export function compileCodec(schema: SchemaFile, ast: Ast, runtime: string = DEFAULT_RUNTIME): string {
  const roots = rootTypeNames(ast);
  const config = Config({ generator: "ts", lib: true, schema: schema.relPath });
  // `transform` is the tool's one entry point that also runs its semantic checks (unknown
  // types, duplicate names, …); its output is the same code without the added comments.
  const plain = transform(schema.source, config);
  // The same steps as `transform`, with a comment put on every type, field, union member and
  // enum value the schema leaves without one, so the generated declarations are documented.
  const normalized = normalize(withDocComments(configure(parse(schema.source, config), config), schema, roots));
  const raw = commentDeclarations(generate(normalized, config));
  // The tool declares a numeric alias (`u16`, `i64`, …) wherever its name appears in the code,
  // comments included, so a comment must not name one the code does not use.
  const numericAliases = (code: string): string => (code.match(/^export type \w+ = (?:bigint|number)$/gm) ?? []).join("\n");
  if (numericAliases(raw) !== numericAliases(plain)) throw new Error(`the comments added to ${schema.relPath} change its numeric type aliases`);
  const assertImport = 'import assert from "node:assert/strict"';
  let body = raw;
  if (body.includes(assertImport)) {
    body = body.replace(assertImport, `import { assert } from "${runtime}/assert.js"`);
  }
  // Library mode imports a module for user-defined root types; these schemas have none.
  const extImport = 'import * as ext from "./ext.js"'
  if (body.includes(extImport)) {
    if (/\bext\./.test(body.replace(extImport, ""))) throw new Error(`${schema.relPath} needs an ext module, which is not supported`);
    body = body.replace(`${extImport}\n`, "");
  }
  body = rejectUnknownTags(body, runtime);
  if (body.includes("node:")) {
    throw new Error(`generated code for ${schema.relPath} still imports a node: module`);
  }
  const title = versionTitle(schema);
  const rootFns = roots
    .map((name) =>
      [
        docBlock(
          `Encodes one \`${name}\` of ${title} as a complete BARE message, with no version prefix.` +
            " A value that does not fit the schema throws `ProtocolError`. A large result (about 1 MiB" +
            " and up) can be a view on a larger buffer: use its `byteOffset` and `byteLength`.",
        ),
        `export function encode${name}(x: ${name}): Uint8Array {`,
        `    return encodeRoot(x, write${name})`,
        `}`,
        ``,
        docBlock(
          `Decodes exactly one \`${name}\` of ${title} from a complete BARE message with no version` +
            " prefix. Malformed input, bytes left over, or more than `options.maxBytes` (default" +
            " 32 MiB) throw `ProtocolError`.",
        ),
        `export function decode${name}(bytes: Uint8Array, options?: DecodeOptions): ${name} {`,
        `    return decodeRoot(bytes, read${name}, options)`,
        `}`,
      ].join("\n"),
    )
    .join("\n\n");
  const runtimeImport = `import { type DecodeOptions, decodeRoot, encodeRoot } from "${runtime}/root-codec.js"`;
  const rootList = `/** The root types of this version: the ones with encode and decode functions. */\nexport const ROOT_TYPES = ${JSON.stringify(roots)} as const`;
  // The module's own comment: typedoc shows it for the namespace a package re-exports it as.
  const moduleDoc = docBlock(
    `The types of ${title}, generated from \`schemas/${schema.relPath}\`, with an \`encodeX\` and a` +
      " `decodeX` function for each of its root types (`ROOT_TYPES`).",
  ).replace(/\n \*\/$/, "\n *\n * @packageDocumentation\n */");
  return [
    generatedHeader("//", "compile-codec", schema),
    moduleDoc,
    "/* eslint-disable */",
    runtimeImport,
    body.trimEnd(),
    "",
    rootList,
    "",
    rootFns,
    "",
  ].join("\n");
}

/**
 * The tool's writers for enums and unions switch over the known values and do nothing for
 * anything else, so a wrong value (a number where an enum string belongs, a misspelt union
 * tag) would be encoded as no bytes at all and produce a corrupt message. Each such switch
 * gets a default branch that raises `protocol.invalid_value` instead.
 */
export function rejectUnknownTags(code: string, runtime: string = DEFAULT_RUNTIME): string {
  const writer = /^export function write(\w+)\(bc: bare\.ByteCursor, x: [^)]*\): void \{\n    switch \((x|x\.tag)\) \{\n/gm;
  let out = "";
  let last = 0;
  let added = 0;
  for (let m = writer.exec(code); m !== null; m = writer.exec(code)) {
    const end = code.indexOf("\n    }\n}\n", m.index);
    if (end < 0) throw new Error(`cannot find the end of write${m[1]}`);
    const what = m[2] === "x" ? "value" : "union tag";
    out += code.slice(last, end);
    out += `\n        default: {\n            assert(false, "${m[1]}: unknown ${what}")\n        }`;
    last = end;
    added++;
  }
  out += code.slice(last);
  if (added > 0 && !out.includes("import { assert } from")) {
    out = out.replace('import * as bare from "@bare-ts/lib"', `import { assert } from "${runtime}/assert.js"\nimport * as bare from "@bare-ts/lib"`);
  }
  return out;
}
