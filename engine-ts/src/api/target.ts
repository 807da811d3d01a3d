import { EngineError } from "../errors.js";

/** How much of a refused request target an error repeats back. */
const SHOWN_TARGET_CHARS = 200;

function shown(text: string): string {
  return text.length > SHOWN_TARGET_CHARS ? `${text.slice(0, SHOWN_TARGET_CHARS)}…` : text;
}

/**
 * Parses a request's target (`req.url`). Node's HTTP parser lets through targets that the
 * URL parser refuses (`///`, `//host:99999/`, an unclosed `[`), so an unchecked `new URL`
 * would throw out of the request handler; this turns them into a 400 `api.invalid_target`.
 */
export function parseTarget(target: string | undefined): URL {
  const text = target ?? "/";
  try {
    return new URL(text, "http://engine");
  } catch {
    throw new EngineError(
      "api.invalid_target",
      `The request target "${shown(text)}" is not a valid URL path.`,
      { status: 400, metadata: { target: shown(text) } },
    );
  }
}

/**
 * Percent-decodes one path segment (an actor ID). Malformed escapes (`%zz`) and escapes that
 * are not UTF-8 (including encoded lone surrogates) are a 400 `api.invalid_path` rather than
 * the `URIError` `decodeURIComponent` throws.
 */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new EngineError(
      "api.invalid_path",
      `The ${what} "${shown(segment)}" in the path is not valid percent-encoded UTF-8.`,
      { status: 400, metadata: { segment: shown(segment) } },
    );
  }
}
