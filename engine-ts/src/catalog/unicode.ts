import { EngineError } from "../errors.js";

// `String.prototype.isWellFormed` exists from Node 20 on, but the project's TypeScript lib
// (ES2022) does not declare it yet.
type WithWellFormed = { isWellFormed(): boolean };

/** Whether a string is well-formed UTF-16, i.e. has no lone surrogate and so has a UTF-8 form. */
export function isWellFormedText(text: string): boolean {
  return (text as unknown as WithWellFormed).isWellFormed();
}

/** Index of the first lone surrogate of a string that is not well-formed. */
function firstLoneSurrogate(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return i;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return i;
  }
  return -1;
}

/**
 * The 400 `api.invalid_unicode` for a field holding a lone surrogate. JSON allows `"\ud800"`,
 * but such a string has no UTF-8 form: stored and later written into a runner command it
 * cannot be decoded, which poisons that runner's command stream. Rivet refuses these too.
 */
export function loneSurrogateError(field: string, text: string): EngineError {
  const index = firstLoneSurrogate(text);
  const unit = `U+${text.charCodeAt(index).toString(16).toUpperCase()}`;
  return new EngineError(
    "api.invalid_unicode",
    `Field "${field}" is not well-formed Unicode: it holds a lone surrogate (${unit} at index ${index}), which has no UTF-8 form.`,
    { status: 400, metadata: { field, index, code_unit: unit } },
  );
}

/** Throws {@link loneSurrogateError} when the string is not well-formed. */
export function assertWellFormedText(field: string, text: string): void {
  if (!isWellFormedText(text)) throw loneSurrogateError(field, text);
}
