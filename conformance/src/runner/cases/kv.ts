/**
 * KV cases (`rivet-protocol.md` §1.6). The kv-probe actor performs the operation each request
 * body names; the harness answers the runner's KV request from its model store and checks both
 * directions: the request carries exactly the keys, values and query that were asked for, and
 * the actor's answer is the model's answer as the runner must read it back (a get in request
 * order with nulls for missing keys, a list in the engine's order).
 */
import { runner } from "@actorwire/protocol";
import type { ActorRef, CaseContext, RunnerCase } from "../context.js";
import { toBytes } from "../kv-model.js";

type KvRequestData = runner.v7.KvRequestData;
/** Each KV request kind's payload, by tag. */
type KvPayload = { [K in KvRequestData as K["tag"]]: K["val"] };

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array | ArrayBuffer): string => Buffer.from(toBytes(bytes)).toString("hex");
const h = (text: string): string => hex(encoder.encode(text));

/** Puts entries straight into the actor's model store (the engine's KV). */
function seed(ctx: CaseContext, actor: ActorRef, entries: Record<string, string>): void {
  for (const [k, v] of Object.entries(entries)) ctx.engine.kv(actor.actorId).put(encoder.encode(k), encoder.encode(v));
}

/** One kv-probe call: its HTTP answer and the KV requests the runner sent meanwhile. */
async function probe(ctx: CaseContext, actor: ActorRef, body: Record<string, unknown>): Promise<{ status: number; json: any; requests: runner.v7.ToServerKvRequest[] }> {
  const since = ctx.engine.trace.mark;
  const { status, json } = await ctx.json(actor.actorId, "POST", "/kv", body);
  const requests = ctx.engine.trace.collect(since, (e) => (e.kind === "recv" && e.message.tag === "ToServerKvRequest" ? e.message.val : undefined));
  return { status, json, requests };
}

/** The single KV request of a probe call, of the expected kind, for the right actor. */
function single<T extends KvRequestData["tag"]>(ctx: CaseContext, actor: ActorRef, requests: runner.v7.ToServerKvRequest[], tag: T): KvPayload[T] {
  ctx.check(requests.length === 1, `the runner sent ${requests.length} KV requests for one operation: ${requests.map((r) => r.data.tag).join(", ")}`);
  const request = requests[0]!;
  ctx.check(request.actorId === actor.actorId, `the KV request names actor ${request.actorId}, not ${actor.actorId}`);
  ctx.check(request.data.tag === tag, `the KV request is ${request.data.tag}, not ${tag}`);
  return request.data.val as KvPayload[T];
}

