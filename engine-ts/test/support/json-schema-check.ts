/**
 * A small JSON Schema (2020-12) checker for the keywords the engine's OpenAPI document uses.
 * It reads the document itself, not the zod schemas it was made from, so a test using it
 * checks what a client generated from `/openapi.json` would expect. A keyword it does not know
 * is an error rather than a pass, so a new kind of schema cannot slip through unchecked.
 */

type Schema = Record<string, unknown> | boolean;

/** Keywords that only describe a value and never refuse one. */
const ANNOTATIONS = new Set(["description", "default", "deprecated", "examples", "title"]);

const CHECKED = new Set([
  "$ref",
  "type",
  "enum",
  "const",
  "properties",
  "required",
  "additionalProperties",
  "propertyNames",
  "items",
  "anyOf",
  "minimum",
  "maximum",
  "maxLength",
]);

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/**
 * Returns the problems of `value` against `schema` (empty when it conforms), each naming where
 * in the value it is. `$ref`s resolve against `root` (e.g. `#/components/schemas/Actor`).
 */
export function checkJsonSchema(root: unknown, schema: Schema, value: unknown, at = "$"): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  const problems: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (!CHECKED.has(keyword) && !ANNOTATIONS.has(keyword)) throw new Error(`json-schema-check does not know the keyword "${keyword}" (at ${at})`);
  }
  if (typeof schema.$ref === "string") problems.push(...checkJsonSchema(root, resolveRef(root, schema.$ref), value, at));
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => typeMatches(value, t))) return [...problems, `${at}: expected ${types.join(" or ")}, got ${typeOf(value)}`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) problems.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if ("const" in schema && schema.const !== value) problems.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  if (typeof value === "number") {
    if (typeof schema.minimum === "number" && value < schema.minimum) problems.push(`${at}: below ${schema.minimum}`);
    if (typeof schema.maximum === "number" && value > schema.maximum) problems.push(`${at}: above ${schema.maximum}`);
  }
  if (typeof value === "string" && typeof schema.maxLength === "number" && [...value].length > schema.maxLength) {
    problems.push(`${at}: longer than ${schema.maxLength}`);
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = (schema.anyOf as Schema[]).map((branch) => checkJsonSchema(root, branch, value, at));
    if (!branches.some((p) => p.length === 0)) problems.push(`${at}: matches none of anyOf (${branches.map((p) => p.join("; ")).join(" | ")})`);
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => problems.push(...checkJsonSchema(root, schema.items as Schema, item, `${at}[${i}]`)));
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) {
      if (!(name in object)) problems.push(`${at}: missing required property "${name}"`);
    }
    for (const [name, item] of Object.entries(object)) {
      const where = `${at}.${name}`;
      if (schema.propertyNames !== undefined) problems.push(...checkJsonSchema(root, schema.propertyNames as Schema, name, `${where} (name)`));
      if (name in properties) problems.push(...checkJsonSchema(root, properties[name] as Schema, item, where));
      else if (schema.additionalProperties !== undefined) {
        problems.push(...checkJsonSchema(root, schema.additionalProperties as Schema, item, where));
      }
    }
  }
  return problems;
}

function resolveRef(root: unknown, ref: string): Schema {
  if (!ref.startsWith("#/")) throw new Error(`only local $refs are supported, not ${ref}`);
  let node: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  if (node === undefined) throw new Error(`$ref ${ref} points at nothing`);
  return node as Schema;
}
