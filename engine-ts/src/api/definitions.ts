import type { z } from "zod";
import * as s from "./schemas.js";

/**
 * Every route of the engine's HTTP API, defined once: the router matches requests, reads and
 * checks their parameters and bodies, and types its handlers from these entries, and
 * `/openapi.json` (and so the docs site) is generated from the same entries.
 */

/** An HTTP method the API serves, lower case as OpenAPI spells it. */
export type HttpMethod = "get" | "post" | "put" | "delete";

/** One route of the API. */
export interface ApiRoute {
  readonly method: HttpMethod;
  /** The path, with `{name}` for each path parameter (OpenAPI's template form). */
  readonly path: string;
  /** The group the route is listed under (one docs page per tag). */
  readonly tag: ApiTag;
  readonly summary: string;
  readonly description?: string;
  /** Whether the route needs the admin token when the engine is started with one. */
  readonly auth: boolean;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  /** The body of a 200 answer. */
  readonly response: z.ZodType;
  /** Error statuses this route answers with besides the token's 401 and 403, with when. */
  readonly errors: Readonly<Record<number, string>>;
}

/** The tags, in the order the document lists them, with what each covers. */
export const API_TAGS = {
  engine: "What the engine is and whether it is up; never needs the token.",
  namespaces: "Namespaces: every actor and runner lives in one.",
  actors: "Create, find, destroy and put to sleep actors.",
  runners: "The runners connected to the engine.",
  envoys: "The envoys (rivetkit 2.3's native core) connected to the engine.",
  meta: "This API's own description.",
} as const;

export type ApiTag = keyof typeof API_TAGS;

const BAD_BODY = "The body is not a JSON object of the documented fields, a field has the wrong type, or a value breaks a limit.";
const TOO_LARGE = "The body is larger than 8 MiB (`api.body_too_large`).";
const NO_NAMESPACE = "The namespace does not exist (`namespace.not_found`).";

/** Checks one route against {@link ApiRoute} while keeping its own schema types for the handlers. */
function route<const R extends ApiRoute>(r: R): R {
  return r;
}

