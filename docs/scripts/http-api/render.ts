/**
 * Renders the engine's OpenAPI document as the site's HTTP API pages: an overview, one page per
 * tag with each operation (parameters, body, answers, a curl example), and one page of the
 * component schemas that the others link to. It reads only the document, so the pages say what
 * `/openapi.json` says; the output depends on nothing else, so the same document gives the same
 * pages byte for byte.
 */

type Json = Record<string, unknown>;

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required: boolean;
  readonly description?: string;
  readonly deprecated?: boolean;
  readonly schema: Json;
}

interface Operation {
  readonly operationId: string;
  readonly tags: readonly string[];
  readonly summary: string;
  readonly description?: string;
  readonly security?: readonly Json[];
  readonly parameters: readonly Parameter[];
  readonly requestBody?: { content: Record<string, { schema: Json }> };
  readonly responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
}

/** The parts of an OpenAPI 3.1 document these pages use. */
export interface OpenApiDoc {
  readonly info: { title: string; version: string; description?: string };
  readonly tags: readonly { name: string; description: string }[];
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: { schemas: Record<string, Json>; securitySchemes?: Record<string, Json> };
}

/** Where the engine listens unless told otherwise (`--port`, `ACTORWIRE_PORT`). */
const DEFAULT_BASE = "http://127.0.0.1:6420";
const SCHEMAS_PAGE = "schemas.md";
const REF_PREFIX = "#/components/schemas/";

/** The page of a tag. */
export function tagPage(tag: string): string {
  return `${tag}.md`;
}

/** The anchor of a component schema on the schemas page. */
function schemaAnchor(name: string): string {
  return `schema-${name.toLowerCase()}`;
}

function refName(ref: string): string {
  if (!ref.startsWith(REF_PREFIX)) throw new Error(`unsupported $ref ${ref}`);
  return ref.slice(REF_PREFIX.length);
}

function schemaLink(name: string): string {
  return `[${name}](./${SCHEMAS_PAGE}#${schemaAnchor(name)})`;
}

function title(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Text safe inside a table cell: no line breaks, pipes escaped. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|");
}

/** A short, linked description of a schema's type, e.g. `string \| null` or `[Actor](...)[]`. */
export function typeText(schema: Json): string {
  if (typeof schema.$ref === "string") return schemaLink(refName(schema.$ref));
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Json[]).map(typeText).join(" | ");
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(" | ");
  if ("const" in schema) return `\`${JSON.stringify(schema.const)}\``;
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : typeof schema.type === "string" ? [schema.type] : [];
  if (types.length === 0) return "any JSON";
  return types
    .map((t) => {
      if (t === "array") return `${schema.items === undefined ? "any JSON" : typeText(schema.items as Json)}[]`;
      if (t === "object" && isMap(schema)) return `map of string to ${typeText(schema.additionalProperties as Json)}`;
      return t;
    })
    .join(" | ");
}

function isMap(schema: Json): boolean {
  return typeof schema.additionalProperties === "object" && schema.additionalProperties !== null && schema.properties === undefined;
}

/** Limits and defaults of a schema, as a sentence to follow its description. */
function constraints(schema: Json): string {
  const parts: string[] = [];
  if ("default" in schema) parts.push(`Default \`${JSON.stringify(schema.default)}\`.`);
  if (typeof schema.maxLength === "number") parts.push(`At most ${schema.maxLength} characters.`);
  if (typeof schema.minimum === "number") parts.push(`At least ${schema.minimum}.`);
  if (typeof schema.maximum === "number") parts.push(`At most ${schema.maximum}.`);
  return parts.join(" ");
}

function describe(schema: Json): string {
  return [typeof schema.description === "string" ? schema.description : "", constraints(schema)].filter((s) => s !== "").join(" ");
}

interface Row {
  readonly field: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
}

