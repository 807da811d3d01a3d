import * as rivetErrors from "rivetkit/errors";
import { describe, expect, it } from "vitest";
import { ACTOR_ERROR_CODES, ActorError, INTERNAL_ERROR_MESSAGE } from "./actor-error.js";
import { clientMessages } from "./client-encoding/messages.js";

describe("ActorError", () => {
  it("carries group, code, message, metadata and actor", () => {
    const actor = { actorId: "a1", generation: 2n, key: "k" };
    const error = new ActorError("user", "out_of_stock", "No more widgets", { metadata: { left: 0 }, actor });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ActorError");
    expect(error.id).toBe("user.out_of_stock");
    expect(error.toWire()).toEqual({ group: "user", code: "out_of_stock", message: "No more widgets", metadata: { left: 0 }, actor });
  });

  it("from() keeps an ActorError as it is", () => {
    const error = new ActorError("queue", "full", "Queue is full");
    expect(ActorError.from(error)).toBe(error);
  });

  it.each([new Error("db password is hunter2"), "a string", 42, null, undefined, { group: "x", code: "y", message: "z" }])(
    "from(%j) becomes actor.internal_error and keeps the details off the wire",
    (thrown) => {
      const error = ActorError.from(thrown);
      expect(error.group).toBe("actor");
      expect(error.code).toBe("internal_error");
      expect(error.message).toBe(INTERNAL_ERROR_MESSAGE);
      expect(error.cause).toBe(thrown);
      const wire = error.toWire();
      expect(wire).toEqual({ group: "actor", code: "internal_error", message: "An internal error occurred" });
      expect(JSON.stringify(wire)).not.toContain("hunter2");
    },
  );

  it("round-trips through an HttpResponseError in every encoding", () => {
    const error = new ActorError("user", "bad", "Bad input", { metadata: { field: "x", n: 1n }, actor: { actorId: "a", generation: 1n, key: null } });
    for (const encoding of ["json", "cbor", "bare"] as const) {
      const wire = clientMessages.HttpResponseError.encode(error.toWire(), encoding);
      const back = ActorError.fromWire(clientMessages.HttpResponseError.decode(wire, encoding).value);
      expect(back.toWire()).toEqual(error.toWire());
    }
  });

  it("names the well-known codes the way rivetkit does", () => {
    expect(ACTOR_ERROR_CODES.internalError).toEqual({ group: "actor", code: "internal_error" });
    expect(ACTOR_ERROR_CODES.actionNotFound).toEqual({ group: "actor", code: "action_not_found" });
    expect(ACTOR_ERROR_CODES.forbidden).toEqual({ group: "auth", code: "forbidden" });
    expect(ACTOR_ERROR_CODES.queueFull).toEqual({ group: "queue", code: "full" });
    const ids = Object.values(ACTOR_ERROR_CODES).map((c) => `${c.group}.${c.code}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("agrees with rivetkit's own error constructors (the oracle)", () => {
    const pick = (e: { group: string; code: string }) => ({ group: e.group, code: e.code });
    expect(ACTOR_ERROR_CODES.internalError.code).toBe(rivetErrors.INTERNAL_ERROR_CODE);
    expect(INTERNAL_ERROR_MESSAGE).toBe(rivetErrors.INTERNAL_ERROR_DESCRIPTION);
    expect(ACTOR_ERROR_CODES.userError.code).toBe(rivetErrors.USER_ERROR_CODE);
    expect(pick(rivetErrors.forbiddenError())).toEqual(ACTOR_ERROR_CODES.forbidden);
    expect(pick(rivetErrors.actorNotFound())).toEqual(ACTOR_ERROR_CODES.notFound);
    expect(pick(rivetErrors.invalidRequest("x"))).toEqual(ACTOR_ERROR_CODES.invalidRequest);
    expect(pick(rivetErrors.internalError("x"))).toEqual(ACTOR_ERROR_CODES.internalError);
    expect(pick(new rivetErrors.UserError("x"))).toEqual(ACTOR_ERROR_CODES.userError);
  });
});
