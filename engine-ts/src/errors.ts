/**
 * The one error class the engine's API answers with. It crosses the wire as Rivet's error
 * body `{group, code, message, metadata}` with `status` as the HTTP status, so clients built
 * for Rivet see the same codes (`actor.not_found`, `namespace.not_found`, ...).
 */
export class EngineError extends Error {
  override readonly name = "EngineError";

  constructor(
    readonly group: string,
    readonly code: string,
    message: string,
    readonly status: number,
    readonly metadata: Record<string, unknown> | null = null,
  ) {
    super(message);
  }

  /** `group.code`, the stable identifier of this kind of failure. */
  get id(): string {
    return `${this.group}.${this.code}`;
  }

  /** The JSON body of an error response. */
  toBody(): { group: string; code: string; message: string; metadata: Record<string, unknown> | null } {
    return { group: this.group, code: this.code, message: this.message, metadata: this.metadata };
  }

  /**
   * Normalises anything thrown into an EngineError. Unexpected errors become a 500
   * `core.internal_error` whose message does not leak internals; the caller logs the original.
   */
  static from(thrown: unknown): EngineError {
    if (thrown instanceof EngineError) return thrown;
    return new EngineError("core", "internal_error", "An internal error occurred.", 500);
  }
}