/**
 * The rows of an object's properties table. An inline object (or a map of inline objects)
 * inside a property is flattened into rows named `outer.inner` (or `outer.<key>.inner`), so
 * every field is in one table; named schemas are linked instead.
 */
function propertyRows(schema: Json, prefix = ""): Row[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  const rows: Row[] = [];
  for (const [name, property] of Object.entries(properties)) {
    const field = `${prefix}${name}`;
    rows.push({ field, type: typeText(property), required: required.has(name), description: describe(property) });
    if (property.properties !== undefined) rows.push(...propertyRows(property, `${field}.`));
    const values = property.additionalProperties as Json | undefined;
    if (isMap(property) && values?.properties !== undefined) rows.push(...propertyRows(values, `${field}.<key>.`));
  }
  return rows;
}

/**
 * A schema rendered for reading: a table of its fields (or its type). `refusesOthers` says so
 * under a request body's table: the engine refuses unknown fields there, while answers may gain
 * fields in later versions.
 */
export function schemaBlock(schema: Json, refusesOthers = false): string {
  const lines: string[] = [];
  if (schema.properties !== undefined) {
    const rows = propertyRows(schema);
    if (rows.length === 0) return "An empty object: `{}`.";
    lines.push("| Field | Type | Required | Description |", "| --- | --- | --- | --- |");
    for (const r of rows) lines.push(`| \`${cell(r.field)}\` | ${cell(r.type)} | ${r.required ? "yes" : "no"} | ${cell(r.description)} |`);
    if (refusesOthers && schema.additionalProperties === false) lines.push("", "Other fields are refused (`api.invalid_body`).");
  } else {
    lines.push(`Type: ${typeText(schema)}.`);
  }
  return lines.join("\n");
}

/** The component a body or answer refers to, with its name. */
function component(doc: OpenApiDoc, schema: Json): { name: string; schema: Json } {
  if (typeof schema.$ref !== "string") return { name: "", schema };
  const name = refName(schema.$ref);
  const found = doc.components.schemas[name];
  if (found === undefined) throw new Error(`$ref ${schema.$ref} points at nothing`);
  return { name, schema: found };
}

function jsonSchemaOf(content: Record<string, { schema: Json }> | undefined): Json | undefined {
  return content?.["application/json"]?.schema;
}

/** A curl command for an operation: example query values, the path's parameters as variables. */
function curlExample(doc: OpenApiDoc, method: string, path: string, op: Operation): string {
  const urlPath = path.replace(/\{([a-z_]+)\}/g, (_, name: string) => `$${name.toUpperCase()}`);
  const query = op.parameters
    .filter((p) => p.in === "query" && Array.isArray(p.schema.examples))
    .map((p) => `${p.name}=${encodeURIComponent(String((p.schema.examples as unknown[])[0]))}`);
  const url = `$ENGINE${urlPath}${query.length > 0 ? `?${query.join("&")}` : ""}`;
  const lines = [`curl${method === "get" ? "" : ` -X ${method.toUpperCase()}`} "${url}"`];
  if (op.security !== undefined) lines.push(`  -H "Authorization: Bearer $TOKEN"`);
  const body = jsonSchemaOf(op.requestBody?.content);
  if (body !== undefined) {
    const example = (component(doc, body).schema.examples as unknown[] | undefined)?.[0] ?? {};
    lines.push(`  -H "content-type: application/json"`, `  -d '${JSON.stringify(example)}'`);
  }
  return ["```sh", lines.join(" \\\n"), "```"].join("\n");
}

