import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { EngineError } from "../errors.js";
import { serializeActorKey } from "@actorwire/protocol";
import { isGatewayPath, parseGatewayPath, parseHeaderTarget, percentDecode } from "./route.js";

const errorCode = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    if (err instanceof EngineError) return `${err.id} ${err.status}`;
    throw err;
  }
  throw new Error("expected an EngineError");
};

describe("direct gateway paths", () => {
  const cases: [string, { actorId: string; token?: string; path: string } | null][] = [
    ["/gateway/abc", { actorId: "abc", path: "/" }],
    ["/gateway/abc/", { actorId: "abc", path: "/" }],
    ["/gateway/abc/some/path", { actorId: "abc", path: "/some/path" }],
    ["/gateway/abc/some/path/?q=1&b=%20x+y", { actorId: "abc", path: "/some/path/?q=1&b=%20x+y" }],
    ["/gateway/abc?q=1", { actorId: "abc", path: "/?q=1" }],
    ["/gateway/abc@tok/x", { actorId: "abc", token: "tok", path: "/x" }],
    ["/gateway/a%2Fb%40c@t%40k%2F/x%2Fy", { actorId: "a/b@c", token: "t@k/", path: "/x%2Fy" }],
    ["/gateway/abc/x#frag", { actorId: "abc", path: "/x" }],
    ["/gateway/abc@/x", null],
    ["/gateway/@tok/x", null],
    ["/gateway", null],
    ["/gateway/", null],
    ["/gateway//abc/x", null],
    ["/gateway/abc//x", null],
    ["/gatewayx/abc", null],
    ["/api/gateway/abc", null],
    ["/gateway/%ff/x", null],
  ];
  for (const [url, expected] of cases) {
    it(`${url}`, () => {
      const target = parseGatewayPath(url);
      if (expected === null) return expect(target).toBeNull();
      expect(target).toEqual({
        mode: "path",
        actor: { kind: "id", actorId: expected.actorId },
        token: expected.token,
        path: expected.path,
        skipReadyWait: false,
      });
    });
  }

  it("keeps a stray % as it is, like Rust's urlencoding", () => {
    expect(percentDecode("a%zz%4")).toBe("a%zz%4");
    expect(percentDecode("%41%e2%82%ac")).toBe("A€");
    expect(percentDecode("%e2%82")).toBeNull();
  });

  it("knows which paths are under /gateway/ for preflights", () => {
    expect(isGatewayPath("/gateway/x/y?z")).toBe(true);
    expect(isGatewayPath("/gateway//x")).toBe(false);
    expect(isGatewayPath("/other")).toBe(false);
  });
});

describe("query gateway paths", () => {
  it("reads get with a compound key and strips rvt-* from the actor's query", () => {
    const target = parseGatewayPath(
      "/gateway/chat%20room/request/x?a=1&rvt-namespace=ns&rvt-method=get&rvt-key=one,t%2Fwo,,b%5Cs&b=%20&rvt-token=t+k",
    );
    expect(target).toEqual({
      mode: "query",
      actor: {
        kind: "query",
        query: { namespace: "ns", name: "chat room", key: "one/t\\/wo/\\0/b\\\\s", method: "get" },
      },
      token: "t k",
      path: "/request/x?a=1&b=%20",
      skipReadyWait: false,
    });
  });

  it("reads getOrCreate with runner, input, crash policy and skip-ready-wait", () => {
    // {"a":1} in CBOR: a1 61 61 01.
    const input = Buffer.from([0xa1, 0x61, 0x61, 0x01]).toString("base64url");
    const target = parseGatewayPath(
      `/gateway/counter?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=pool-a&rvt-input=${input}&rvt-crash-policy=restart&rvt-skip-ready-wait=1&rvt-region=local`,
    );
    expect(target).toEqual({
      mode: "query",
      actor: {
        kind: "query",
        query: {
          namespace: "default",
          name: "counter",
          key: "/",
          method: "getOrCreate",
          runnerName: "pool-a",
          crashPolicy: "restart",
          input: "oWFhAQ==",
        },
      },
      token: undefined,
      path: "/",
      skipReadyWait: true,
    });
  });

  it("prefers rvt-pool to rvt-runner and defaults the crash policy to sleep", () => {
    const target = parseGatewayPath("/gateway/c/x?rvt-namespace=n&rvt-method=getOrCreate&rvt-runner=r&rvt-pool=p&rvt-key=");
    expect(target?.actor).toEqual({
      kind: "query",
      query: { namespace: "n", name: "c", key: "/", method: "getOrCreate", runnerName: "p", crashPolicy: "sleep" },
    });
  });

  const base = "rvt-namespace=n&rvt-method=get";
  const errors: [string, string][] = [
    [`/gateway/c?${base}&rvt-bogus=1`, "guard.query_unknown_param 400"],
    [`/gateway/c?${base}&rvt-key=a&rvt-key=b`, "guard.query_duplicate_param 400"],
    [`/gateway/c?${base}&rvt-input=oWFhAQ`, "guard.query_get_disallowed_params 400"],
    [`/gateway/c?${base}&rvt-runner=r`, "guard.query_get_disallowed_params 400"],
    [`/gateway/c?${base}&rvt-pool=r`, "guard.query_get_disallowed_params 400"],
    [`/gateway/c?${base}&rvt-crash-policy=sleep`, "guard.query_get_disallowed_params 400"],
    [`/gateway/c?${base}&rvt-region=x`, "guard.query_get_disallowed_params 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=getOrCreate", "guard.query_missing_runner_name 400"],
    ["/gateway/c?rvt-method=get", "guard.query_invalid_params 400"],
    ["/gateway/c?rvt-namespace=n", "guard.query_invalid_params 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=list", "guard.query_invalid_params 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=getOrCreate&rvt-runner=r&rvt-crash-policy=never", "guard.query_invalid_params 400"],
    [`/gateway/c?${base}&rvt-skip-ready-wait=yes`, "guard.query_invalid_params 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=getOrCreate&rvt-runner=r&rvt-input=a+b", "guard.query_invalid_base64_input 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=getOrCreate&rvt-runner=r&rvt-input=abcde", "guard.query_invalid_base64_input 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=getOrCreate&rvt-runner=r&rvt-input=_w", "guard.query_invalid_cbor_input 400"],
    ["/gateway/c?rvt-namespace=n&rvt-method=getOrCreate&rvt-runner=r&rvt-input=", "guard.query_invalid_cbor_input 400"],
    [`/gateway/c@tok/x?${base}`, "guard.query_path_token_syntax 400"],
    [`/gateway?${base}`, "guard.query_empty_actor_name 400"],
    [`/gateway/%ff?${base}`, "guard.query_invalid_percent_encoding 400"],
    [`/gateway/c?${base}&rvt-key=%ff`, "guard.query_invalid_percent_encoding 400"],
    [`/gateway/c?${base}&rvt-token`, "guard.query_param_missing_equals 400"],
  ];
  for (const [url, expected] of errors) {
    it(`refuses ${url}`, () => expect(errorCode(() => parseGatewayPath(url))).toBe(expected));
  }

  it("does not switch to query mode for a path with //", () => {
    expect(parseGatewayPath(`/gateway//c?${base}`)).toBeNull();
  });
});

