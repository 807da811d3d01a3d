import { describe, expect, it } from "vitest";
import { ActorError } from "./actor-error.js";
import { ActorwireError, isActorwireError } from "./actorwire-error.js";
import { ProtocolError } from "./errors.js";

/**
 * A second copy of the module, as two installed versions of the package would load: Vite
 * treats a different query string as a different module, so its classes are distinct objects.
 */
async function secondCopy(): Promise<{ base: typeof import("./actorwire-error.js"); actor: typeof import("./actor-error.js") }> {
  // Specifiers in variables, since the type checker does not know query strings.
  const baseSpecifier = "./actorwire-error.js?second-copy";
  const actorSpecifier = "./actor-error.js?second-copy";
  const base = (await import(/* @vite-ignore */ baseSpecifier)) as typeof import("./actorwire-error.js");
  const actor = (await import(/* @vite-ignore */ actorSpecifier)) as typeof import("./actor-error.js");
  return { base, actor };
}

describe("ActorwireError", () => {
  it("splits the id into group and code, and keeps metadata and cause", () => {
    const cause = new Error("under");
    const error = new ActorwireError("queue.message_too_large", "too big", { metadata: { size: 3 }, cause });
    expect(error.group).toBe("queue");
    expect(error.code).toBe("message_too_large");
    expect(error.id).toBe("queue.message_too_large");
    expect(error.message).toBe("too big");
    expect(error.metadata).toEqual({ size: 3 });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it("splits at the first dot only", () => {
    const error = new ActorwireError("user.a.b", "m");
    expect([error.group, error.code]).toEqual(["user", "a.b"]);
  });

  it("from() returns an actorwire error as it is, subclasses included", () => {
    const own = new ProtocolError("protocol.malformed", "bad");
    expect(ActorwireError.from(own, "core.internal_error")).toBe(own);
  });

  it("from() maps AbortError and TimeoutError, as connect-es maps them to Canceled and DeadlineExceeded", () => {
    const abort = new DOMException("stopped", "AbortError");
    const aborted = ActorwireError.from(abort, "core.internal_error");
    expect([aborted.id, aborted.message, aborted.cause]).toEqual(["core.aborted", "stopped", abort]);
    const timeout = new DOMException("too slow", "TimeoutError");
    expect(ActorwireError.from(timeout, "core.internal_error").id).toBe("core.timed_out");
  });

  it("from() gives other Errors, strings and anything else the fallback id", () => {
    const plain = new TypeError("nope");
    const fromError = ActorwireError.from(plain, "storage.backend");
    expect([fromError.id, fromError.message, fromError.cause]).toEqual(["storage.backend", "nope", plain]);
    const fromString = ActorwireError.from("oops", "storage.backend");
    expect([fromString.id, fromString.message, fromString.cause]).toEqual(["storage.backend", "oops", "oops"]);
    for (const thrown of [42, null, undefined, { group: "x", code: "y", message: "not branded" }]) {
      const error = ActorwireError.from(thrown, "core.internal_error");
      expect(error.id).toBe("core.internal_error");
      expect(error.cause).toBe(thrown);
    }
  });

  it("isActorwireError accepts every subclass and refuses look-alikes", () => {
    expect(isActorwireError(new ActorwireError("a.b", "m"))).toBe(true);
    expect(isActorwireError(new ActorError("actor.not_found", "m"))).toBe(true);
    expect(isActorwireError(new ProtocolError("protocol.malformed", "m"))).toBe(true);
    for (const value of [new Error("m"), { group: "a", code: "b", message: "m" }, "a.b", null, undefined]) {
      expect(isActorwireError(value)).toBe(false);
    }
  });

  it("instanceof works for errors built by a second copy of the package", async () => {
    const copy = await secondCopy();
    expect(copy.base.ActorwireError).not.toBe(ActorwireError);
    const foreignBase = new copy.base.ActorwireError("core.internal_error", "m");
    const foreignActor = new copy.actor.ActorError("actor.not_found", "m");
    expect(Object.getPrototypeOf(foreignActor)).not.toBe(ActorError.prototype);
    expect(isActorwireError(foreignBase)).toBe(true);
    expect(foreignBase instanceof ActorwireError).toBe(true);
    expect(foreignActor instanceof ActorwireError).toBe(true);
    expect(foreignActor instanceof ActorError).toBe(true);
    expect(ActorError.from(foreignActor)).toBe(foreignActor);
    // The structural path still tells classes apart by name.
    expect(foreignBase instanceof ActorError).toBe(false);
    expect(foreignActor instanceof ProtocolError).toBe(false);
    // And the other copy recognises ours.
    expect(new ActorError("actor.not_found", "m") instanceof copy.actor.ActorError).toBe(true);
  });

  it("ActorError takes rivetkit's (group, code, message, options) form too", () => {
    const error = new ActorError("user", "out_of_stock", "No more", { metadata: { left: 0 } });
    expect([error.id, error.message, error.metadata]).toEqual(["user.out_of_stock", "No more", { left: 0 }]);
    const dotted = new ActorError("a.b", "c", "m");
    expect([dotted.group, dotted.code]).toEqual(["a.b", "c"]);
  });
});
