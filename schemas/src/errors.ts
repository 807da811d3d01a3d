/**
 * The protocol package's own errors, thin subclasses of {@link ActorwireError} that add only
 * what is real: where in the input a decode failed, and which versions a conversion concerned.
 */
import { ActorwireError, type ActorwireErrorOptions } from "./actorwire-error.js";

/** Base of the errors the codecs throw (`protocol.*` and `version.*`), so callers can catch both at once. */
export abstract class ActorwireProtocolError<Id extends ProtocolPackageErrorId = ProtocolPackageErrorId> extends ActorwireError<Id> {}

/** The identifiers of the errors the codecs throw. */
type ProtocolPackageErrorId = `protocol.${string}` | `version.${string}`;

/** Codes of {@link ProtocolError}. */
export type ProtocolErrorCode =
  /** The bytes are not a valid value of the expected type. */
  | "malformed"
  /** The message is larger than the decoder accepts. */
  | "too_large"
  /** A value handed to an encoder does not fit its schema type. */
  | "invalid_value";

/** Options of {@link ProtocolError}. */
export interface ProtocolErrorOptions extends ActorwireErrorOptions {
  /** Where in the input the problem was found; -1 (the default) when it concerns a value being encoded. */
  offset?: number;
}

/** Bytes that do not decode, or a value that cannot be encoded. Carries the byte offset. */
export class ProtocolError extends ActorwireProtocolError<`protocol.${ProtocolErrorCode}`> {
  override readonly name = "ProtocolError";
  declare readonly code: ProtocolErrorCode;
  /** Where in the input the problem was found; -1 when it concerns a value being encoded. */
  readonly offset: number;

  constructor(id: `protocol.${ProtocolErrorCode}`, message: string, options: ProtocolErrorOptions = {}) {
    const offset = options.offset ?? -1;
    super(id, offset >= 0 ? `${message} (at byte ${offset})` : message, options);
    this.offset = offset;
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

/** Which conversion a {@link VersionError} concerns. */
export interface VersionErrorDetails {
  /** The protocol family, e.g. `runner`, `client` or `persist`. */
  family: string;
  /** The message or record type being converted. */
  type: string;
  /** The version the value was in, when known. */
  from?: number;
  /** The version it was to be converted to, when known. */
  to?: number;
}

/** A value or message that cannot be moved to or read at a given protocol version. */
export class VersionError extends ActorwireProtocolError<`version.${VersionErrorCode}`> {
  override readonly name = "VersionError";
  declare readonly code: VersionErrorCode;
  /** Which family, type and versions the failed conversion concerned. */
  readonly details: VersionErrorDetails;

  constructor(id: `version.${VersionErrorCode}`, message: string, options: ActorwireErrorOptions & { details: VersionErrorDetails }) {
    super(id, message, options);
    this.details = options.details;
  }
}

/**
 * Normalises anything thrown into one of our errors, so that callers never have to deal with
 * a bare TypeError or string. Errors that are already ours pass through unchanged.
 */
export function fromUnknown(thrown: unknown, offset = -1): ActorwireProtocolError {
  if (thrown instanceof ActorwireProtocolError) return thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return new ProtocolError("protocol.malformed", message, { offset, cause: thrown });
}
