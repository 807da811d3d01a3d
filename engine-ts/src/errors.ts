import { ActorwireError, type ActorwireErrorOptions, type ErrorId } from "@actorwire/protocol";

/** Options of {@link EngineError}: the HTTP status is part of every engine API error. */
export interface EngineErrorOptions extends ActorwireErrorOptions {
  /** The HTTP status the error answers with. */
  status: number;
  metadata?: Record<string, unknown> | null;
}

/**
 * The one error class the engine's API answers with. It crosses the wire as Rivet's error
 * body `{group, code, message, metadata}` with `status` as the HTTP status, so clients built
 * for Rivet see the same codes (`actor.not_found`, `namespace.not_found`, ...).
 */
export class EngineError extends ActorwireError {
  override readonly name = "EngineError";
  declare readonly metadata: Record<string, unknown> | null;
  /** The HTTP status of the error response. */
  readonly status: number;

  constructor(id: ErrorId, message: string, options: EngineErrorOptions) {
    super(id, message, options);
    this.status = options.status;
    this.metadata = options.metadata ?? null;
  }

  /** The JSON body of an error response. */
  toBody(): { group: string; code: string; message: string; metadata: Record<string, unknown> | null } {
    return { group: this.group, code: this.code, message: this.message, metadata: this.metadata };
  }

  /**
   * Normalises anything thrown into an EngineError. Unexpected errors become a 500
   * `core.internal_error` whose message does not leak internals; the caller logs the original.
   */
  static override from(thrown: unknown): EngineError {
    if (thrown instanceof EngineError) return thrown;
    return new EngineError("core.internal_error", "An internal error occurred.", { status: 500 });
  }
}
