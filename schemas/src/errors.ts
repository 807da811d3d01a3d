/**
 * The protocol package's errors. Each has a stable `group.code` string so that logs, tests
 * and peers in other languages can match on it instead of on message text.
 */

/** Base class: every error this package throws on purpose is one of these. */
export abstract class ActorwireProtocolError extends Error {
  abstract readonly group: string;
  abstract readonly code: string;

  /** `group.code`, the stable identifier of this kind of failure. */
  get id(): string {
    return `${this.group}.${this.code}`;
  }
}

/** Codes of {@link ProtocolError}. */
export type ProtocolErrorCode =
  /** The bytes are not a valid value of the expected type. */
  | "malformed"
  /** The message is larger than the decoder accepts. */
  | "too_large"
  /** A value handed to an encoder does not fit its schema type. */
  | "invalid_value";

/** Bytes that do not decode, or a value that cannot be encoded. Carries the byte offset. */
export class ProtocolError extends ActorwireProtocolError {
  readonly group = "protocol";
  override readonly name = "ProtocolError";

  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** Where in the input the problem was found; -1 when it concerns a value being encoded. */
    readonly offset: number,
    options?: { cause?: unknown },
  ) {
    super(offset >= 0 ? `${message} (at byte ${offset})` : message, options);
  }
}

/** Codes of {@link VersionError}. */
export type VersionErrorCode =
  /** The version number is not one this package knows. */
  | "unknown_version"
  /** The value uses something the target version cannot express. */
  | "not_expressible"
  /** The message type does not exist in that version. */
  | "type_missing";

/** A value or message that cannot be moved to or read at a given protocol version. */
export class VersionError extends ActorwireProtocolError {
  readonly group = "version";
  override readonly name = "VersionError";

  constructor(
    readonly code: VersionErrorCode,
    message: string,
    readonly details: { family: string; type: string; from?: number; to?: number },
  ) {
    super(message);
  }
}

/**
 * Normalises anything thrown into one of our errors, so that callers never have to deal with
 * a bare TypeError or string. Errors that are already ours pass through unchanged.
 */
export function fromUnknown(thrown: unknown, offset = -1): ActorwireProtocolError {
  if (thrown instanceof ActorwireProtocolError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new ProtocolError("malformed", message, offset, { cause: thrown });
}
