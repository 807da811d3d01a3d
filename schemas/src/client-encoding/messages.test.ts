import { describe, expect, it } from "vitest";
import { ProtocolError, VersionError } from "../errors.js";
import { clientMessages } from "./messages.js";
import { contentTypeFor, parseEncoding } from "./encoding.js";

/** Exact shapes of each message in json and cbor, as rivetkit's client writes and reads them. */

describe("json shapes", () => {
  it("ToServer.ActionRequest is {body:{tag,val}} with the id as a $BigInt and args inline", () => {
    const text = clientMessages.ToServer.encode(
      { tag: "ActionRequest", val: { id: 7n, name: "increment", args: [3, 4n, new Uint8Array([1, 2])] } },
      "json",
    );
    expect(text).toBe(
      '{"body":{"tag":"ActionRequest","val":{"id":["$BigInt","7"],"name":"increment","args":[3,["$BigInt","4"],["$Uint8Array","AQI="]]}}}',
    );
    expect(clientMessages.ToServer.decode(text, "json").value).toEqual({
      tag: "ActionRequest",
      val: { id: 7n, name: "increment", args: [3, 4n, new Uint8Array([1, 2])] },
    });
  });

  it("ToClient.Error leaves out absent metadata and actor, keeps a null actionId and omits a null key", () => {
    expect(
      clientMessages.ToClient.encode({ tag: "Error", val: { group: "g", code: "c", message: "m", actionId: null } }, "json"),
    ).toBe('{"body":{"tag":"Error","val":{"group":"g","code":"c","message":"m","actionId":null}}}');
    expect(
      clientMessages.ToClient.encode(
        {
          tag: "Error",
          val: { group: "g", code: "c", message: "m", metadata: { a: 1 }, actionId: 2n, actor: { actorId: "a", generation: 1n, key: null } },
        },
        "json",
      ),
    ).toBe(
      '{"body":{"tag":"Error","val":{"group":"g","code":"c","message":"m","metadata":{"a":1},"actionId":["$BigInt","2"],"actor":{"actorId":"a","generation":1}}}}',
    );
  });

  it("user arrays that look like tags are escaped and come back unchanged", () => {
    const value = { output: ["$BigInt", "1"] };
    const text = clientMessages.HttpActionResponse.encode(value, "json");
    expect(text).toBe('{"output":["$$BigInt","1"]}');
    expect(clientMessages.HttpActionResponse.decode(text, "json").value).toEqual(value);
  });
});

describe("lenient reading of json and cbor", () => {
  it("accepts plain numbers for ids and generations, and a null or missing key", () => {
    const text =
      '{"body":{"tag":"Error","val":{"group":"g","code":"c","message":"m","actionId":3,"actor":{"actorId":"a","generation":2,"key":null}}}}';
    expect(clientMessages.ToClient.decode(text, "json").value).toEqual({
      tag: "Error",
      val: { group: "g", code: "c", message: "m", actionId: 3n, actor: { actorId: "a", generation: 2n, key: null } },
    });
    expect(clientMessages.HttpResponseError.decode('{"group":"g","code":"c","message":"m","actor":{"actorId":"a","generation":1}}', "json").value).toEqual({
      group: "g",
      code: "c",
      message: "m",
      actor: { actorId: "a", generation: 1n, key: null },
    });
  });

  it("treats a missing actionId as a connection-wide error and ignores unknown fields", () => {
    expect(clientMessages.ToClient.decode('{"body":{"tag":"Error","val":{"group":"g","code":"c","message":"m","extra":1}}}', "json").value).toEqual({
      tag: "Error",
      val: { group: "g", code: "c", message: "m", actionId: null },
    });
  });

  it("reads a json body sent as bytes, and a cbor frame whose $-array rivetkit left unescaped", () => {
    const bytes = new TextEncoder().encode('{"args":[["$BigInt","5"]]}');
    expect(clientMessages.HttpActionRequest.decode(bytes, "json").value).toEqual({ args: [5n] });
    // rivetkit's cbor writer sends ["$x", 1] as it is; it is read back as the same array.
    const cbor = new Uint8Array(Buffer.from("b900016461726773818262247801", "hex"));
    expect(clientMessages.HttpActionRequest.decode(cbor, "cbor").value).toEqual({ args: [["$x", 1]] });
  });

  it("refuses ids outside the u64 range and negative timeouts", () => {
    expect(() => clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id: -1n, name: "x", args: [] } }, "json")).toThrow(
      expect.objectContaining({ code: "invalid_value" }),
    );
    expect(() => clientMessages.ToServer.encode({ tag: "ActionRequest", val: { id: 1n << 64n, name: "x", args: [] } }, "bare")).toThrow(
      expect.objectContaining({ code: "invalid_value" }),
    );
    expect(() => clientMessages.HttpQueueSendRequest.encode({ body: 1, timeout: -5 }, "bare")).toThrow(
      expect.objectContaining({ code: "invalid_value" }),
    );
    expect(() => clientMessages.ToServer.decode('{"body":{"tag":"ActionRequest","val":{"id":["$BigInt","18446744073709551616"],"name":"x","args":[]}}}', "json")).toThrow(
      expect.objectContaining({ code: "malformed" }),
    );
  });
});