/** The routes by operation ID (the key), in the order the document lists them. */
export const API_ROUTES = {
  getMetadata: route({
    method: "get",
    path: "/metadata",
    tag: "engine",
    summary: "Engine metadata",
    description: "The engine's version and the runner and client protocol versions it speaks.",
    auth: false,
    response: s.metadataResponse,
    errors: {},
  }),
  getHealth: route({
    method: "get",
    path: "/health",
    tag: "engine",
    summary: "Liveness",
    description: "Answers 200 while the engine serves requests.",
    auth: false,
    response: s.healthResponse,
    errors: {},
  }),
  listNamespaces: route({
    method: "get",
    path: "/namespaces",
    tag: "namespaces",
    summary: "List namespaces",
    auth: true,
    query: s.listNamespacesQuery,
    response: s.listNamespacesResponse,
    errors: {},
  }),
  createNamespace: route({
    method: "post",
    path: "/namespaces",
    tag: "namespaces",
    summary: "Create a namespace",
    auth: true,
    body: s.createNamespaceRequest,
    response: s.createNamespaceResponse,
    errors: { 400: `${BAD_BODY} A name already taken is \`namespace.name_not_unique\`.`, 413: TOO_LARGE },
  }),
  listActors: route({
    method: "get",
    path: "/actors",
    tag: "actors",
    summary: "List actors by name, by name and key, or by IDs",
    description: "Give `name`, `name` and `key`, or `actor_id`. Destroyed actors are left out unless `include_destroyed=true`.",
    auth: true,
    query: s.listActorsQuery,
    response: s.listActorsResponse,
    errors: { 400: "The query names no filter, combines `actor_id` with `name`, gives `key` without `name`, or has a bad `limit` (`api.invalid_query`).", 404: NO_NAMESPACE },
  }),
  createActor: route({
    method: "post",
    path: "/actors",
    tag: "actors",
    summary: "Create an actor",
    description: "Creates the actor and starts it on a runner of its pool.",
    auth: true,
    query: s.namespaceQuery,
    body: s.createActorRequest,
    response: s.createActorResponse,
    errors: { 400: `${BAD_BODY} A live actor with the same name and key is \`actor.duplicate_key\`.`, 404: NO_NAMESPACE, 413: TOO_LARGE },
  }),
  getOrCreateActor: route({
    method: "put",
    path: "/actors",
    tag: "actors",
    summary: "Get or create an actor by name and key",
    description: "Returns the live actor with this name and key, creating (and starting) it first when there is none. Concurrent calls get the same actor.",
    auth: true,
    query: s.namespaceQuery,
    body: s.getOrCreateActorRequest,
    response: s.getOrCreateActorResponse,
    errors: { 400: BAD_BODY, 404: NO_NAMESPACE, 413: TOO_LARGE },
  }),
  destroyActor: route({
    method: "delete",
    path: "/actors/{actor_id}",
    tag: "actors",
    summary: "Destroy an actor",
    description: "Stops the actor and frees its key; its record stays, with `destroy_ts` set.",
    auth: true,
    params: s.actorIdPath,
    query: s.namespaceQuery,
    response: s.emptyResponse,
    errors: { 400: "The actor ID in the path is not valid percent-encoded UTF-8 (`api.invalid_path`).", 404: "The namespace or the live actor does not exist (`namespace.not_found`, `actor.not_found`)." },
  }),
  sleepActor: route({
    method: "post",
    path: "/actors/{actor_id}/sleep",
    tag: "actors",
    summary: "Put an actor to sleep",
    description: "Stops the actor on its runner; the next request to it starts it again.",
    auth: true,
    params: s.actorIdPath,
    query: s.namespaceQuery,
    response: s.emptyResponse,
    errors: {
      400: "The actor ID in the path is not valid percent-encoded UTF-8 (`api.invalid_path`).",
      404: "The namespace or the live actor does not exist (`namespace.not_found`, `actor.not_found`).",
      501: "The engine was built without an actor lifecycle (`api.not_implemented`); only when embedding.",
    },
  }),
  listActorNames: route({
    method: "get",
    path: "/actors/names",
    tag: "actors",
    summary: "Actor names and their metadata",
    description: "The actor names the namespace's runners declared when they connected.",
    auth: true,
    query: s.namespaceQuery,
    response: s.actorNamesResponse,
    errors: { 404: NO_NAMESPACE },
  }),
  listRunners: route({
    method: "get",
    path: "/runners",
    tag: "runners",
    summary: "Connected runners",
    auth: true,
    query: s.listRunnersQuery,
    response: s.listRunnersResponse,
    errors: { 404: NO_NAMESPACE },
  }),
  listRunnerNames: route({
    method: "get",
    path: "/runners/names",
    tag: "runners",
    summary: "Pool names of connected runners",
    auth: true,
    query: s.namespaceQuery,
    response: s.runnerNamesResponse,
    errors: { 404: NO_NAMESPACE },
  }),
  listEnvoys: route({
    method: "get",
    path: "/envoys",
    tag: "envoys",
    summary: "Connected envoys",
    description: "Envoys connected to `/envoys/connect` in the namespace, newest first; `name` keeps one pool, `envoy_key` one envoy.",
    auth: true,
    query: s.listEnvoysQuery,
    response: s.listEnvoysResponse,
    errors: { 404: NO_NAMESPACE },
  }),
  listRunnerConfigs: route({
    method: "get",
    path: "/runner-configs",
    tag: "runners",
    summary: "Runner configs (pools)",
    description: "The pools declared in the namespace, each with its config per datacenter.",
    auth: true,
    query: s.listRunnerConfigsQuery,
    response: s.listRunnerConfigsResponse,
    errors: { 404: NO_NAMESPACE },
  }),
  upsertRunnerConfig: route({
    method: "put",
    path: "/runner-configs/{runner_name}",
    tag: "runners",
    summary: "Declare or replace a runner config (pool)",
    description:
      "Declares a pool before its runners connect, as rivetkit's registry does on start. Actors may be created for a declared pool at once; they wait (up to the ready timeout) for a runner of it.",
    auth: true,
    params: s.runnerNamePath,
    query: s.namespaceQuery,
    body: s.upsertRunnerConfigRequest,
    response: s.upsertRunnerConfigResponse,
    errors: {
      400: `${BAD_BODY} Also \`datacenter.not_found\` for a datacenter this engine is not, \`runner_config.serverless_unsupported\` for a serverless pool, \`runner_config.invalid_name\` for an empty or too long name.`,
      404: NO_NAMESPACE,
      413: TOO_LARGE,
    },
  }),
  deleteRunnerConfig: route({
    method: "delete",
    path: "/runner-configs/{runner_name}",
    tag: "runners",
    summary: "Delete a runner config (pool)",
    description: "Deleting a config that does not exist is not an error. Runners already connected stay connected.",
    auth: true,
    params: s.runnerNamePath,
    query: s.namespaceQuery,
    response: s.emptyResponse,
    errors: { 400: "The name is empty or too long (`runner_config.invalid_name`).", 404: NO_NAMESPACE },
  }),
  listDatacenters: route({
    method: "get",
    path: "/datacenters",
    tag: "engine",
    summary: "Datacenters",
    description: "This engine is one datacenter; rivetkit reads its name to declare runner configs.",
    auth: true,
    query: s.namespaceQuery,
    response: s.listDatacentersResponse,
    errors: { 404: NO_NAMESPACE },
  }),
  getOpenApi: route({
    method: "get",
    path: "/openapi.json",
    tag: "meta",
    summary: "This API's OpenAPI document",
    description: "The OpenAPI 3.1 document of this API, generated from the definitions the engine checks requests with.",
    auth: true,
    response: s.openApiResponse,
    errors: {},
  }),
} as const;

export type ApiRouteName = keyof typeof API_ROUTES;
