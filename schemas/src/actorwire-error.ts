/**
 * The one error base of actorwire, after connect-es's `ConnectError`: every error that any
 * actorwire package throws on purpose is an {@link ActorwireError} (or a thin subclass that
 * adds a field only where the field is real, like an HTTP status or a byte offset). The kind
 * of failure is data, a stable `group.code` identifier listed in `ERROR_CODES`, so that logs,
 * tests and peers in other languages match on it instead of on message text or class names.
 */

/** A stable error identifier, `group.code` (e.g. `actor.not_found`). */
export type ErrorId = `${string}.${string}`;

/** The options every actorwire error accepts. */
export interface ActorwireErrorOptions {
  /** Structured details that go with the error (sent to a client only where a protocol says so). */
  metadata?: unknown;
  /** The error this one replaces or wraps, kept for logs. */
  cause?: unknown;
}

/**
 * The property every copy of this class puts on its prototype. `Symbol.for` keys are shared by
 * the whole process, so an error built by another copy of this package (two versions installed
 * side by side, or one bundled) still carries it.
 */
const BRAND = Symbol.for("@actorwire/protocol.ActorwireError");

/**
 * The base of every actorwire error. One constructor shape for all of them:
 * `new SomeError(id, message, { metadata, cause })`, where `id` is `"group.code"`.
 */
export class ActorwireError<Id extends ErrorId = ErrorId> extends Error {
  override readonly name: string = "ActorwireError";
  /** The part of {@link id} before the first dot, e.g. `actor`. */
  readonly group: string;
  /** The part of {@link id} after the first dot, e.g. `not_found`. */
  readonly code: string;
  /** Structured details, if any. */
  readonly metadata?: unknown;

  constructor(id: Id, message: string, options: ActorwireErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const dot = id.indexOf(".");
    this.group = id.slice(0, dot);
    this.code = id.slice(dot + 1);
    if (options.metadata !== undefined) this.metadata = options.metadata;
  }

  /** `group.code`, the stable identifier of this kind of failure. */
  get id(): Id {
    return `${this.group}.${this.code}` as Id;
  }

  /**
   * Normalises anything thrown into an actorwire error, as connect-es's `ConnectError.from`
   * does. An actorwire error (of any copy of this package) is returned as it is; an
   * `AbortError` becomes `core.aborted` and a `TimeoutError` (`AbortSignal.timeout`)
   * `core.timed_out`; any other Error becomes `fallbackId` with its message; anything else
   * becomes `fallbackId` with its string form. The original is always the `cause`.
   *
   * The message is copied, so use it only where the thrown error's text may be shown: the
   * subclasses whose errors reach untrusted callers (`ActorError`, the engine's `EngineError`)
   * have their own `from` that replaces the message.
   */
  static from(thrown: unknown, fallbackId: ErrorId): ActorwireError {
    if (isActorwireError(thrown)) return thrown;
    if (thrown instanceof Error) {
      if (thrown.name === "AbortError") return new ActorwireError("core.aborted", thrown.message, { cause: thrown });
      if (thrown.name === "TimeoutError") return new ActorwireError("core.timed_out", thrown.message, { cause: thrown });
      return new ActorwireError(fallbackId, thrown.message, { cause: thrown });
    }
    return new ActorwireError(fallbackId, String(thrown), { cause: thrown });
  }

  /**
   * `instanceof` that also accepts errors built by another copy of this package. The fast path
   * is the prototype chain; failing that, the value must pass {@link isActorwireError} and have
   * a class of the same name on its prototype chain (so `x instanceof ActorError` holds for an
   * `ActorError` of another copy, and `x instanceof ActorwireError` for any of them). Class
   * names are compared, so a bundler that renames classes defeats only the cross-copy path.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (!isActorwireError(value)) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto !== null; proto = Object.getPrototypeOf(proto)) {
      if (Object.hasOwn(proto as object, "constructor") && (proto as { constructor: { name: string } }).constructor.name === this.name) return true;
    }
    return false;
  }
}

Object.defineProperty(ActorwireError.prototype, BRAND, { value: true });

/**
 * True for an actorwire error from any copy of this package, checked by shape (as
 * protobuf-es's `isFieldError`): an Error-like object carrying the shared brand and string
 * `group`, `code` and `message`.
 */
export function isActorwireError(value: unknown): value is ActorwireError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as { [BRAND]?: unknown; group?: unknown; code?: unknown; message?: unknown };
  return v[BRAND] === true && typeof v.group === "string" && typeof v.code === "string" && typeof v.message === "string";
}