function operationSection(doc: OpenApiDoc, method: string, path: string, op: Operation): string {
  const out: string[] = [`## ${op.summary} {#${op.operationId.toLowerCase()}}`, "", `\`${method.toUpperCase()} ${path}\` · operation ID \`${op.operationId}\``];
  out.push("", op.security !== undefined ? "Needs the admin token when the engine has one ([Authentication](./index.md#authentication))." : "Needs no token.");
  if (op.description !== undefined) out.push("", op.description);
  if (op.parameters.length > 0) {
    out.push("", "### Parameters", "", "| Name | In | Type | Required | Description |", "| --- | --- | --- | --- | --- |");
    for (const p of op.parameters) {
      const deprecated = p.deprecated === true && !(p.description ?? "").startsWith("Deprecated");
      const text = [deprecated ? "**Deprecated.**" : "", p.description ?? "", constraints(p.schema)].filter((s) => s !== "").join(" ");
      out.push(`| \`${p.name}\` | ${p.in} | ${cell(typeText(p.schema))} | ${p.required ? "yes" : "no"} | ${cell(text)} |`);
    }
  }
  const body = jsonSchemaOf(op.requestBody?.content);
  if (body !== undefined) {
    const { name, schema } = component(doc, body);
    out.push("", "### Request body", "", `JSON${name === "" ? "" : `, ${schemaLink(name)}`}.`, "", schemaBlock(schema, true));
  }
  out.push("", "### Responses");
  for (const [status, response] of Object.entries(op.responses)) {
    const schema = jsonSchemaOf(response.content);
    const named = schema === undefined ? undefined : component(doc, schema);
    if (status === "200" && named !== undefined) {
      out.push("", `**200**${named.name === "" ? "" : ` · ${schemaLink(named.name)}`}`, "", schemaBlock(named.schema));
    }
  }
  const errors = Object.entries(op.responses).filter(([status]) => status !== "200");
  if (errors.length > 0) {
    out.push("", `Errors answer with an ${schemaLink("Error")} body:`, "", "| Status | When |", "| --- | --- |");
    for (const [status, response] of errors) out.push(`| ${status} | ${cell(response.description)} |`);
  }
  out.push("", "### Example", "", curlExample(doc, method, path, op));
  return out.join("\n");
}

/** Every operation of a tag, in the document's order. */
function operationsOf(doc: OpenApiDoc, tag: string): [string, string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => op.tags.includes(tag))
      .map(([method, op]) => [method, path, op] as [string, string, Operation]),
  );
}

function frontmatter(order: number): string {
  return `---\norder: ${order}\n---\n`;
}

