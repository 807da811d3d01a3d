import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { ActorCreateInput, Catalog } from "../catalog/catalog.js";
import type { RunnerConfigs } from "../catalog/runner-configs.js";
import { requireAdminToken } from "../auth.js";
import { EngineError } from "../errors.js";
import { readJsonObject } from "./body.js";
import { API_ROUTES, type ApiRoute, type ApiRouteName } from "./definitions.js";
import { openApiDocument } from "./openapi.js";
import { decodePathSegment, parseTarget } from "./target.js";
import { type EnvoyDirectoryView, type RunnerDirectory, summarizeEnvoy, summarizeRunner } from "./runners-routes.js";
import { parseBody, parseQuery } from "./validate.js";

/** What the API needs from the rest of the engine. */
export interface ApiContext {
  readonly catalog: Catalog;
  readonly version: string;
  /** The datacenter label reported for runners. */
  readonly datacenter?: string;
  /** Called when an actor is created, so the lifecycle can place and start it. */
  readonly onActorCreated?: (actorId: string) => void;
  /** Called when an actor is destroyed, so the lifecycle can stop it on its runner. */
  readonly onActorDestroyed?: (actorId: string) => void;
  /** `POST /actors/{id}/sleep`; without it the route answers 501. */
  readonly sleepActor?: (actorId: string) => void;
  /** Live runners, for `GET /runners` and `GET /runners/names`. */
  readonly runners?: RunnerDirectory;
  /** Live envoys, for `GET /envoys`. */
  readonly envoys?: EnvoyDirectoryView;
  /** Declared runner configs (pools); without them the runner-config routes answer 501. */
  readonly runnerConfigs?: RunnerConfigs;
  /** When set, every API route needs this token (`Authorization: Bearer` or `x-rivet-token`). */
  readonly adminToken?: string;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/**
 * The public HTTP API (namespaces and actors) in Rivet's JSON shapes. Returns false when the
 * request is not an API route, so the server can try its other handlers. Every error answers
 * with `{group, code, message, metadata}` and the error's HTTP status.
 */
export function createApiHandler(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    let url: URL;
    let route: Matched | undefined;
    try {
      url = parseTarget(req.url);
      const path = url.pathname.replace(/\/+$/, "") || "/";
      route = matchRoute(req.method ?? "GET", path);
    } catch (thrown) {
      req.resume();
      const error = EngineError.from(thrown);
      send(res, error.status, error.toBody());
      return true;
    }
    if (route === undefined) return false;
    try {
      if (ctx.adminToken !== undefined && route.definition.auth) requireAdminToken(req, ctx.adminToken);
      send(res, 200, await route.serve(ctx, url, req));
    } catch (thrown) {
      const error = EngineError.from(thrown);
      if (!(thrown instanceof EngineError)) console.error("api: unexpected error", thrown);
      // A refused body may not have been read to its end; the connection cannot be reused.
      if (error.status === 413) res.setHeader("connection", "close");
      send(res, error.status, error.toBody());
    }
    return true;
  };
}

/** What a handler gets: the decoded path parameters, and the query and body parsed on demand. */
interface RouteInput<R extends ApiRoute> {
  readonly url: URL;
  /** The `Host` the request was sent to, for answers that name this engine's URL. */
  readonly host: string | undefined;
  readonly params: R extends { params: infer P extends z.ZodObject } ? z.output<P> : Record<string, never>;
  /**
   * Reads the query parameters the route declares. Handlers call it (and {@link body}) after
   * they look the namespace up, so an unknown namespace is reported first, as it always was.
   */
  query(): R extends { query: infer Q extends z.ZodObject } ? z.output<Q> : never;
  /** Reads and checks the JSON body against the route's body schema. */
  body(): Promise<R extends { body: infer B extends z.ZodType } ? z.output<B> : never>;
}

/** A route's handler; its answer has the type of the route's response schema. */
type Handler<R extends ApiRoute> = (ctx: ApiContext, input: RouteInput<R>) => z.input<R["response"]> | Promise<z.input<R["response"]>>;

/** `/metadata` and `/health` are answered by the server before the API (and without a token). */
type ServedHere = Exclude<ApiRouteName, "getMetadata" | "getHealth">;

interface Matched {
  readonly definition: ApiRoute;
  serve(ctx: ApiContext, url: URL, req: IncomingMessage): Promise<unknown>;
}

