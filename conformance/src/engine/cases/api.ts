/**
 * `engine/api/…`: the public HTTP API (namespaces, actors by name and key and by ID,
 * get-or-create, destroy, runners, validation errors), called with plain `fetch` as any client
 * would.
 */
import type { ActorCreateBody, ApiAnswer } from "../engine-api.js";
import { type EngineCase, type EngineCaseContext, show } from "../context.js";
import { actorError, call } from "./helpers.js";

function createBody(ctx: EngineCaseContext, key: string | null, name = "counter"): ActorCreateBody {
  return { name, key, runner_name_selector: ctx.runnerName, crash_policy: "sleep" };
}

function ok<T>(ctx: EngineCaseContext, answer: ApiAnswer<T>, what: string): T {
  ctx.check(answer.status === 200, `${what} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.body;
}

/** Checks a refusal: a 4xx whose JSON body names the error (`group` and `code`). */
function refused(ctx: EngineCaseContext, answer: ApiAnswer, what: string): { group: string; code: string } {
  ctx.check(answer.status >= 400 && answer.status < 500, `${what}: expected a 4xx refusal, got ${answer.status}: ${answer.text.slice(0, 300)}`);
  const body = (typeof answer.body === "object" && answer.body !== null ? answer.body : {}) as { group?: unknown; code?: unknown };
  ctx.check(
    typeof body.group === "string" && typeof body.code === "string",
    `${what}: the ${answer.status} refusal has no JSON error body with group and code: ${answer.text.slice(0, 300)}`,
  );
  ctx.step(`${what}: ${answer.status} ${String(body.group)}.${String(body.code)}`);
  return { group: String(body.group), code: String(body.code) };
}

export const apiCases: EngineCase[] = [
  {
    area: "api",
    name: "namespaces/list-has-namespace",
    level: "required",
    description: "GET /namespaces lists the namespace the suite runs in.",
    async run(ctx) {
      const body = ok(ctx, await ctx.api.namespaces(), "GET /namespaces");
      ctx.check(Array.isArray(body.namespaces), `GET /namespaces has no namespaces list: ${show(body)}`);
      ctx.check(
        body.namespaces.some((n) => n.name === ctx.settings.namespace),
        `GET /namespaces does not list ${ctx.settings.namespace}: ${show(body.namespaces.map((n) => n.name))}`,
      );
    },
  },
  {
    area: "api",
    name: "namespaces/unknown-namespace-refused",
    level: "required",
    description: "A request in a namespace that does not exist is refused with a 4xx namespace.not_found.",
    async run(ctx) {
      const answer = await ctx.api.request("GET", "/actors", { noNamespace: true, query: { namespace: `nosuch-${ctx.key("ns")[0]!}`, name: "counter" } });
      const error = refused(ctx, answer, "GET /actors in an unknown namespace");
      ctx.equal(`${error.group}.${error.code}`, "namespace.not_found", "the error");
    },
  },
  {
    area: "api",
    name: "actors/create-then-get-by-key",
    level: "required",
    description: "POST /actors creates an actor with a name and key; GET /actors?name=&key= finds exactly it.",
    async run(ctx) {
      const key = ctx.key("api-create")[0]!;
      const { actor } = ok(ctx, await ctx.api.create(createBody(ctx, key)), "POST /actors");
      ctx.check(typeof actor.actor_id === "string" && actor.actor_id.length > 0, `POST /actors returned no actor_id: ${show(actor)}`);
      ctx.equal({ name: actor.name, key: actor.key }, { name: "counter", key }, "the created actor's name and key");
      const listed = ok(ctx, await ctx.api.list({ name: "counter", key }), "GET /actors?name=&key=");
      ctx.equal(
        listed.actors.map((a) => a.actor_id),
        [actor.actor_id],
        "the actors listed for that name and key",
      );
    },
  },
  {
    area: "api",
    name: "actors/get-or-create-idempotent",
    level: "required",
    description: "PUT /actors twice with one name and key creates one actor: the same ID, created true then false.",
    async run(ctx) {
      const key = ctx.key("api-goc")[0]!;
      const first = ok(ctx, await ctx.api.getOrCreate(createBody(ctx, key)), "the first PUT /actors");
      const second = ok(ctx, await ctx.api.getOrCreate(createBody(ctx, key)), "the second PUT /actors");
      ctx.equal(second.actor.actor_id, first.actor.actor_id, "the actor ID of the second PUT");
      ctx.equal([first.created, second.created], [true, false], "created of the two PUTs");
    },
  },
  {
    area: "api",
    name: "actors/concurrent-get-or-create",
    level: "required",
    description:
      "Concurrent PUT /actors with one name and key (ten keys, sixteen requests each) make exactly one actor per key: every answer is a 200 with the same ID and exactly one says created. Ten rounds rather than a few, because a racy engine loses only some of them.",
    async run(ctx) {
      for (let round = 0; round < 10; round++) {
        const key = ctx.key("api-race")[0]!;
        const answers = await Promise.all(Array.from({ length: 16 }, () => ctx.api.getOrCreate(createBody(ctx, key))));
        const bodies = answers.map((a, i) => ok(ctx, a, `concurrent PUT /actors #${i} of key ${key}`));
        ctx.equal(new Set(bodies.map((b) => b.actor.actor_id)).size, 1, `distinct actor IDs among the answers for key ${key}`);
        ctx.equal(bodies.filter((b) => b.created).length, 1, `answers for key ${key} that say created`);
      }
    },
  },
  {
    area: "api",
    name: "actors/create-taken-key-refused",
    level: "required",
    description: "POST /actors with a name and key that already has an actor is refused with a 4xx error body.",
    async run(ctx) {
      const key = ctx.key("api-dup")[0]!;
      ok(ctx, await ctx.api.create(createBody(ctx, key)), "POST /actors");
      refused(ctx, await ctx.api.create(createBody(ctx, key)), "a second POST /actors with the same key");
    },
  },
  {
    area: "api",
    name: "actors/create-for-unknown-runner-name-refused",
    level: "recommended",
    description:
      "POST /actors for a runner name that no runner has ever connected with (and has no runner config) is refused with a 4xx, as Rivet's engine does (actor.no_runner_config_configured), rather than left pending.",
    async run(ctx) {
      const body = { ...createBody(ctx, ctx.key("api-nobody")[0]!), runner_name_selector: `nobody-${ctx.key("runner")[0]!}` };
      refused(ctx, await ctx.api.request("POST", "/actors", { body }), "POST /actors for a runner name never seen");
    },
  },
  {
    area: "api",
    name: "actors/list-by-name",
    level: "required",
    description: "GET /actors?name= lists the actors of that name, whatever their key.",
    async run(ctx) {
      const a = ok(ctx, await ctx.api.create(createBody(ctx, ctx.key("api-name-a")[0]!)), "POST /actors (a)");
      const b = ok(ctx, await ctx.api.create(createBody(ctx, ctx.key("api-name-b")[0]!)), "POST /actors (b)");
      const wanted = [a.actor.actor_id, b.actor.actor_id];
      // Other cases (and runs) have counters too; both new ones must be among those listed,
      // following the pagination cursor.
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < 50 && !wanted.every((id) => seen.has(id)); page++) {
        const listed = ok(ctx, await ctx.api.list({ name: "counter", limit: "100", ...(cursor !== undefined ? { cursor } : {}) }), "GET /actors?name=");
        ctx.check(listed.actors.every((x) => x.name === "counter"), `GET /actors?name=counter listed other names: ${show(listed.actors.map((x) => x.name))}`);
        for (const x of listed.actors) seen.add(x.actor_id);
        cursor = (listed as { pagination?: { cursor?: string | null } }).pagination?.cursor ?? undefined;
        if (cursor === undefined) break;
      }
      ctx.check(wanted.every((id) => seen.has(id)), `GET /actors?name=counter does not list both new actors ${show(wanted)} among ${seen.size}`);
    },
  },
  {
    area: "api",
    name: "actors/list-by-id",
    level: "required",
    description: "GET /actors?actor_ids= returns the actors with those IDs.",
    async run(ctx) {
      const a = ok(ctx, await ctx.api.create(createBody(ctx, ctx.key("api-id-a")[0]!)), "POST /actors (a)");
      const b = ok(ctx, await ctx.api.create(createBody(ctx, ctx.key("api-id-b")[0]!)), "POST /actors (b)");
      const listed = ok(ctx, await ctx.api.list({ actor_ids: `${a.actor.actor_id},${b.actor.actor_id}` }), "GET /actors?actor_ids=a,b");
      ctx.equal(listed.actors.map((x) => x.actor_id).sort(), [a.actor.actor_id, b.actor.actor_id].sort(), "the actors listed for the IDs");
    },
  },
  {
    area: "api",
    name: "actors/destroy-then-not-found",
    level: "required",
    description: "DELETE /actors/{id} destroys a running actor: its key is free again and a client's get() fails with actor.not_found.",
    async run(ctx) {
      const key = ctx.key("api-destroy");
      const handle = ctx.client().getOrCreate("counter", key);
      ctx.equal(await call(handle, "increment", 4), 4, "increment(4) before the destroy");
      const actorId = await handle.resolve();
      ok(ctx, await ctx.api.destroy(actorId), `DELETE /actors/${actorId}`);
      const error = await ctx.rejects(ctx.client().get("counter", key).action({ name: "get", args: [] }), "get() of the destroyed actor");
      ctx.equal(actorError(error), "actor.not_found", "the error of get() after the destroy");
      const listed = ok(ctx, await ctx.api.list({ name: "counter", key: key[0]! }), "GET /actors?name=&key= after the destroy");
      ctx.check(
        listed.actors.every((a) => a.actor_id !== actorId || (a.destroy_ts !== null && a.destroy_ts !== undefined)),
        `the destroyed actor is still listed as alive: ${show(listed.actors)}`,
      );
      const again = ok(ctx, await ctx.api.getOrCreate(createBody(ctx, key[0]!)), "PUT /actors with the freed key");
      ctx.check(again.actor.actor_id !== actorId, `PUT /actors with the freed key returned the destroyed actor ${actorId}`);
    },
  },
  {
    area: "api",
    name: "actors/destroyed-id-not-found",
    level: "required",
    description: "After DELETE /actors/{id}, a second DELETE is either a 200 or a 4xx with an error body, and an action on that ID fails with actor.not_found.",
    async run(ctx) {
      const key = ctx.key("api-destroy-twice")[0]!;
      const { actor } = ok(ctx, await ctx.api.create(createBody(ctx, key)), "POST /actors");
      ok(ctx, await ctx.api.destroy(actor.actor_id), "the first DELETE");
      // An ID of the right shape that was destroyed: engines differ in what they accept as a
      // malformed ID, so the suite only uses real ones.
      const second = await ctx.api.destroy(actor.actor_id);
      if (second.status !== 200) refused(ctx, second, "a second DELETE of the destroyed actor");
      const error = await ctx.rejects(ctx.client().getForId("counter", actor.actor_id).action({ name: "get", args: [] }), "an action on the destroyed actor's ID");
      ctx.equal(actorError(error), "actor.not_found", "the error of an action on the destroyed actor's ID");
    },
  },
  {
    area: "api",
    name: "validation/unknown-field",
    level: "required",
    description: "POST /actors with a field the API does not know is refused with a 4xx error body.",
    async run(ctx) {
      const body = { ...createBody(ctx, ctx.key("api-unknown")[0]!), colour: "blue" };
      refused(ctx, await ctx.api.request("POST", "/actors", { body }), "POST /actors with an unknown field");
    },
  },
  {
    area: "api",
    name: "validation/missing-name",
    level: "required",
    description: "POST /actors without a name is refused with a 4xx error body.",
    async run(ctx) {
      const { name: _name, ...body } = createBody(ctx, ctx.key("api-noname")[0]!);
      refused(ctx, await ctx.api.request("POST", "/actors", { body }), "POST /actors without a name");
    },
  },
  {
    area: "api",
    name: "validation/bad-crash-policy",
    level: "required",
    description: "POST /actors with a crash_policy that is not restart, sleep or destroy is refused with a 4xx error body.",
    async run(ctx) {
      const body = { ...createBody(ctx, ctx.key("api-policy")[0]!), crash_policy: "explode" };
      refused(ctx, await ctx.api.request("POST", "/actors", { body }), "POST /actors with crash_policy explode");
    },
  },
  {
    area: "api",
    name: "validation/malformed-json",
    level: "required",
    description: "POST /actors with a body that is not JSON is refused with a 4xx error body.",
    async run(ctx) {
      refused(ctx, await ctx.api.request("POST", "/actors", { rawBody: "{not json" }), "POST /actors with a malformed body");
    },
  },
  {
    area: "api",
    name: "validation/list-without-filter",
    level: "required",
    description: "GET /actors with neither a name nor actor IDs is refused with a 4xx error body.",
    async run(ctx) {
      refused(ctx, await ctx.api.request("GET", "/actors"), "GET /actors without a filter");
    },
  },
  {
    area: "api",
    name: "validation/get-or-create-without-key",
    level: "required",
    description: "PUT /actors without a key is refused with a 4xx error body.",
    async run(ctx) {
      const { key: _key, ...body } = createBody(ctx, "unused");
      refused(ctx, await ctx.api.request("PUT", "/actors", { body }), "PUT /actors without a key");
    },
  },
  {
    area: "api",
    name: "runners/lists-our-runner",
    level: "required",
    description: "GET /runners?name= lists the suite's connected runner under its runner ID.",
    async run(ctx) {
      const body = ok(ctx, await ctx.api.runners(ctx.runnerName), "GET /runners?name=");
      ctx.check(Array.isArray(body.runners), `GET /runners has no runners list: ${show(body)}`);
      const ours = body.runners.filter((r) => r.name === ctx.runnerName);
      ctx.check(ours.length > 0, `GET /runners?name=${ctx.runnerName} does not list the suite's runner: ${show(body.runners)}`);
      if (ctx.runner.runnerId !== undefined) {
        ctx.check(
          ours.some((r) => r.runner_id === ctx.runner.runnerId),
          `GET /runners does not list runner ${ctx.runner.runnerId}: ${show(ours.map((r) => r.runner_id))}`,
        );
      }
    },
  },
];
