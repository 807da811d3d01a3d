import { z } from "zod";
import { EngineError } from "../errors.js";

/**
 * Checks request bodies and query parameters against the API's zod schemas and turns the first
 * problem into the error the engine has always answered with: `api.invalid_body` naming the
 * field and what it must be, or `api.invalid_query` with the parameter's own message.
 */

/** The object schema inside wrappers (`.check()` keeps the object; this is for the shape). */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  if (schema instanceof z.ZodObject) return schema.shape as Record<string, z.ZodType>;
  throw new Error("API bodies and queries are zod objects");
}

/**
 * What a field must be, in the words of the engine's messages: "a string", "a string or null",
 * "one of restart, sleep, destroy". An enum names its values alone, since left out or null
 * takes its default.
 */
export function expectedText(schema: z.ZodType): string {
  let inner: z.ZodType = schema;
  let nullable = false;
  for (;;) {
    if (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) inner = inner.unwrap() as z.ZodType;
    else if (inner instanceof z.ZodNullable) {
      nullable = true;
      inner = inner.unwrap() as z.ZodType;
    } else break;
  }
  if (inner instanceof z.ZodEnum) return `one of ${(inner.options as readonly string[]).join(", ")}`;
  if (inner instanceof z.ZodString) return nullable ? "a string or null" : "a string";
  throw new Error("API body fields are strings or enums of strings; describe any new kind here");
}

/**
 * The issue to report: an unknown field first (the engine refuses those before it reads any
 * field), otherwise the issue of the earliest field in the schema's order, as the engine reads
 * fields in that order.
 */
function firstIssue(issues: readonly z.core.$ZodIssue[], fields: readonly string[]): z.core.$ZodIssue | undefined {
  const unknown = issues.find((i) => i.code === "unrecognized_keys" && i.path.length === 0);
  if (unknown !== undefined) return unknown;
  const rank = (i: z.core.$ZodIssue) => {
    const at = fields.indexOf(String(i.path[0]));
    return at < 0 ? fields.length : at;
  };
  return [...issues].sort((a, b) => rank(a) - rank(b))[0];
}

/** Parses a JSON object body (already read, checked for size, syntax and Unicode). */
export function parseBody<S extends z.ZodType>(schema: S, body: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const shape = shapeOf(schema);
  const fields = Object.keys(shape);
  const issue = firstIssue(result.error.issues, fields);
  if (issue?.code === "unrecognized_keys") {
    const field = issue.keys[0] as string;
    throw new EngineError("api.invalid_body", `Unknown field "${field}".`, { status: 400, metadata: { field, allowed: fields } });
  }
  const field = String(issue?.path[0] ?? "");
  const fieldSchema = shape[field];
  // A check of the whole body (such as PUT's required key) words its own message.
  const message = issue?.code === "custom" || fieldSchema === undefined ? (issue?.message ?? "Invalid body.") : `Field "${field}" must be ${expectedText(fieldSchema)}.`;
  throw new EngineError("api.invalid_body", message, { status: 400, metadata: { field } });
}

/**
 * Reads the query parameters a schema declares (a parameter whose schema is an array takes
 * every occurrence) and parses them. Parameters it does not declare are ignored, as Rivet's
 * API ignores them.
 */
export function parseQuery<S extends z.ZodObject>(schema: S, params: URLSearchParams): z.output<S> {
  const raw: Record<string, string | string[] | undefined> = {};
  for (const [name, field] of Object.entries(shapeOf(schema))) {
    raw[name] = isArray(field) ? params.getAll(name) : (params.get(name) ?? undefined);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = firstIssue(result.error.issues, Object.keys(raw));
  const name = String(issue?.path[0] ?? "");
  throw new EngineError("api.invalid_query", issue?.message ?? "Invalid query.", { status: 400, metadata: { [name]: raw[name] ?? null } });
}

function isArray(schema: z.ZodType): boolean {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault || inner instanceof z.ZodNullable) inner = inner.unwrap() as z.ZodType;
  return inner instanceof z.ZodArray;
}
