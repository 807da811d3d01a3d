import { describe, expect, it } from "vitest";
import { parseActorKey, serializeActorKey } from "./actor-key.js";

describe("actor keys", () => {
  it.each([[[]], [["a"]], [["a", "b"]], [["with/slash", "back\\slash"]], [[""]], [["", "x", ""]]])("round-trips %j", (parts) => {
    expect(parseActorKey(serializeActorKey(parts))).toEqual(parts);
  });

  it("reads rivetkit's forms", () => {
    expect(parseActorKey(null)).toEqual([]);
    expect(parseActorKey("/")).toEqual([]);
    expect(parseActorKey("org/room\\/1")).toEqual(["org", "room/1"]);
  });
});
