/**
 * What a hostile or careless caller sends to each entry point, as fast-check arbitraries:
 * mostly near misses of valid input (real routes with one part wrong), since those reach
 * deeper than pure noise, plus pure noise.
 */
import * as fc from "fast-check";

/** Path segments: valid-looking, empty, traversal, broken percent-encoding, non-UTF-8, huge. */
export const segment: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom("default", "counter", "canary", "", ".", "..", "%", "%zz", "%e0%a4", "%ed%a0%80", "%00", "%2f", "%ff%fe", "a%20b", "🙂", "\u00ff"),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.stringMatching(/^[0-9a-z]{1,40}$/),
  fc.integer({ min: 1, max: 12_000 }).map((n) => "x".repeat(n)),
);

/** A query string: API and gateway parameters with values of every kind, or noise. */
export const query: fc.Arbitrary<string> = fc.oneof(
  fc.constant(""),
  fc
    .array(
      fc.tuple(
        fc.constantFrom("namespace", "name", "key", "limit", "cursor", "actor_ids", "runner_name", "include_destroyed", "rvt-namespace", "rvt-method", "rvt-key", "rvt-runner", "rvt-input", "rvt-crash-policy", "rvt-token", "rvt-actor", "x"),
        segment,
      ),
      { maxLength: 6 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`),
  fc.string({ maxLength: 40 }).map((s) => `?${s}`),
);

/** Request-targets of the public API: real routes with segments replaced, and malformed targets. */
export const apiTarget: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("/actors", "/actors/{}", "/actors/{}/sleep", "/actors/names", "/namespaces", "/namespaces/{}", "/runners", "/runners/names", "/runner-configs", "/runner-configs/{}", "/metadata", "/health", "/openapi.json", "/{}", "/{}/{}"),
      fc.array(segment, { minLength: 2, maxLength: 2 }),
      query,
    )
    .map(([route, [a, b], q]) => Buffer.from(route.replace("{}", a as string).replace("{}", b as string) + q, "utf8")),
  fc.constantFrom("///", "//", "/%", "*", "http://x/actors", "/actors/%zz", "/actors/%zz/sleep", "/\\", "?", "/actors?%").map((t) => Buffer.from(t, "latin1")),
  fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from("/"), Buffer.from(bytes.filter((b) => b > 0x20 && b !== 0x7f))])),
);

/** Gateway targets: actor IDs, names with query addressing, and actor-relative paths. */
export const gatewayTarget: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.oneof(segment, fc.constant("counter")),
    fc.constantFrom("/action/increment", "/action/get", "/action/echo", "/action/{}", "/queue/{}", "/request/{}", "/connect", "/websocket/{}", "/health", "/metadata", "/inspector/state", "", "/{}/{}"),
    segment,
    query,
  )
  .map(([actor, path, s, q]) => Buffer.from(`/gateway/${actor}${path.replaceAll("{}", s)}${q}`, "utf8"));

/** Methods: the usual ones and a few a parser has to refuse. */
export const method: fc.Arbitrary<string> = fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "FOO", "CONNECT");

/** Headers: content types, encodings, tokens, the gateway's own headers, and odd values. */
export const headers: fc.Arbitrary<[string, string][]> = fc.array(
  fc.tuple(
    fc.constantFrom("content-type", "x-rivet-encoding", "x-rivet-target", "x-rivet-actor", "x-rivet-token", "x-rivet-conn-params", "authorization", "accept", "origin", "x-rivet-namespace", "x-rivet-query"),
    fc.oneof(
      fc.constantFrom("application/json", "application/cbor", "application/octet-stream", "text/plain", "json", "cbor", "bare", "actor", "Bearer x", "*", "null", "{}", "{\"a\":"),
      fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    ),
  ),
  { maxLength: 5 },
);

/** JSON bodies of the API's own shapes with fields of the wrong kind, and any JSON at all. */
const actorBodyFields = fc.record(
  {
    name: fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.constant("counter"), fc.constant("\ud800")),
    key: fc.oneof(fc.string({ maxLength: 20 }), fc.array(fc.string({ maxLength: 5 })), fc.integer(), fc.constant("\udfff"), fc.constant(null)),
    input: fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 20 }), fc.integer(), fc.jsonValue({ maxDepth: 2 })),
    runner_name_selector: fc.oneof(fc.constant("default"), fc.string({ maxLength: 20 }), fc.integer()),
    crash_policy: fc.oneof(fc.constantFrom("restart", "sleep", "destroy"), fc.string({ maxLength: 10 })),
    namespace: fc.oneof(fc.constant("default"), fc.string({ maxLength: 10 })),
    args: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
  },
  { requiredKeys: [] },
);

export const body: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 4, arbitrary: actorBodyFields.map((o) => Buffer.from(JSON.stringify(o), "utf8")) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? "null", "utf8")) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "[", "{\"name\":\"\\ud800\"}", "{\"key\":\"\\udfff\",\"name\":\"counter\",\"runner_name_selector\":\"default\"}", "1e999", "[".repeat(5000)).map((s) => Buffer.from(s, "utf8")) },
);

/** One HTTP request to the public API or the gateway. */
export interface HttpInput {
  readonly method: string;
  readonly target: Buffer;
  readonly headers: [string, string][];
  readonly body: Uint8Array;
}

export const apiRequest: fc.Arbitrary<HttpInput> = fc.record({ method, target: apiTarget, headers, body });
export const gatewayRequest: fc.Arbitrary<HttpInput> = fc.record({ method, target: gatewayTarget, headers, body });

/** Frames for a WebSocket: noise, JSON of any shape, and the client protocol's shapes with parts wrong. */
export const clientFrame: fc.Arbitrary<Uint8Array | string> = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? "null"),
  fc
    .record({
      id: fc.oneof(fc.integer(), fc.bigInt().map(String), fc.string({ maxLength: 5 })),
      name: fc.oneof(fc.constantFrom("increment", "get", "echo", "nope", ""), fc.string({ maxLength: 10 })),
      args: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
      eventName: fc.string({ maxLength: 10 }),
      subscribe: fc.boolean(),
      tag: fc.constantFrom("ActionRequest", "SubscriptionRequest", "Nope", 0, 1, 2),
    })
    .map(({ id, name, args, eventName, subscribe, tag }) =>
      JSON.stringify({ body: { tag, val: tag === "SubscriptionRequest" ? { eventName, subscribe } : { id, name, args } } }),
    ),
  fc.integer({ min: 64 * 1024 - 16, max: 64 * 1024 + 16 }).map((n) => new Uint8Array(n)),
);