describe("header mode", () => {
  const req = (url: string, headers: Record<string, string>) => ({ url, headers }) as unknown as IncomingMessage;

  it("routes /request paths with x-rivet-target: actor and passes the path through", () => {
    const target = parseHeaderTarget(
      req("/request/a?b=1", { "x-rivet-target": "actor", "x-rivet-actor": "id1", "x-rivet-token": "t", "x-rivet-skip-ready-wait": "true" }),
      false,
    );
    expect(target).toEqual({ mode: "header", actor: { kind: "id", actorId: "id1" }, token: "t", path: "/request/a?b=1", skipReadyWait: true });
    expect(parseHeaderTarget(req("/request", { "x-rivet-target": "actor", "x-rivet-actor": "id1" }), false)?.path).toBe("/request");
    expect(parseHeaderTarget(req("/request?x", { "x-rivet-target": "actor", "x-rivet-actor": "id1" }), false)?.path).toBe("/request?x");
  });

  it("leaves other paths and targets alone", () => {
    expect(parseHeaderTarget(req("/requests", { "x-rivet-target": "actor", "x-rivet-actor": "id1" }), false)).toBeNull();
    expect(parseHeaderTarget(req("/action/x", { "x-rivet-target": "actor", "x-rivet-actor": "id1" }), false)).toBeNull();
    expect(parseHeaderTarget(req("/request", { "x-rivet-target": "runner" }), false)).toBeNull();
    expect(parseHeaderTarget(req("/request", {}), false)).toBeNull();
  });

  it("requires x-rivet-actor", () => {
    expect(errorCode(() => parseHeaderTarget(req("/request", { "x-rivet-target": "actor" }), false))).toBe(
      "guard.missing_header 400",
    );
  });

  it("reads WebSocket subprotocols on any path", () => {
    const target = parseHeaderTarget(
      req("/connect?x=1", {
        "sec-websocket-protocol": "rivet, rivet_target.actor, rivet_actor.a%2Fb, rivet_token.tk, rivet_skip_ready_wait",
      }),
      true,
    );
    expect(target).toEqual({ mode: "header", actor: { kind: "id", actorId: "a/b" }, token: "tk", path: "/connect?x=1", skipReadyWait: true });
    expect(parseHeaderTarget(req("/connect", { "sec-websocket-protocol": "rivet" }), true)).toBeNull();
    expect(errorCode(() => parseHeaderTarget(req("/c", { "sec-websocket-protocol": "rivet_target.actor" }), true))).toBe(
      "guard.missing_header 400",
    );
  });
});

describe("actor keys", () => {
  it("serializes like rivetkit", () => {
    expect(serializeActorKey([])).toBe("/");
    expect(serializeActorKey(["test"])).toBe("test");
    expect(serializeActorKey(["a", "b", "c"])).toBe("a/b/c");
    expect(serializeActorKey(["a/b"])).toBe("a\\/b");
    expect(serializeActorKey(["/"])).toBe("\\/");
    expect(serializeActorKey([""])).toBe("\\0");
    expect(serializeActorKey(["a\\b"])).toBe("a\\\\b");
    expect(serializeActorKey(["a/b", "", "c/d"])).toBe("a\\/b/\\0/c\\/d");
  });
});