function indexPage(doc: OpenApiDoc): string {
  const error = doc.components.schemas.Error;
  const out = [
    frontmatter(0),
    "# HTTP API",
    "",
    doc.info.description ?? "",
    "",
    `These pages are generated from the engine's OpenAPI document (version ${doc.info.version}), which a running engine serves at \`GET /openapi.json\`. The engine checks every request with the same definitions the document is made from, so the two cannot disagree.`,
    "",
    "## Base URL",
    "",
    `Every route is on the engine's one port, next to the gateway and the runner endpoint: \`${DEFAULT_BASE}\` unless the engine is started with \`--host\` or \`--port\`. The examples use \`$ENGINE\` for it:`,
    "",
    "```sh",
    `ENGINE=${DEFAULT_BASE}`,
    "```",
    "",
    "Requests and answers are JSON in snake_case, in the shapes of Rivet's engine API, so clients written for Rivet work unchanged. Most routes take the namespace as `?namespace=` (`default` when left out).",
    "",
    "## Authentication",
    "",
    "An engine started with an admin token (`--admin-token` or `ACTORWIRE_ADMIN_TOKEN`) needs it on every route except `GET /metadata` and `GET /health`, sent either way:",
    "",
  ];
  for (const [name, scheme] of Object.entries(doc.components.securitySchemes ?? {})) {
    const how = scheme.type === "http" ? `\`Authorization: ${title(String(scheme.scheme))} <token>\`` : `the \`${String(scheme.name)}: <token>\` header`;
    out.push(`- ${how} (\`${name}\`): ${String(scheme.description ?? "")}`);
  }
  out.push(
    "",
    "Without a token the answer is 401 `auth.missing_token`; with a wrong one, 403 `auth.invalid_token`. An engine started without a token needs none, and its `/openapi.json` then lists no security requirement.",
    "",
    "## Errors",
    "",
    "Every error answers with its HTTP status and this body; `group` and `code` name the error, `message` is for people and may change.",
    "",
    error === undefined ? "" : schemaBlock(error),
    "",
    "```json",
    JSON.stringify({ group: "actor", code: "not_found", message: "The actor does not exist or was destroyed.", metadata: { actor_id: "…" } }, null, 2),
    "```",
    "",
    "Each operation lists the statuses it answers with and when. Refused bodies name the field: `api.invalid_body` for an unknown field or a wrong type, and the domain's own code for a broken limit (for example `actor.name_too_long`, with the limit in `metadata`).",
    "",
    "## Versioning",
    "",
    "The API follows Rivet's public engine API; `GET /metadata` reports the engine's version and the runner and client protocol versions it speaks. Fields may be added to answers in later versions, so clients should ignore fields they do not know; a field is not removed or retyped without a new major version.",
    "",
    "## Operations",
    "",
  );
  for (const tag of doc.tags) {
    const ops = operationsOf(doc, tag.name);
    if (ops.length === 0) continue;
    out.push(`### [${title(tag.name)}](./${tagPage(tag.name)})`, "", tag.description, "", "| Operation | Route |", "| --- | --- |");
    for (const [method, path, op] of ops) {
      out.push(`| [${cell(op.summary)}](./${tagPage(tag.name)}#${op.operationId.toLowerCase()}) | \`${method.toUpperCase()} ${path}\` |`);
    }
    out.push("");
  }
  out.push(`The shapes of every body and answer are on the [Schemas](./${SCHEMAS_PAGE}) page.`, "");
  return out.join("\n");
}

function tagPageText(doc: OpenApiDoc, tag: { name: string; description: string }, order: number): string {
  const sections = operationsOf(doc, tag.name).map(([method, path, op]) => operationSection(doc, method, path, op));
  return [frontmatter(order), `# ${title(tag.name)}`, "", tag.description, "", sections.join("\n\n"), ""].join("\n");
}

/** The components that are request bodies. */
function requestSchemas(doc: OpenApiDoc): Set<string> {
  const names = Object.values(doc.paths).flatMap((methods) =>
    Object.values(methods).map((op) => jsonSchemaOf(op.requestBody?.content)?.$ref),
  );
  return new Set(names.filter((ref): ref is string => typeof ref === "string").map(refName));
}

function schemasPage(doc: OpenApiDoc, order: number): string {
  const requests = requestSchemas(doc);
  const out = [frontmatter(order), "# Schemas", "", "The JSON shapes of the API's bodies and answers, as `components/schemas` of `/openapi.json` names them.", ""];
  for (const name of Object.keys(doc.components.schemas).sort()) {
    const schema = doc.components.schemas[name] as Json;
    out.push(`## ${name} {#${schemaAnchor(name)}}`, "");
    if (typeof schema.description === "string") out.push(schema.description, "");
    out.push(schemaBlock(schema, requests.has(name)), "");
    const examples = schema.examples as unknown[] | undefined;
    if (examples?.[0] !== undefined) out.push("Example:", "", "```json", JSON.stringify(examples[0], null, 2), "```", "");
  }
  return out.join("\n");
}

/** Every page of the HTTP API section, by file name under `src/http-api/`. */
export function renderHttpApi(doc: OpenApiDoc): Map<string, string> {
  const pages = new Map<string, string>([["index.md", indexPage(doc)]]);
  doc.tags.forEach((tag, i) => {
    if (operationsOf(doc, tag.name).length > 0) pages.set(tagPage(tag.name), tagPageText(doc, tag, i + 1));
  });
  pages.set(SCHEMAS_PAGE, schemasPage(doc, doc.tags.length + 1));
  return pages;
}