function sameList(ctx: CaseContext, what: string, actual: readonly (ArrayBuffer | Uint8Array)[], expected: readonly string[]): void {
  const got = actual.map(hex);
  ctx.check(JSON.stringify(got) === JSON.stringify(expected), `${what}: ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
}

function ok(ctx: CaseContext, status: number, json: unknown): void {
  ctx.check(status === 200, `POST /kv answered ${status}: ${JSON.stringify(json)}`);
}

function modelKeys(ctx: CaseContext, actor: ActorRef): string[] {
  return ctx.engine.kv(actor.actorId).sorted().map(([k]) => hex(k));
}

const SEED = { a1: "v-a1", a2: "v-a2", ab: "v-ab", b1: "v-b1", b2: "v-b2" };

function listCase(name: string, description: string, query: Record<string, unknown>, options: { reverse?: boolean; limit?: number }, expected: string[], checkQuery: (ctx: CaseContext, q: runner.v7.KvListRequest) => void): RunnerCase {
  return {
    name,
    level: "required",
    description,
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      seed(ctx, actor, SEED);
      const { status, json, requests } = await probe(ctx, actor, { op: "list", query, ...options });
      ok(ctx, status, json);
      const request = single(ctx, actor, requests, "KvListRequest");
      checkQuery(ctx, request);
      ctx.check((request.reverse ?? false) === (options.reverse ?? false), `reverse is ${request.reverse}, asked ${options.reverse}`);
      if (options.limit !== undefined) ctx.check(request.limit === BigInt(options.limit), `limit is ${request.limit}, asked ${options.limit}`);
      else ctx.check(request.limit === null || request.limit >= 16384n, `limit ${request.limit} was sent though none was asked`);
      const entries = (json as { entries: [string, string][] }).entries;
      const want = expected.map((k) => [h(k), h(SEED[k as keyof typeof SEED])]);
      ctx.check(JSON.stringify(entries) === JSON.stringify(want), `the actor got ${JSON.stringify(entries)}, the engine answered ${JSON.stringify(want)}`);
    },
  };
}

export const kvCases: RunnerCase[] = [
  {
    name: "kv/get",
    level: "required",
    description: "A get sends the keys as asked and maps the engine's answer (existing keys only, in key order) back to the requested order, null for missing keys.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      seed(ctx, actor, { a: "1", b: "2", c: "3" });
      const keys = [h("c"), h("zz"), h("a")];
      const { status, json, requests } = await probe(ctx, actor, { op: "get", keys });
      ok(ctx, status, json);
      sameList(ctx, "the KvGetRequest keys", single(ctx, actor, requests, "KvGetRequest").keys, keys);
      const values = (json as { values: (string | null)[] }).values;
      ctx.check(JSON.stringify(values) === JSON.stringify([h("3"), null, h("1")]), `the actor got ${JSON.stringify(values)} for keys c, zz, a`);
    },
  },
  {
    name: "kv/put",
    level: "required",
    description: "A put sends every key and value byte for byte, in order, in one KvPutRequest.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      const entries = [[h("k2"), h("second")], [h("k1"), h("first")], [h(""), h("empty key")], [h("k3"), ""]];
      const { status, json, requests } = await probe(ctx, actor, { op: "put", entries });
      ok(ctx, status, json);
      const put = single(ctx, actor, requests, "KvPutRequest");
      sameList(ctx, "keys", put.keys, entries.map(([k]) => k!));
      sameList(ctx, "values", put.values, entries.map(([, v]) => v!));
    },
  },
  {
    name: "kv/delete",
    level: "required",
    description: "A delete sends the keys as asked; the engine's KvDeleteResponse completes it.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      seed(ctx, actor, { a: "1", b: "2" });
      const keys = [h("a"), h("missing")];
      const { status, json, requests } = await probe(ctx, actor, { op: "delete", keys });
      ok(ctx, status, json);
      sameList(ctx, "the KvDeleteRequest keys", single(ctx, actor, requests, "KvDeleteRequest").keys, keys);
      ctx.check(JSON.stringify(modelKeys(ctx, actor)) === JSON.stringify([h("b")]), `the store holds ${modelKeys(ctx, actor)}`);
    },
  },
  {
    name: "kv/delete-range",
    level: "required",
    description: "A deleteRange sends KvDeleteRangeRequest with start and end as asked, and accepts KvDeleteResponse (v7 has no delete-range response of its own).",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      seed(ctx, actor, SEED);
      const { status, json, requests } = await probe(ctx, actor, { op: "deleteRange", start: h("a"), end: h("b") });
      ok(ctx, status, json);
      const request = single(ctx, actor, requests, "KvDeleteRangeRequest");
      ctx.check(hex(request.start) === h("a") && hex(request.end) === h("b"), `start ${hex(request.start)}, end ${hex(request.end)}`);
      ctx.check(JSON.stringify(modelKeys(ctx, actor)) === JSON.stringify([h("b1"), h("b2")]), `the store holds ${modelKeys(ctx, actor)}`);
    },
  },
  {
    name: "kv/drop",
    level: "required",
    description: "A drop sends KvDropRequest and completes on KvDropResponse.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      seed(ctx, actor, SEED);
      const { status, json, requests } = await probe(ctx, actor, { op: "drop" });
      ok(ctx, status, json);
      single(ctx, actor, requests, "KvDropRequest");
      ctx.check(modelKeys(ctx, actor).length === 0, "the store is not empty");
    },
  },
  listCase("kv/list-all", "A list of everything sends KvListAllQuery and returns the entries in the engine's order.", { kind: "all" }, {}, ["a1", "a2", "ab", "b1", "b2"], (ctx, q) =>
    ctx.check(q.query.tag === "KvListAllQuery", `query ${q.query.tag}`),
  ),
  listCase("kv/list-prefix", "A prefix list sends KvListPrefixQuery with the prefix as asked.", { kind: "prefix", prefix: h("a") }, {}, ["a1", "a2", "ab"], (ctx, q) =>
    ctx.check(q.query.tag === "KvListPrefixQuery" && hex(q.query.val.key) === h("a"), `query ${q.query.tag}`),
  ),
  listCase("kv/list-range", "A range list sends KvListRangeQuery with start, end and exclusive=false; the end is included.", { kind: "range", start: h("a1"), end: h("b1"), exclusive: false }, {}, ["a1", "a2", "ab", "b1"], (ctx, q) =>
    ctx.check(q.query.tag === "KvListRangeQuery" && hex(q.query.val.start) === h("a1") && hex(q.query.val.end) === h("b1") && !q.query.val.exclusive, `query ${q.query.tag}`),
  ),
  listCase("kv/list-range-exclusive", "A range list with exclusive=true says so; the end is left out.", { kind: "range", start: h("a1"), end: h("b1"), exclusive: true }, {}, ["a1", "a2", "ab"], (ctx, q) =>
    ctx.check(q.query.tag === "KvListRangeQuery" && q.query.val.exclusive, `query ${q.query.tag} without exclusive`),
  ),
  listCase("kv/list-range-reverse", "A reversed range list sends reverse=true and keeps the engine's (descending) order.", { kind: "range", start: h("a1"), end: h("b1"), exclusive: false }, { reverse: true }, ["b1", "ab", "a2", "a1"], (ctx, q) =>
    ctx.check(q.query.tag === "KvListRangeQuery", `query ${q.query.tag}`),
  ),
  listCase("kv/list-limit", "A list with a limit sends it.", { kind: "all" }, { limit: 2 }, ["a1", "a2"], (ctx, q) => ctx.check(q.query.tag === "KvListAllQuery", `query ${q.query.tag}`)),
  {
    name: "kv/limits-at-max",
    level: "required",
    description: "Binary keys (00, ff, 80 bytes), a key at the engine's 2048-byte limit (2046 raw bytes plus 2 of tuple encoding), a 128 KiB value and 128 keys in one put travel unchanged both ways.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      // The engine measures a key tuple-encoded: its raw length plus 2 when it has no 00 bytes.
      const longKey = "6b".repeat(2046);
      const bigValue = "a5".repeat(128 * 1024);
      const entries: [string, string][] = [["00ff80", "ff00"], [longKey, bigValue], ...Array.from({ length: 126 }, (_, i): [string, string] => [h(`many-${String(i).padStart(3, "0")}`), h(String(i))])];
      const put = await probe(ctx, actor, { op: "put", entries });
      ok(ctx, put.status, put.json);
      const request = single(ctx, actor, put.requests, "KvPutRequest");
      sameList(ctx, "keys", request.keys, entries.map(([k]) => k));
      sameList(ctx, "values", request.values, entries.map(([, v]) => v));
      const got = await probe(ctx, actor, { op: "get", keys: ["00ff80", longKey] });
      ok(ctx, got.status, got.json);
      const values = (got.json as { values: (string | null)[] }).values;
      ctx.check(values[0] === "ff00" && values[1] === bigValue, `values read back differ (${values.map((v) => (v === null ? "null" : `${v.length / 2} B`)).join(", ")})`);
    },
  },
  {
    name: "kv/limits-one-over",
    level: "required",
    description: "One over each KV limit (a 2047-byte key, a 128 KiB + 1 value, 129 keys, a put over 976 KiB) fails the operation, whether the runner refuses it itself or the engine answers KvErrorResponse; nothing is stored.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      const attempts: [string, Record<string, unknown>][] = [
        ["a 2047-byte key", { op: "put", entries: [["6b".repeat(2047), "00"]] }],
        ["a 128 KiB + 1 value", { op: "put", entries: [[h("v"), "a5".repeat(128 * 1024 + 1)]] }],
        ["129 keys in a put", { op: "put", entries: Array.from({ length: 129 }, (_, i) => [h(`k${i}`), "00"]) }],
        ["129 keys in a get", { op: "get", keys: Array.from({ length: 129 }, (_, i) => h(`k${i}`)) }],
        ["a put of 8 values of 125 KiB (over 976 KiB)", { op: "put", entries: Array.from({ length: 8 }, (_, i) => [h(`p${i}`), "a5".repeat(125 * 1024)]) }],
      ];
      for (const [what, body] of attempts) {
        const { status, json } = await probe(ctx, actor, body);
        ctx.check(status === 500, `${what}: kv-probe answered ${status} ${JSON.stringify(json).slice(0, 200)}`);
      }
      ctx.check(modelKeys(ctx, actor).length === 0, `the store holds ${modelKeys(ctx, actor).length} keys`);
    },
  },
  {
    name: "kv/error-response",
    level: "required",
    description: "A KvErrorResponse fails the operation (kv-probe answers 500 with the engine's message); it is never taken as success.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      ctx.engine.kvManual = true;
      const answer = ctx.json(actor.actorId, "POST", "/kv", { op: "get", keys: [h("x")] });
      const pending = await ctx.waitFor(() => ctx.engine.pendingKv[0], "the KV request", 10_000);
      ctx.engine.answerKv(pending, { tag: "KvErrorResponse", val: { message: "conformance: quota exceeded" } });
      const { status, json } = await answer;
      ctx.check(status === 500, `kv-probe answered ${status} ${JSON.stringify(json)} after a KvErrorResponse`);
      ctx.check(String((json as { error?: unknown }).error).includes("conformance: quota exceeded"), `the error does not carry the engine's message: ${JSON.stringify(json)}`);
    },
  },
  {
    name: "kv/out-of-order-responses",
    level: "required",
    description: "KV responses are matched to requests by requestId, not by order: two concurrent gets answered in reverse order each get their own values.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      seed(ctx, actor, { first: "1", second: "2" });
      ctx.engine.kvManual = true;
      const one = ctx.json(actor.actorId, "POST", "/kv", { op: "get", keys: [h("first")] });
      const two = ctx.json(actor.actorId, "POST", "/kv", { op: "get", keys: [h("second")] });
      await ctx.waitFor(() => (ctx.engine.pendingKv.length >= 2 ? true : undefined), "two KV requests", 10_000);
      const [p1, p2] = [...ctx.engine.pendingKv];
      ctx.engine.answerKv(p2!);
      ctx.engine.answerKv(p1!);
      const [r1, r2] = [await one, await two];
      ctx.check(r1.json.values?.[0] === h("1") && r2.json.values?.[0] === h("2"), `answers crossed: first got ${JSON.stringify(r1.json)}, second got ${JSON.stringify(r2.json)}`);
    },
  },
  {
    name: "kv/request-ids-unique",
    level: "required",
    description: "Twenty concurrent KV operations carry twenty different request IDs.",
    async run(ctx) {
      const actor = await ctx.started("kv-probe");
      const since = ctx.engine.trace.mark;
      const calls = Array.from({ length: 20 }, (_, i) => ctx.json(actor.actorId, "POST", "/kv", { op: "put", entries: [[h(`k${i}`), h(`v${i}`)]] }));
      for (const call of calls) ok(ctx, (await call).status, "");
      const ids = ctx.engine.trace.collect(since, (e) => (e.kind === "recv" && e.message.tag === "ToServerKvRequest" ? e.message.val.requestId : undefined));
      ctx.check(ids.length === 20 && new Set(ids).size === 20, `request IDs: ${ids.join(", ")}`);
      ctx.check(modelKeys(ctx, actor).length === 20, `the store holds ${modelKeys(ctx, actor).length} keys, not 20`);
    },
  },
  {
    name: "kv/actor-isolation",
    level: "required",
    description: "Each actor's KV requests name that actor: a key put by one actor is not seen by another.",
    async run(ctx) {
      const a = await ctx.started("kv-probe");
      const b = await ctx.started("kv-probe");
      ok(ctx, (await probe(ctx, a, { op: "put", entries: [[h("shared"), h("from-a")]] })).status, "");
      const got = await probe(ctx, b, { op: "get", keys: [h("shared")] });
      single(ctx, b, got.requests, "KvGetRequest");
      ctx.check(got.json.values?.[0] === null, `actor b read ${JSON.stringify(got.json)}`);
    },
  },
  {
    name: "kv/counter-survives-restart",
    level: "required",
    description: "The counter actor's KV (key \"count\") outlives a stop and a new generation: it counts on from where it was.",
    async run(ctx) {
      const first = await ctx.started("counter");
      for (let i = 1; i <= 3; i++) {
        const { json } = await ctx.json(first.actorId, "POST", "/increment");
        ctx.check(json.count === i, `increment ${i} answered ${JSON.stringify(json)}`);
      }
      ctx.stop(first);
      await ctx.waitStopped(first);
      const value = ctx.engine.kv(first.actorId).get(encoder.encode("count"));
      ctx.check(value !== undefined && new TextDecoder().decode(value) === "3", `the store holds count=${value === undefined ? "nothing" : new TextDecoder().decode(value)}`);
      const second = await ctx.started("counter", { actorId: first.actorId, generation: 1 });
      const { json } = await ctx.json(second.actorId, "GET", "/count");
      ctx.check(json.count === 3, `generation 1 reads count ${JSON.stringify(json)}`);
    },
  },
];