interface CompiledRoute {
  readonly name: ServedHere;
  readonly definition: ApiRoute;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

function matchRoute(method: string, path: string): Matched | undefined {
  for (const route of COMPILED) {
    if (route.definition.method.toUpperCase() !== method) continue;
    const m = route.pattern.exec(path);
    if (m === null) continue;
    // Decoded now, before the token is checked: a malformed path is a 400 whoever sends it.
    const params: Record<string, string> = {};
    route.paramNames.forEach((name, i) => {
      params[name] = decodePathSegment(m[i + 1] as string, name.replace(/_id$/, " ID").replace(/_/g, " "));
    });
    const { definition } = route;
    const handler = HANDLERS[route.name] as Handler<ApiRoute>;
    return {
      definition,
      serve: async (ctx, url, req) =>
        handler(ctx, {
          url,
          host: req.headers.host,
          params: params as never,
          query: () => parseQuery(definition.query as z.ZodObject, url.searchParams) as never,
          body: async () => parseBody(definition.body as z.ZodType, await readJsonObject(req)) as never,
        }),
    };
  }
  return undefined;
}

/** The namespace a request names with `?namespace=`; `default` when it names none. */
function namespaceOf(ctx: ApiContext, url: URL) {
  return ctx.catalog.requireNamespace(url.searchParams.get("namespace") ?? "default");
}

function runnersOf(ctx: ApiContext, url: URL) {
  const ns = namespaceOf(ctx, url);
  return (ctx.runners?.connections() ?? []).filter((c) => c.namespace.id === ns.namespace_id);
}

function configsOf(ctx: ApiContext): RunnerConfigs {
  if (ctx.runnerConfigs === undefined) throw new EngineError("api.not_implemented", "This engine keeps no runner configs.", { status: 501 });
  return ctx.runnerConfigs;
}

type CreateBody = z.output<(typeof API_ROUTES)["createActor"]["body"]>;

function createInput(body: CreateBody): ActorCreateInput {
  return {
    name: body.name,
    key: body.key ?? null,
    input: body.input ?? null,
    runnerNameSelector: body.runner_name_selector,
    // Rivet's API type defaults to destroy when the field is left out.
    crashPolicy: body.crash_policy ?? "destroy",
  };
}

const HANDLERS: { readonly [K in ServedHere]: Handler<(typeof API_ROUTES)[K]> } = {
  listNamespaces(ctx, { query }) {
    const { name } = query();
    const namespaces = ctx.catalog.listNamespaces().filter((n) => name === undefined || n.name === name);
    return { namespaces, pagination: { cursor: null } };
  },

  async createNamespace(ctx, { body }) {
    const { name, display_name } = await body();
    return { namespace: ctx.catalog.createNamespace(name, display_name) };
  },

  listActors(ctx, { url, query }) {
    const ns = namespaceOf(ctx, url);
    // The combinations are checked before the values, in the order the engine always has.
    const q = url.searchParams;
    const ids = [...q.getAll("actor_id"), ...(q.get("actor_ids")?.split(",") ?? [])].filter((s) => s.length > 0);
    if (q.has("key") && !q.has("name")) {
      throw new EngineError("api.invalid_query", "`key` needs `name`.", { status: 400 });
    }
    if (ids.length > 0 && q.has("name")) {
      throw new EngineError("api.invalid_query", "`actor_id` cannot be combined with `name` or `key`.", { status: 400 });
    }
    const { name, key, include_destroyed, limit, cursor } = query();
    const page = ctx.catalog.listActors(ns, {
      name,
      key,
      actorIds: ids.length > 0 ? ids : undefined,
      includeDestroyed: include_destroyed === "true",
      limit,
      cursor,
    });
    return { actors: page.actors, pagination: { cursor: page.cursor } };
  },

  async createActor(ctx, { url, body }) {
    const ns = namespaceOf(ctx, url);
    const actor = ctx.catalog.createActor(ns, createInput(await body()));
    ctx.onActorCreated?.(actor.actor_id);
    return { actor };
  },

  async getOrCreateActor(ctx, { url, body }) {
    const ns = namespaceOf(ctx, url);
    const input = createInput(await body());
    // The body schema refuses a missing key; this narrows the type for the catalog.
    if (input.key === null) throw new EngineError("api.invalid_body", 'Field "key" is required.', { status: 400, metadata: { field: "key" } });
    const result = ctx.catalog.getOrCreateActor(ns, { ...input, key: input.key });
    if (result.created) ctx.onActorCreated?.(result.actor.actor_id);
    return result;
  },

  destroyActor(ctx, { url, params }) {
    ctx.catalog.destroyActor(namespaceOf(ctx, url), params.actor_id);
    ctx.onActorDestroyed?.(params.actor_id);
    return {};
  },

  sleepActor(ctx, { url, params }) {
    const id = params.actor_id;
    const ns = namespaceOf(ctx, url);
    const actor = ctx.catalog.getActor(id)?.actor;
    if (actor === undefined || actor.namespace_id !== ns.namespace_id || actor.destroy_ts != null) {
      throw new EngineError("actor.not_found", "The actor does not exist or was destroyed.", { status: 404, metadata: { actor_id: id } });
    }
    if (ctx.sleepActor === undefined) throw new EngineError("api.not_implemented", "Sleeping actors is not available.", { status: 501 });
    ctx.sleepActor(id);
    return {};
  },

  listActorNames(ctx, { url }) {
    return { names: ctx.catalog.actorNames(namespaceOf(ctx, url)), pagination: { cursor: null } };
  },

  listRunners(ctx, { url, query }) {
    const connections = runnersOf(ctx, url);
    const { name } = query();
    const runners = connections
      .filter((c) => name === undefined || c.name === name)
      .map((c) => summarizeRunner(c, ctx.datacenter ?? "local", ctx.runners?.actorCount?.(c.runnerId) ?? 0));
    return { runners, pagination: { cursor: null } };
  },

  listRunnerNames(ctx, { url }) {
    const names = [...new Set(runnersOf(ctx, url).map((c) => c.name))].sort();
    return { names, pagination: { cursor: null } };
  },

  listEnvoys(ctx, { url, query }) {
    const ns = namespaceOf(ctx, url);
    const { name, envoy_key } = query();
    const envoys = (ctx.envoys?.connections() ?? [])
      .filter((c) => c.namespace.id === ns.namespace_id && (name === undefined || c.poolName === name) && (envoy_key === undefined || c.envoyKey === envoy_key))
      // Rivet lists the newest first.
      .sort((a, b) => b.connectedAt - a.connectedAt)
      .map((c) => summarizeEnvoy(c, ctx.datacenter ?? "local"));
    return { envoys, pagination: { cursor: null } };
  },

  listRunnerConfigs(ctx, { url, query }) {
    const ns = namespaceOf(ctx, url);
    const { runner_names } = query();
    const names = runner_names?.split(",").filter((n) => n.length > 0);
    return { runner_configs: configsOf(ctx).list(ns, names), pagination: { cursor: null } };
  },

  async upsertRunnerConfig(ctx, { url, params, body }) {
    const ns = namespaceOf(ctx, url);
    const { datacenters } = await body();
    configsOf(ctx).upsert(ns, params.runner_name, datacenters);
    return { endpoint_config_changed: true };
  },

  deleteRunnerConfig(ctx, { url, params }) {
    const ns = namespaceOf(ctx, url);
    configsOf(ctx).delete(ns, params.runner_name);
    return {};
  },

  listDatacenters(ctx, { url, host }) {
    namespaceOf(ctx, url);
    const name = ctx.datacenter ?? "local";
    return { datacenters: [{ label: 1, name, url: host === undefined ? "/" : `http://${host}/` }], pagination: { cursor: null } };
  },

  getOpenApi(ctx) {
    return openApiDocument({ version: ctx.version, auth: ctx.adminToken !== undefined });
  },
};

/** Each route's path template as a pattern; fixed paths first, so `/actors/names` is not an ID. */
const COMPILED: readonly CompiledRoute[] = (Object.keys(HANDLERS) as ServedHere[])
  .map((name) => {
    const definition: ApiRoute = API_ROUTES[name];
    const paramNames = [...definition.path.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1] as string);
    const source = definition.path.replace(/[.]/g, "\\.").replace(/\{[a-z_]+\}/g, "([^/]+)");
    return { name, definition, pattern: new RegExp(`^${source}$`), paramNames };
  })
  .sort((a, b) => Number(a.paramNames.length > 0) - Number(b.paramNames.length > 0));
