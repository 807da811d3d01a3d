import type { IncomingMessage } from "node:http";
import { isWellFormedText, loneSurrogateError } from "../catalog/unicode.js";
import { EngineError } from "../errors.js";

/** Largest JSON body the API reads: a 4 MiB actor input is about 5.6 MiB as base64. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * How many bytes past a limit the engine still reads (and throws away) from a refused body.
 * Clients write their whole body before they read the answer; closing the connection under
 * them turns the 413 into a reset (EPIPE) they cannot explain. Past this bound the engine
 * answers and closes anyway, so a refused body cannot keep it reading for ever.
 */
export const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/** The size of a refused body: exact once it was read to its end, a lower bound otherwise. */
export interface OversizedBody {
  readonly size: number;
  readonly exact: boolean;
}

/**
 * Reads a whole request body of at most `limit` bytes. Resolves null for an empty body. A
 * larger body (by its declared length or while reading) is read to its end without keeping
 * it, up to {@link MAX_DISCARDED_BYTES} past the limit, and then rejected with `tooLarge`,
 * so the refusal reaches a client that is still sending.
 */
export function readLimitedBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: (body: OversizedBody) => Error,
): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"]);
    const chunks: Buffer[] = [];
    let total = 0;
    let over = Number.isFinite(declared) && declared > limit;
    const giveUp = (size: number, exact: boolean) => {
      req.off("data", onData);
      req.off("end", onEnd);
      // Keep draining in the background; the 413 closes the connection once it is written.
      req.resume();
      reject(tooLarge({ size, exact }));
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limit + MAX_DISCARDED_BYTES) return Number.isFinite(declared) ? giveUp(declared, true) : giveUp(total, false);
      if (over) return;
      if (total > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      if (over) reject(tooLarge({ size: total, exact: true }));
      else resolve(total === 0 ? null : Buffer.concat(chunks, total));
    };
    if (over && declared > limit + MAX_DISCARDED_BYTES) return giveUp(declared, true);
    req.on("data", onData);
    req.once("end", onEnd);
    req.once("error", reject);
    req.once("aborted", () => reject(new Error("client aborted the request body")));
  });
}

/** Reads and parses a JSON object body, refusing oversized (413) or malformed (400) ones. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readLimitedBody(req, MAX_BODY_BYTES, ({ size, exact }) => {
    const sizeText = exact ? `${size}` : `at least ${size}`;
    return new EngineError(
      "api.body_too_large",
      `Request body is ${sizeText} bytes, over the limit of ${MAX_BODY_BYTES} bytes.`,
      { status: 413, metadata: { limit_bytes: MAX_BODY_BYTES, size_bytes: size, size_exact: exact } },
    );
  });
  let value: unknown;
  try {
    value = JSON.parse(body === null ? "" : body.toString("utf8"));
  } catch {
    throw new EngineError("api.invalid_body", "Request body is not valid JSON.", { status: 400 });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new EngineError("api.invalid_body", "Request body must be a JSON object.", { status: 400 });
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