describe("cbor", () => {
  it("writes ids as 64-bit integers so rivetkit's reader sees bigints", () => {
    const bytes = clientMessages.ToClient.encode({ tag: "ActionResponse", val: { id: 1n, output: 8 } }, "cbor") as Uint8Array;
    expect(Buffer.from(bytes).toString("hex")).toBe(
      "b90001" + "64626f6479" + "b90002" + "63746167" + "6e416374696f6e526573706f6e7365" + "6376616c" + "b90002" + "626964" + "1b0000000000000001" + "666f7574707574" + "08",
    );
    expect(clientMessages.ToClient.decode(bytes, "cbor").value).toEqual({ tag: "ActionResponse", val: { id: 1n, output: 8 } });
  });
});

describe("bare", () => {
  it("answers in the version asked for, and reports the version it read", () => {
    const init = { tag: "Init", val: { actorId: "a", connectionId: "c" } } as const;
    const v1 = clientMessages.ToClient.encode(init, "bare", 1) as Uint8Array;
    expect([v1[0], v1[1]]).toEqual([1, 0]);
    expect(clientMessages.ToClient.decode(v1, "bare")).toEqual({ value: init, version: 1 });
  });

  it("refuses unknown versions with a VersionError", () => {
    expect(() => clientMessages.ToServer.decode(new Uint8Array([9, 0, 1]), "bare")).toThrow(VersionError);
    expect(() => clientMessages.HttpQueueSendRequest.encode({ body: 1 }, "bare", 2)).toThrow(VersionError);
  });
});

describe("bad input", () => {
  it.each([
    ["json", "{"],
    ["json", '{"body":{"tag":"Nope","val":{}}}'],
    ["json", '{"body":{"tag":"ActionRequest","val":{"id":-1,"name":"x","args":[]}}}'],
    ["json", '{"body":{"tag":"ActionRequest","val":{"id":["$Weird",1],"name":"x","args":[]}}}'],
    ["json", new Uint8Array([0xff, 0xfe])],
    ["cbor", new Uint8Array([0x82])],
    ["cbor", new Uint8Array([])],
    ["cbor", "text"],
    ["bare", new Uint8Array([4])],
    ["bare", new Uint8Array([4, 0, 0, 0])],
  ] as const)("%s %j is a ProtocolError", (encoding, data) => {
    expect(() => clientMessages.ToServer.decode(data, encoding)).toThrow(ProtocolError);
  });

  it("refuses inputs over 32 MiB before reading them", () => {
    const big = new Uint8Array(32 * 1024 * 1024 + 1);
    for (const encoding of ["json", "cbor", "bare"] as const) {
      try {
        clientMessages.HttpActionRequest.decode(big, encoding);
        expect.unreachable();
      } catch (thrown) {
        expect(thrown).toBeInstanceOf(ProtocolError);
        expect((thrown as ProtocolError).code).toBe("too_large");
      }
    }
  });

  it("refuses values an encoding cannot carry with protocol.invalid_value", () => {
    const bad = [() => 1, Symbol("s"), new (class Foo {})()];
    for (const output of bad) {
      for (const encoding of ["json", "cbor", "bare"] as const) {
        expect(() => clientMessages.HttpActionResponse.encode({ output }, encoding)).toThrow(
          expect.objectContaining({ code: "invalid_value" }),
        );
      }
    }
    expect(() => clientMessages.HttpActionResponse.encode({ output: new Map() }, "json")).toThrow(
      expect.objectContaining({ code: "invalid_value" }),
    );
  });
});

describe("encoding helpers", () => {
  it("maps encodings to content types and headers to encodings", () => {
    expect(contentTypeFor("json")).toBe("application/json");
    expect(contentTypeFor("cbor")).toBe("application/octet-stream");
    expect(contentTypeFor("bare")).toBe("application/octet-stream");
    expect(parseEncoding("bare")).toBe("bare");
    expect(parseEncoding("cbor")).toBe("cbor");
    expect(parseEncoding(undefined)).toBe("json");
    expect(parseEncoding("yaml")).toBe("json");
  });
});
