import type { IncomingMessage, ServerResponse } from "node:http";
import type { ActorCreateInput, Catalog } from "../catalog/catalog.js";
import type { CrashPolicy } from "../catalog/records.js";
import { requireAdminToken } from "../auth.js";
import { EngineError } from "../errors.js";
import { BodyReader, readJsonObject } from "./body.js";
import { openApiDocument } from "./openapi.js";
import { decodePathSegment, parseTarget } from "./target.js";
import { type RunnerDirectory, summarizeRunner } from "./runners-routes.js";

const CRASH_POLICIES: readonly CrashPolicy[] = ["restart", "sleep", "destroy"];
const CREATE_FIELDS = ["name", "key", "input", "runner_name_selector", "crash_policy", "datacenter"] as const;

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
    let route: Route | undefined;
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
      if (ctx.adminToken !== undefined) requireAdminToken(req, ctx.adminToken);
      send(res, 200, await route(ctx, url, req));
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

type Route = (ctx: ApiContext, url: URL, req: IncomingMessage) => Promise<unknown> | unknown;

function matchRoute(method: string, path: string): Route | undefined {
  if (path === "/namespaces" && method === "GET") return listNamespaces;
  if (path === "/namespaces" && method === "POST") return createNamespace;
  if (path === "/actors" && method === "GET") return listActors;
  if (path === "/actors" && method === "POST") return createActor;
  if (path === "/actors" && method === "PUT") return getOrCreateActor;
  if (path === "/actors/names" && method === "GET") return actorNames;
  if (path === "/openapi.json" && method === "GET") return (ctx) => openApiDocument(ctx.version);
  if (path === "/runners" && method === "GET") return listRunners;
  if (path === "/runners/names" && method === "GET") return runnerNames;
  const sleep = /^\/actors\/([^/]+)\/sleep$/.exec(path);
  if (sleep !== null && method === "POST") {
    const id = decodePathSegment(sleep[1] as string, "actor ID");
    return (ctx, url) => {
      const ns = namespaceOf(ctx, url);
      const actor = ctx.catalog.getActor(id)?.actor;
      if (actor === undefined || actor.namespace_id !== ns.namespace_id || actor.destroy_ts != null) {
        throw new EngineError("actor.not_found", "The actor does not exist or was destroyed.", { status: 404, metadata: { actor_id: id } });
      }
      if (ctx.sleepActor === undefined) throw new EngineError("api.not_implemented", "Sleeping actors is not available.", { status: 501 });
      ctx.sleepActor(id);
      return {};
    };
  }
  const destroy = /^\/actors\/([^/]+)$/.exec(path);
  if (destroy !== null && method === "DELETE") {
    const id = decodePathSegment(destroy[1] as string, "actor ID");
    return (ctx, url) => {
      ctx.catalog.destroyActor(namespaceOf(ctx, url), id);
      ctx.onActorDestroyed?.(id);
      return {};
    };
  }
  return undefined;
}

/** The namespace a request names with `?namespace=`; `default` when it names none. */
function namespaceOf(ctx: ApiContext, url: URL) {
  return ctx.catalog.requireNamespace(url.searchParams.get("namespace") ?? "default");
}

function listNamespaces(ctx: ApiContext, url: URL): unknown {
  const name = url.searchParams.get("name");
  const namespaces = ctx.catalog.listNamespaces().filter((n) => name === null || n.name === name);
  return { namespaces, pagination: { cursor: null } };
}

async function createNamespace(ctx: ApiContext, _url: URL, req: IncomingMessage): Promise<unknown> {
  const body = new BodyReader(await readJsonObject(req), ["name", "display_name"]);
  return { namespace: ctx.catalog.createNamespace(body.string("name"), body.string("display_name")) };
}

function listActors(ctx: ApiContext, url: URL): unknown {
  const ns = namespaceOf(ctx, url);
  const q = url.searchParams;
  const ids = [...q.getAll("actor_id"), ...(q.get("actor_ids")?.split(",") ?? [])].filter((s) => s.length > 0);
  const name = q.get("name") ?? undefined;
  const key = q.get("key") ?? undefined;
  if (key !== undefined && name === undefined) {
    throw new EngineError("api.invalid_query", "`key` needs `name`.", { status: 400 });
  }
  if (ids.length > 0 && name !== undefined) {
    throw new EngineError("api.invalid_query", "`actor_id` cannot be combined with `name` or `key`.", { status: 400 });
  }
  const limitText = q.get("limit");
  const limit = limitText === null ? undefined : Number(limitText);
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new EngineError("api.invalid_query", "`limit` must be a positive integer.", { status: 400, metadata: { limit: limitText } });
  }
  const page = ctx.catalog.listActors(ns, {
    name,
    key,
    actorIds: ids.length > 0 ? ids : undefined,
    includeDestroyed: q.get("include_destroyed") === "true",
    limit,
    cursor: q.get("cursor") ?? undefined,
  });
  return { actors: page.actors, pagination: { cursor: page.cursor } };
}

function readCreateInput(body: BodyReader): ActorCreateInput {
  return {
    name: body.string("name"),
    key: body.optionalString("key"),
    input: body.optionalString("input"),
    runnerNameSelector: body.string("runner_name_selector"),
    // Rivet's API type defaults to destroy when the field is left out.
    crashPolicy: body.oneOf("crash_policy", CRASH_POLICIES, "destroy"),
  };
}

async function createActor(ctx: ApiContext, url: URL, req: IncomingMessage): Promise<unknown> {
  const ns = namespaceOf(ctx, url);
  const input = readCreateInput(new BodyReader(await readJsonObject(req), CREATE_FIELDS));
  const actor = ctx.catalog.createActor(ns, input);
  ctx.onActorCreated?.(actor.actor_id);
  return { actor };
}

async function getOrCreateActor(ctx: ApiContext, url: URL, req: IncomingMessage): Promise<unknown> {
  const ns = namespaceOf(ctx, url);
  const input = readCreateInput(new BodyReader(await readJsonObject(req), CREATE_FIELDS));
  if (input.key === null) throw new EngineError("api.invalid_body", 'Field "key" is required.', { status: 400, metadata: { field: "key" } });
  const result = ctx.catalog.getOrCreateActor(ns, { ...input, key: input.key });
  if (result.created) ctx.onActorCreated?.(result.actor.actor_id);
  return result;
}

function runnersOf(ctx: ApiContext, url: URL) {
  const ns = namespaceOf(ctx, url);
  return (ctx.runners?.connections() ?? []).filter((c) => c.namespace.id === ns.namespace_id);
}

function listRunners(ctx: ApiContext, url: URL): unknown {
  const name = url.searchParams.get("name");
  const runners = runnersOf(ctx, url)
    .filter((c) => name === null || c.name === name)
    .map((c) => summarizeRunner(c, ctx.datacenter ?? "local", ctx.runners?.actorCount?.(c.runnerId) ?? 0));
  return { runners, pagination: { cursor: null } };
}

function runnerNames(ctx: ApiContext, url: URL): unknown {
  const names = [...new Set(runnersOf(ctx, url).map((c) => c.name))].sort();
  return { names, pagination: { cursor: null } };
}

function actorNames(ctx: ApiContext, url: URL): unknown {
  return { names: ctx.catalog.actorNames(namespaceOf(ctx, url)), pagination: { cursor: null } };
}
