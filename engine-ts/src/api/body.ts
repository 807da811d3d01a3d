import type { IncomingMessage } from "node:http";
import { isWellFormedText, loneSurrogateError } from "../catalog/unicode.js";
import { EngineError } from "../errors.js";

/** Largest JSON body the API reads: a 4 MiB actor input is about 5.6 MiB as base64. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Reads and parses a JSON object body, refusing oversized or malformed ones with a 400. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) {
      throw new EngineError("api", "body_too_large", `Request body is larger than ${MAX_BODY_BYTES} bytes.`, 413, {
        limit: MAX_BODY_BYTES,
      });
    }
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new EngineError("api", "invalid_body", "Request body is not valid JSON.", 400, null);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EngineError("api", "invalid_body", "Request body must be a JSON object.", 400, null);
  }
  assertWellFormedStrings(value, "");
  return value as Record<string, unknown>;
}

/**
 * Refuses a body holding a string (or an object key) that is not well-formed UTF-16, naming
 * the field (see {@link loneSurrogateError}).
 */
function assertWellFormedStrings(value: unknown, path: string): void {
  if (typeof value === "string") {
    if (!isWellFormedText(value)) throw loneSurrogateError(path, value);
    return;
  }
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertWellFormedStrings(item, `${path}[${i}]`));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const field = path === "" ? key : `${path}.${key}`;
    if (!isWellFormedText(key)) throw loneSurrogateError(field, key);
    assertWellFormedStrings(item, field);
  }
}

/**
 * Checks a body's fields: like Rivet's API, unknown fields are refused rather than ignored,
 * so a typo in a field name is an error instead of a silently missing option.
 */
export class BodyReader {
  constructor(
    private readonly body: Record<string, unknown>,
    allowed: readonly string[],
  ) {
    for (const field of Object.keys(body)) {
      if (!allowed.includes(field)) {
        throw new EngineError("api", "invalid_body", `Unknown field "${field}".`, 400, { field, allowed });
      }
    }
  }

  string(field: string): string {
    const v = this.body[field];
    if (typeof v !== "string") throw this.wrong(field, "a string");
    return v;
  }

  optionalString(field: string): string | null {
    const v = this.body[field];
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") throw this.wrong(field, "a string or null");
    return v;
  }

  oneOf<T extends string>(field: string, values: readonly T[], fallback: T): T {
    const v = this.body[field];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== "string" || !(values as readonly string[]).includes(v)) throw this.wrong(field, `one of ${values.join(", ")}`);
    return v as T;
  }

  private wrong(field: string, expected: string): EngineError {
    return new EngineError("api", "invalid_body", `Field "${field}" must be ${expected}.`, 400, { field });
  }
}
